"""``kotocast status``: every episode and language: state, release time, length and loudness.

One report for every show. A one-language show prints one row per episode; a show with several
languages prints the episode x language matrix (``*`` marks a variant without transcript or
captions). Both come from the same :class:`StatusReport`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from episodes.catalog import load_episodes
from episodes.model import Episode, Show, Variant
from episodes.show import load_show
from episodes.transcription import review_state

from .publish import read_state
from .site import ALL_LANGUAGES, FEED_KEY, feed_guids, feed_key

STATES = ("draft", "withdrawn", "scheduled", "due", "published", "missing", "broken")
# Times are shown in the show's zone ([show] timezone) with their offset.
DEFAULT_TIMEZONE = "Europe/Helsinki"
TITLE_MIN_CHARS = 12


@dataclass(frozen=True, slots=True)
class VariantStatus:
    """One language of one episode."""

    language: str
    state: str  # one of STATES
    title: str
    publish_at: datetime | None
    duration_s: float | None
    input_lufs: float | None
    output_lufs: float | None
    output_true_peak_dbtp: float | None
    has_text: bool  # a transcript or captions file
    transcript: str = "none"  # review state: none | machine | reviewed | supplied


@dataclass(frozen=True, slots=True)
class EpisodeStatus:
    """One episode: its main-language row plus every language's state."""

    slug: str
    guid: str
    variants: tuple[VariantStatus, ...]  # in the show's languages ("missing" where absent)

    @property
    def main(self) -> VariantStatus:
        return next((v for v in self.variants if v.state != "missing"), self.variants[0])

    # The main row's fields, as the one-language table prints them.
    @property
    def title(self) -> str:
        return self.main.title

    @property
    def state(self) -> str:
        return self.main.state

    @property
    def publish_at(self) -> datetime | None:
        return self.main.publish_at

    @property
    def duration_s(self) -> float | None:
        return self.main.duration_s

    @property
    def input_lufs(self) -> float | None:
        return self.main.input_lufs

    @property
    def output_lufs(self) -> float | None:
        return self.main.output_lufs

    @property
    def output_true_peak_dbtp(self) -> float | None:
        return self.main.output_true_peak_dbtp


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The show's episodes, its languages, its next release and notes for the producer."""

    show_title: str
    now: datetime
    languages: tuple[str, ...]
    episodes: tuple[EpisodeStatus, ...]
    next_release: datetime | None
    notes: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE

    def as_json(self) -> dict[str, object]:
        """Return plain data for ``--json``."""
        return {
            "show": self.show_title,
            "now": self.now.isoformat(),
            "languages": list(self.languages),
            "next_release": self.next_release.isoformat() if self.next_release else None,
            "notes": list(self.notes),
            "episodes": [
                {
                    "slug": e.slug,
                    "guid": e.guid,
                    "title": e.title,
                    "state": e.state,
                    "publish_at": e.publish_at.isoformat() if e.publish_at else None,
                    "duration_s": e.duration_s,
                    "input_lufs": e.input_lufs,
                    "output_lufs": e.output_lufs,
                    "output_true_peak_dbtp": e.output_true_peak_dbtp,
                    "languages": {
                        v.language: {
                            "state": v.state,
                            "title": v.title,
                            "publish_at": v.publish_at.isoformat() if v.publish_at else None,
                            "captions": v.has_text,
                            "transcript": v.transcript,
                        }
                        for v in e.variants
                    },
                }
                for e in self.episodes
            ],
        }


def variant_state(
    episode: Episode,
    variant: Variant,
    now: datetime,
    live: dict[str, list[str]],
    workspace: Path | None = None,
) -> str:
    """Return draft, withdrawn, scheduled, due (goes out at the next publish) or published.

    ``broken``: the variant has no media, or (given ``workspace``) its file is gone.
    """
    if episode.withdrawn:
        return "withdrawn"
    media = variant.media
    if media is None or (workspace is not None and not (workspace / media.path).is_file()):
        return "broken"
    if variant.draft or variant.publish_at is None:
        return "draft"
    # Released stays released (publish keeps what the live feed lists), even when released
    # early by a publish with a future --now.
    if episode.guid in live and (not live[episode.guid] or variant.language in live[episode.guid]):
        return "published"
    if variant.publish_at > now:
        return "scheduled"
    return "due"


