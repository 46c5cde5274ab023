"""Multilingual video series: add or replace a language variant, publish, and coverage.

An episode of a video series is identified by its slug and has one :class:`Variant` per
language. ``kotocast add VIDEO --slug S --language L`` adds that language's variant or replaces
it: the episode keeps its guid, the new media gets a new content-addressed key (a published
object is never overwritten), and the old file stays in the workspace and in storage.

The stages mirror :mod:`pipeline.add`: check every typed field and the captions, probe the
video — all before anything is written — then process into a staging folder, and only when every
stage succeeded move the files to their content-addressed names and write the episode file.

Publishing a video series writes, as documents: one feed per language (``feeds/<lang>.xml``,
each validated and guarded), ``index.json``, ``feeds.opml`` and the pages (``index.html`` and
``<lang>/index.html``); see :func:`publish_series`.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from episodes.catalog import load_episodes, new_guid, save_episode
from episodes.errors import ConfigInvalid, FieldInvalid
from episodes.model import Asset, Episode, LoudnessRecord, Show, Transcript, Variant
from episodes.show import CONFIG_NAME, load_show
from episodes.text import (
    canonical_language,
    check_slug,
    clean_description,
    clean_title,
    parse_publish_at,
)
from feeds.errors import FeedInvalid
from feeds.guid import podcast_guid
from feeds.index_json import render_index_json
from feeds.opml import render_opml
from feeds.pages import SiteLinks, render_pages
from feeds.rss import render_feed
from feeds.strings import UI_STRINGS
from feeds.validate import validate_feed
from media.captions import Captions, read_captions, to_webvtt
from media.loudness import LoudnessTarget
from media.video import VideoResult, VideoTags, prepare_video, probe_video

from .assets import Staging, staging
from .publish import (
    PublishResult,
    document_object,
    media_objects,
    read_state,
    release,
    show_artwork,
)
from .storage import open_storage

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

FEEDS_DIR = "feeds"
OPML_KEY = "feeds.opml"
INDEX_JSON_KEY = "index.json"
# Seed of the language feeds' podcast:guid (feeds.rss derives one per language from it).
SERIES_FEED_KEY = "feed.xml"


@dataclass(frozen=True, slots=True)
class VariantRequest:
    """What the producer asked for with ``kotocast add`` on a video series, as typed."""

    media: Path
    slug: str | None
    language: str | None
    title: str
    description: str = ""
    captions: tuple[Path, ...] = ()
    publish_at: str | None = None
    draft: bool = False


@dataclass(frozen=True, slots=True)
class VariantAdded:
    """The outcome of :func:`add_variant`."""

    episode: Episode
    variant: Variant
    replaced: bool
    video_copied: bool

    def summary(self) -> str:
        """Return the line ``kotocast add`` prints."""
        loud = self.variant.loudness
        verb = "replaced" if self.replaced else "added"
        video = "video copied" if self.video_copied else "video re-encoded"
        extra = f", {loud.input_lufs:.1f} -> {loud.output_lufs:.1f} LUFS" if loud else ""
        return (
            f"{verb} {self.episode.slug} [{self.variant.language}]: "
            f"{self.variant.title!r} ({video}{extra})"
        )


def series_languages(show: Show) -> tuple[str, ...]:
    """Return the series' languages, main language first when not listed."""
    return show.languages or (show.language,)


def require_video_series(show: Show) -> None:
    """Raise unless the show is a video series."""
    if show.medium != "video":
        raise FieldInvalid(
            "kotocast.toml: show.medium",
            f"is {show.medium!r}: language variants need a video series "
            "(kotocast init DIR --medium video --languages fi,en,...)",
        )


