"""``kotocast status``: every episode's state, release time, duration and loudness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from episodes.catalog import load_episodes
from episodes.model import Episode
from episodes.show import load_show

from .publish import published_guids


@dataclass(frozen=True, slots=True)
class EpisodeStatus:
    """One row of the status table."""

    slug: str
    title: str
    state: str  # draft | withdrawn | scheduled | due | published
    publish_at: datetime | None
    duration_s: float | None
    input_lufs: float | None
    output_lufs: float | None
    output_true_peak_dbtp: float | None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The show's episodes and its next scheduled release."""

    show_title: str
    now: datetime
    episodes: tuple[EpisodeStatus, ...]
    next_release: datetime | None

    def as_json(self) -> dict[str, object]:
        """Return plain data for ``--json``."""
        return {
            "show": self.show_title,
            "now": self.now.isoformat(),
            "next_release": self.next_release.isoformat() if self.next_release else None,
            "episodes": [
                {
                    "slug": e.slug,
                    "title": e.title,
                    "state": e.state,
                    "publish_at": e.publish_at.isoformat() if e.publish_at else None,
                    "duration_s": e.duration_s,
                    "input_lufs": e.input_lufs,
                    "output_lufs": e.output_lufs,
                    "output_true_peak_dbtp": e.output_true_peak_dbtp,
                }
                for e in self.episodes
            ],
        }


def episode_state(episode: Episode, now: datetime, live: set[str]) -> str:
    """Return draft, withdrawn, scheduled, due (released at the next publish) or published."""
    if episode.withdrawn:
        return "withdrawn"
    if episode.draft or episode.publish_at is None:
        return "draft"
    if episode.publish_at > now:
        return "scheduled"
    return "published" if episode.guid in live else "due"


def show_status(workspace: Path, *, now: datetime) -> StatusReport:
    """Collect the status of every episode in ``workspace`` at ``now``."""
    show = load_show(workspace)
    live = published_guids(workspace)
    rows = []
    for ep in sorted(load_episodes(workspace), key=_order_key):
        media = ep.media or (ep.variants[0].media if ep.variants else None)
        rows.append(
            EpisodeStatus(
                slug=ep.slug,
                title=ep.title,
                state=episode_state(ep, now, live),
                publish_at=ep.publish_at,
                duration_s=media.duration_s if media else None,
                input_lufs=ep.loudness.input_lufs if ep.loudness else None,
                output_lufs=ep.loudness.output_lufs if ep.loudness else None,
                output_true_peak_dbtp=ep.loudness.output_true_peak_dbtp if ep.loudness else None,
            )
        )
    upcoming = [r.publish_at for r in rows if r.state == "scheduled" and r.publish_at]
    return StatusReport(show.title, now, tuple(rows), min(upcoming) if upcoming else None)


def _order_key(ep: Episode) -> tuple[datetime, str]:
    return (ep.publish_at or datetime.max.replace(tzinfo=UTC), ep.slug)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def render_status_table(report: StatusReport, *, width: int = 100) -> str:
    """Return the status as an aligned text table with a closing line on the next release."""
    header = ("EPISODE", "STATE", "RELEASE (UTC)", "LENGTH", "LUFS IN", "LUFS OUT", "PEAK")
    rows = [
        (
            e.slug,
            e.state,
            e.publish_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if e.publish_at else "-",
            _clock(e.duration_s),
            "-" if e.input_lufs is None else f"{e.input_lufs:.1f}",
            "-" if e.output_lufs is None else f"{e.output_lufs:.1f}",
            "-" if e.output_true_peak_dbtp is None else f"{e.output_true_peak_dbtp:.1f}",
        )
        for e in report.episodes
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    slug_room = max(12, width - sum(widths[1:]) - 2 * (len(header) - 1))
    widths[0] = min(widths[0], slug_room)
    lines = [
        "  ".join(cell[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
    if not rows:
        lines.append("(no episodes yet: kotocast add FILE --title TITLE)")
    nxt = report.next_release
    lines.append(
        f"next release: {nxt.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
        if nxt
        else "next release: none scheduled"
    )
    return "\n".join(lines)