def show_status(workspace: Path, *, now: datetime) -> StatusReport:
    """Collect the status of every episode and language in ``workspace`` at ``now``."""
    show = load_show(workspace)
    languages = show.listed_languages
    state = read_state(workspace)
    live: dict[str, list[str]] = {
        g: list(state.get("variants", {}).get(g, [])) for g in state.get("guids", [])
    }
    rows = []
    for ep in sorted(load_episodes(workspace, languages=show.all_languages), key=_order_key):
        cells = []
        listed = languages if show.per_language else (ep.main.language,)
        for lang in listed:
            v = ep.variant(lang)
            if v is None:
                cells.append(
                    VariantStatus(lang, "missing", "", None, None, None, None, None, False)
                )
                continue
            loud = v.loudness
            cells.append(
                VariantStatus(
                    language=lang,
                    state=variant_state(ep, v, now, live, workspace),
                    title=v.title,
                    publish_at=v.publish_at,
                    duration_s=v.media.duration_s if v.media else None,
                    input_lufs=loud.input_lufs if loud else None,
                    output_lufs=loud.output_lufs if loud else None,
                    output_true_peak_dbtp=loud.output_true_peak_dbtp if loud else None,
                    has_text=bool(v.transcripts),
                    transcript=review_state(v.transcripts, lang),
                )
            )
        rows.append(EpisodeStatus(ep.slug, ep.guid, tuple(cells)))
    upcoming = [
        v.publish_at for r in rows for v in r.variants if v.state == "scheduled" and v.publish_at
    ]
    return StatusReport(
        show.title,
        now,
        languages,
        tuple(rows),
        min(upcoming) if upcoming else None,
        tuple(_guid_notes(show)),
        show.timezone,
    )


def _guid_notes(show: Show) -> list[str]:
    """Say which feeds keep a ``podcast:guid`` that is not the spec's (and why)."""
    urls = {lang: f"{show.base_url}{feed_key(lang)}" for lang in show.listed_languages}
    if not show.per_language or show.all_languages_feed:
        urls[ALL_LANGUAGES] = f"{show.base_url}{FEED_KEY}"
    notes = []
    for lang, guid in feed_guids(show, urls).items():
        if guid.legacy:
            key = FEED_KEY if lang == ALL_LANGUAGES else feed_key(lang)
            notes.append(
                f"{key} keeps podcast:guid {guid.guid} (derived by kotocast 0.1 and already "
                f"known to apps; a new feed at this URL would get {guid.spec})"
            )
    return notes


def _order_key(ep: Episode) -> tuple[datetime, str]:
    return (ep.publish_at or datetime.max.replace(tzinfo=UTC), ep.slug)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _local(when: datetime | None, zone: tzinfo) -> str:
    """``2026-12-01 09:00 +02:00`` in the show's zone ("-" for none)."""
    if when is None:
        return "-"
    local = when.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local.strftime('%Y-%m-%d %H:%M')} {offset[:3]}:{offset[3:]}"


def render_status_table(report: StatusReport, *, width: int = 100) -> str:
    """Return the status as aligned text: one row per episode, or the language matrix.

    Slugs are printed whole (they are what ``edit``, ``remove`` and ``unpublish`` take);
    titles are shortened to fit ``width``. Times are in the show's time zone.
    """
    zone = _zone(report.timezone)
    lines = _matrix(report) if len(report.languages) > 1 else _rows(report, width, zone)
    nxt = report.next_release
    lines.append(
        f"next release: {_local(nxt, zone)} ({report.timezone})"
        if nxt
        else "next release: none scheduled"
    )
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _rows(report: StatusReport, width: int, zone: tzinfo) -> list[str]:
    header = (
        "EPISODE", "TITLE", "STATE", "RELEASE", "LENGTH", "LUFS IN", "LUFS OUT", "PEAK", "TEXT"
    )  # fmt: skip
    rows = [
        (
            e.slug,
            e.title,
            e.state,
            _local(e.publish_at, zone) if e.state != "draft" else "-",
            _clock(e.duration_s),
            "-" if e.input_lufs is None else f"{e.input_lufs:.1f}",
            "-" if e.output_lufs is None else f"{e.output_lufs:.1f}",
            "-" if e.output_true_peak_dbtp is None else f"{e.output_true_peak_dbtp:.1f}",
            _TEXT_STATES[e.main.transcript],
        )
        for e in report.episodes
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    others = sum(w for i, w in enumerate(widths) if i != 1) + 2 * (len(header) - 1)
    widths[1] = min(widths[1], max(TITLE_MIN_CHARS, width - others))
    lines = [
        "  ".join(
            (_shorten(cell, widths[i]) if i == 1 else cell).ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in [header, *rows]
    ]
    if not rows:
        lines.append("(no episodes yet: kotocast add FILE --title TITLE)")
    return lines


def _shorten(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)].rstrip() + "…"


def _matrix(report: StatusReport) -> list[str]:
    header = ("EPISODE", *report.languages)
    rows = [
        (
            e.slug,
            *(v.state + _text_mark(v) for v in e.variants),
        )
        for e in report.episodes
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    if not rows:
        lines.append("(no episodes yet: kotocast add FILE --language L --title T [--slug S])")
    lines.append("* transcript or captions missing; ? machine transcript not reviewed yet")
    return lines


_TEXT_STATES = {"none": "-", "machine": "machine draft", "reviewed": "reviewed", "supplied": "own"}


def _text_mark(v: VariantStatus) -> str:
    if v.state == "missing" or v.transcript in ("reviewed", "supplied"):
        return ""
    return "?" if v.transcript == "machine" else "*"