def add_variant(
    workspace: Path, request: VariantRequest, *, now: datetime, progress: Progress | None = None
) -> VariantAdded:
    """Process ``request.media`` into the ``request.language`` variant of episode ``slug``.

    Returns:
        The episode as written to ``episodes/<slug>.toml`` and the new variant.

    Raises:
        CatalogError: bad field (slug, language not configured, title...) or workspace.
        MediaError: the video or a captions file cannot be used (named file).
    """
    show = load_show(workspace)
    require_video_series(show)
    languages = series_languages(show)
    language = canonical_language(request.language or show.language, "--language")
    if language not in languages:
        raise FieldInvalid(
            "--language",
            f"{language!r} is not configured for this series (configured: "
            f"{', '.join(languages)}); add it to show.languages in kotocast.toml",
        )
    if request.slug is None:
        raise FieldInvalid(
            "--slug",
            "a video series needs --slug: it names the episode that all language versions share",
        )
    slug = check_slug(request.slug, "--slug")
    title = clean_title(request.title, "--title")
    description = clean_description(request.description, "--description")
    publish_at = parse_publish_at(request.publish_at) if request.publish_at else None
    existing = next((e for e in load_episodes(workspace) if e.slug == slug), None)
    captions = _read_captions(request.captions, language)
    info = probe_video(request.media)
    cover, cover_mime = _cover(workspace, show)
    target = LoudnessTarget(
        integrated_lufs=show.loudness.target_lufs, true_peak_dbtp=show.loudness.true_peak_dbtp
    )
    tags = VideoTags(
        title=title,
        series=show.titles.get(language, show.title),
        artist=show.author,
        language=language,
        description=description,
        date=(publish_at or (existing.publish_at if existing else None) or now).date().isoformat(),
        cover=cover,
        cover_mime=cover_mime,
    )

    with staging(workspace) as stage:
        out = stage.path("video.mp4")
        result = prepare_video(info, out, target, tags, progress=progress)
        size = out.stat().st_size
        media = stage.adopt(
            out,
            folder="media",
            stem=f"{slug}-{language.lower()}",
            extension="mp4",
            mime_type="video/mp4",
            duration_s=result.duration_s,
            bitrate_kbps=round(size * 8 / result.duration_s / 1000) if result.duration_s else None,
            width=result.width,
            height=result.height,
        )
        variant = Variant(
            language=language,
            title=title,
            description=description,
            media=media,
            captions=tuple(_stage_captions(stage, slug, language, c, lang) for c, lang in captions),
            loudness=_loudness_record(result),
        )
        episode, replaced = _merge(existing, show, slug, variant, publish_at, request.draft, now)
        save_episode(workspace, episode, new=existing is None)
    log.info("%s %s [%s] (%s)", "replaced" if replaced else "added", slug, language, episode.guid)
    return VariantAdded(episode, variant, replaced, result.video_copied)


def _read_captions(paths: Sequence[Path], default: str) -> list[tuple[Captions, str]]:
    """Read and check every captions file; the language comes from ``NAME.LANG.vtt``."""
    out: list[tuple[Captions, str]] = []
    seen: set[str] = set()
    for path in paths:
        captions = read_captions(path)
        language = _captions_language(path, default)
        if language in seen:
            raise FieldInvalid(f"--captions {path}", f"a second captions file for {language!r}")
        seen.add(language)
        out.append((captions, language))
    return out


def _captions_language(path: Path, default: str) -> str:
    """Language from a ``NAME.LANG.vtt`` / ``NAME.LANG.srt`` suffix, else the variant's."""
    suffixes = path.suffixes
    if len(suffixes) >= 2:
        try:
            return canonical_language(suffixes[-2].lstrip("."), f"--captions {path}")
        except FieldInvalid:
            pass
    return default


def _stage_captions(
    stage: Staging, slug: str, language: str, captions: Captions, captions_language: str
) -> Transcript:
    # Browsers' <track> takes only WebVTT and podcast apps take it too: publish WebVTT.
    path = stage.path(f"captions-{captions_language}.vtt")
    path.write_text(to_webvtt(captions), encoding="utf-8")
    asset = stage.adopt(
        path,
        folder="captions",
        stem=f"{slug}-{language.lower()}-{captions_language.lower()}",
        extension="vtt",
        mime_type="text/vtt",
    )
    return Transcript(asset=asset, language=captions_language, rel="captions")


def _cover(workspace: Path, show: Show) -> tuple[bytes | None, str | None]:
    """The series artwork's bytes for the MP4 ``covr`` atom, if it is a JPEG or PNG."""
    if not show.image:
        return None, None
    try:
        data = (workspace / show.image).read_bytes()
    except OSError:
        raise FieldInvalid(
            "kotocast.toml: show.image", f"{workspace / show.image} is not a file"
        ) from None
    if data.startswith(b"\x89PNG"):
        return data, "image/png"
    if data.startswith(b"\xff\xd8"):
        return data, "image/jpeg"
    return None, None


def _loudness_record(result: VideoResult) -> LoudnessRecord:
    return LoudnessRecord(
        input_lufs=round(result.before.integrated_lufs, 2),
        input_true_peak_dbtp=round(result.before.true_peak_dbtp, 2),
        output_lufs=round(result.after.integrated_lufs, 2),
        output_true_peak_dbtp=round(result.after.true_peak_dbtp, 2),
    )


def _merge(
    existing: Episode | None,
    show: Show,
    slug: str,
    variant: Variant,
    publish_at: datetime | None,
    draft: bool,
    now: datetime,
) -> tuple[Episode, bool]:
    """Return the episode with ``variant`` added or replacing its language (guid kept)."""
    order = {lang: i for i, lang in enumerate(series_languages(show))}
    if existing is None:
        episode = Episode(
            slug=slug,
            guid=new_guid(),
            title=variant.title,
            description=variant.description,
            publish_at=publish_at or now,
            draft=draft,
            created_at=now,
            variants=(variant,),
        )
        return episode, False
    others = [v for v in existing.variants if v.language != variant.language]
    replaced = len(others) != len(existing.variants)
    variants = tuple(sorted([*others, variant], key=lambda v: order.get(v.language, len(order))))
    changes: dict[str, Any] = {"variants": variants}
    if variant.language == show.language:
        changes.update(title=variant.title, description=variant.description)
    if publish_at is not None:
        changes["publish_at"] = publish_at
    if draft:
        changes["draft"] = True
    return replace(existing, **changes), replaced


# --- publishing ----------------------------------------------------------------------------


def feed_key(language: str) -> str:
    """Return the object key of a language's feed: ``feeds/<lang>.xml``."""
    return f"{FEEDS_DIR}/{language}.xml"


def page_key(language: str) -> str:
    """Return the object key of a language's page: ``<lang>/index.html``."""
    return f"{language}/index.html"


@dataclass(frozen=True, slots=True)
class RenderedSeries:
    """Every document of a video series as of one moment."""

    show: Show
    stored_guid: str | None
    episodes: list[Episode]
    released: list[Episode]
    artwork: Asset | None
    feeds: dict[str, bytes]  # key -> feed XML, in language order
    documents: dict[str, bytes]  # index.json, feeds.opml, pages
    links: SiteLinks


def render_series(workspace: Path, *, now: datetime) -> RenderedSeries:
    """Load the catalog and render every feed and page of the video series at ``now``."""
    show = load_show(workspace)
    require_video_series(show)
    episodes = load_episodes(workspace)
    artwork = show_artwork(workspace, show)
    stored_guid = show.podcast_guid
    show = replace(
        show,
        podcast_guid=stored_guid or podcast_guid(f"{show.base_url}{SERIES_FEED_KEY}"),
        image_key=artwork.key if artwork else None,
    )
    languages = series_languages(show)
    links = SiteLinks(
        base_url=show.base_url,
        feeds={lang: f"{show.base_url}{feed_key(lang)}" for lang in languages},
        pages={lang: f"{show.base_url}{page_key(lang)}" for lang in languages},
        opml=f"{show.base_url}{OPML_KEY}",
        index_json=f"{show.base_url}{INDEX_JSON_KEY}",
        image=f"{show.base_url}{artwork.key}" if artwork else None,
    )
    released = [e for e in episodes if e.is_released(now) and e.variants]
    feeds = {
        feed_key(lang): render_feed(
            show,
            released,
            feed_url=links.feeds[lang],
            base_url=show.base_url,
            language=lang,
            alternate_feeds={k: v for k, v in links.feeds.items() if k != lang},
        )
        for lang in languages
    }
    strings = load_string_overrides(workspace)
    documents = {
        INDEX_JSON_KEY: render_index_json(show, released, links),
        OPML_KEY: render_opml(show, links),
        **render_pages(show, released, links, strings=strings),
    }
    return RenderedSeries(show, stored_guid, episodes, released, artwork, feeds, documents, links)


def load_string_overrides(workspace: Path) -> dict[str, dict[str, str]]:
    """Read the producer's page strings, ``[pages.strings.<lang>]`` in ``kotocast.toml``.

    Raises:
        ConfigInvalid: the table is malformed or names an unknown string.
    """
    path = workspace / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigInvalid(f"{path}: cannot read: {exc}") from None
    table = (data.get("pages") or {}).get("strings") or {}
    known = set(UI_STRINGS["en"])
    out: dict[str, dict[str, str]] = {}
    if not isinstance(table, Mapping):
        raise ConfigInvalid(f"{path}: pages.strings: must be a table of languages")
    for lang, strings in table.items():
        where = f"pages.strings.{lang}"
        if not isinstance(strings, Mapping):
            raise ConfigInvalid(f"{path}: {where}: must be a table of strings")
        for name, value in strings.items():
            if name not in known:
                raise ConfigInvalid(
                    f"{path}: {where}.{name}: unknown string; known are {', '.join(sorted(known))}"
                )
            if not isinstance(value, str):
                raise ConfigInvalid(f"{path}: {where}.{name}: must be text")
        out[canonical_language(lang, f"{path}: {where}")] = dict(strings)
    return out


def publish_series(
    workspace: Path,
    *,
    now: datetime,
    dry_run: bool = False,
    progress: Callable[..., None] | None = None,
) -> PublishResult:
    """Publish a video series: media, then language feeds, index.json, OPML and pages.

    Returns:
        A :class:`pipeline.publish.PublishResult` (``feed_url`` is the main language's feed).

    Raises:
        FeedInvalid: a language feed breaks a directory rule (nothing is uploaded).
        GuardRefused: a feed would break what subscribers depend on (nothing is uploaded).
        StorageError: storage failed; the live feeds are left as they were.
    """

    rendered = render_series(workspace, now=now)
    show = rendered.show
    problems: list[str] = []
    for key, xml in rendered.feeds.items():
        problems += [str(p) for p in validate_feed(xml, source=key, now=now)]
    if problems:
        raise FeedInvalid(", ".join(rendered.feeds), problems)

    storage = open_storage(show.storage, workspace=workspace, endpoint_url=show.endpoint_url)
    withdrawn = {e.guid for e in rendered.episodes if e.withdrawn}
    media = media_objects(workspace, rendered.released, rendered.artwork)
    # Feeds first, then what links to them (index.json, OPML, pages).
    documents = [
        document_object(key, xml, "application/rss+xml; charset=utf-8")
        for key, xml in rendered.feeds.items()
    ] + [
        document_object(key, body, _document_type(key))
        for key, body in sorted(rendered.documents.items(), key=lambda kv: _document_rank(kv[0]))
    ]
    live = read_state(workspace)
    newly = tuple(e.slug for e in rendered.released if e.guid not in live.get("guids", []))
    upcoming = [
        e.publish_at
        for e in rendered.episodes
        if e.publish_at is not None
        and not e.draft
        and not e.withdrawn
        and e.publish_at > now
        and e.variants
    ]
    next_release = min(upcoming) if upcoming else None
    main_feed = (
        rendered.links.feeds[show.language]
        if show.language in rendered.links.feeds
        else next(iter(rendered.links.feeds.values()))
    )
    uploaded, size, changed = release(
        workspace,
        storage,
        media,
        documents,
        feeds=rendered.feeds,
        withdrawn=withdrawn,
        released=rendered.released,
        guid_to_record=show.podcast_guid if rendered.stored_guid is None else None,
        dry_run=dry_run,
        progress=progress,
    )
    return PublishResult(
        main_feed,
        storage.description,
        len(rendered.released),
        newly,
        uploaded,
        size,
        changed,
        dry_run,
        next_release,
    )


def _document_type(key: str) -> str:
    if key.endswith(".json"):
        return "application/json"
    if key.endswith(".opml"):
        return "text/x-opml; charset=utf-8"
    return "text/html; charset=utf-8"


def _document_rank(key: str) -> tuple[int, str]:
    # index.html last of all: it is the entry point and links everything else.
    return (2 if key == "index.html" else 1 if key.endswith(".html") else 0, key)


# --- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One episode and the state of each language: published, due, scheduled, draft,
    withdrawn or missing; ``captions`` is whether that language's variant has captions."""

    slug: str
    publish_at: datetime | None
    cells: tuple[tuple[str, str, bool], ...]  # (language, state, has captions)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """The episode x language matrix of a video series."""

    show_title: str
    languages: tuple[str, ...]
    rows: tuple[CoverageRow, ...]

    def as_json(self) -> dict[str, object]:
        """Return plain data for ``status --json``."""
        return {
            "show": self.show_title,
            "languages": list(self.languages),
            "episodes": [
                {
                    "slug": r.slug,
                    "publish_at": r.publish_at.isoformat() if r.publish_at else None,
                    "languages": {
                        lang: {"state": state, "captions": caps} for lang, state, caps in r.cells
                    },
                }
                for r in self.rows
            ],
        }


def series_coverage(workspace: Path, *, now: datetime) -> CoverageReport:
    """Return the episode x language matrix of the video series in ``workspace``."""
    show = load_show(workspace)
    require_video_series(show)
    languages = series_languages(show)
    state = read_state(workspace)
    live_guids = set(state.get("guids", []))
    live_variants = state.get("variants", {})
    rows = []
    for ep in sorted(
        load_episodes(workspace),
        key=lambda e: (e.publish_at or datetime.max.replace(tzinfo=UTC), e.slug),
    ):
        cells = []
        for lang in languages:
            variant = next((v for v in ep.variants if v.language == lang), None)
            if variant is None:
                cells.append((lang, "missing", False))
                continue
            if ep.withdrawn:
                cell = "withdrawn"
            elif ep.draft or ep.publish_at is None:
                cell = "draft"
            elif ep.publish_at > now:
                cell = "scheduled"
            elif ep.guid in live_guids and lang in live_variants.get(ep.guid, [lang]):
                cell = "published"
            else:
                cell = "due"
            cells.append((lang, cell, bool(variant.captions)))
        rows.append(CoverageRow(ep.slug, ep.publish_at, tuple(cells)))
    return CoverageReport(show.title, languages, tuple(rows))


def render_coverage_table(report: CoverageReport) -> str:
    """Return the matrix as aligned text; ``*`` marks a variant without captions."""
    header = ("EPISODE", *report.languages)
    rows = [
        (
            r.slug,
            *(state + ("" if caps or state == "missing" else "*") for _, state, caps in r.cells),
        )
        for r in report.rows
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    if not rows:
        lines.append("(no episodes yet: kotocast add VIDEO --slug S --language L --title T)")
    lines.append("* captions missing")
    return "\n".join(lines)
