"""``kotocast import``: move an existing podcast into a kotocast workspace, keeping its identity.

Moving hosts is when podcasts lose listeners: if one item guid changes, apps download the back
catalogue again or show duplicates; if the podcast's identity changes, directories list a new
show. So the import keeps, verbatim, every item ``guid`` of the old feed and the feed's
``podcast:guid`` (or, when the old feed has none, derives it from the **old** feed URL as the
Podcast Index spec says and writes it into ``kotocast.toml``, so it is never recomputed from
the new URL).

The stages: fetch the feed (:func:`fetch_source`), read it safely (:func:`feeds.parse.parse_feed`),
create or open the workspace, then for every item whose guid the workspace does not hold yet:
download its media (:func:`download`: http(s) only, size limit, timeouts, resume with ``Range``,
type and size check, progress callback) and either re-encode it through ``kotocast add``'s
pipeline or, with ``keep_audio``, store the original MP3/M4A byte for byte (listeners already
have those files). One item failing (an enclosure that 404s, a broken file) is recorded in the
report and the rest continues; episodes already in the workspace are never touched, so running
the import again only adds what is new.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO
from urllib.parse import urljoin

from episodes.catalog import load_episodes, save_episode
from episodes.chapters import read_chapters
from episodes.errors import CatalogError, FieldInvalid
from episodes.model import Chapter, Episode, Variant
from episodes.show import (
    CONFIG_NAME,
    load_show,
    record_podcast_guid,
    render_new_config,
)
from episodes.text import (
    DESCRIPTION_MAX_BYTES,
    TITLE_MAX_CHARS,
    canonical_language,
    clean_description,
    clean_text,
    clean_title,
    slugify,
)
from feeds.categories import APPLE_CATEGORIES
from feeds.errors import FeedError
from feeds.guid import is_well_formed_guid, podcast_guid
from feeds.parse import ForeignItem, ForeignShow, parse_feed
from media.captions import read_captions
from media.errors import MediaError
from media.probe import probe, require_audio_input

from .assets import staging
from .confine import check_storage_folder
from .errors import PipelineError
from .fetch import (
    FetchError,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    FetchTooLarge,
    Response,
    fetch_bytes,
    is_http_url,
    normalize_url,
    open_url,
    private_network_allowed,
)
from .sidefiles import stage_chapters, stage_transcript
from .workspace import write_new_config

log = logging.getLogger(__name__)

DOWNLOADS_DIR = ".kotocast/downloads"
USER_AGENT = "kotocast-import (+https://podcastindex.org/namespace/1.0)"
CHUNK_BYTES = 64 * 1024

#: Enclosures kept byte for byte must be what Apple accepts for audio (REFERENCE: enclosure
#: types); the first bytes decide, not the file name or the server's Content-Type.
KEPT_AUDIO = {"mp3": ("audio/mpeg", "mp3"), "mp4": ("audio/x-m4a", "m4a")}
KEPT_VIDEO = {"mp4": ("video/mp4", "mp4")}
#: Transcript types kotocast can check and republish (Podcast Index transcript.md).
CAPTION_TYPES = {"text/vtt": "vtt", "application/x-subrip": "srt", "application/srt": "srt"}

Progress = Callable[[float], None]


class ImportFailed(PipelineError):
    """Base of the import's own errors."""


class SourceUnreadable(ImportFailed):
    """The feed file or URL cannot be read (missing, unreachable, HTTP error, too large)."""


class ShowMismatch(ImportFailed):
    """The workspace already holds another show (a different ``podcast:guid``)."""


class DownloadFailed(ImportFailed):
    """A download failed: HTTP error, timeout, too large, wrong type, truncated."""


@dataclass(frozen=True, slots=True)
class DownloadLimits:
    """How much the import fetches, how long it waits and where it may go (per download).

    ``timeout_s`` bounds each connect and each wait for bytes; the deadlines bound a whole
    object (all resume attempts included), so a server dripping a byte at a time cannot hold
    an item longer. ``allow_private_network`` defaults to ``KOTOCAST_ALLOW_PRIVATE_NETWORK``.
    """

    timeout_s: float = 30.0
    media_deadline_s: float = 3600.0
    side_deadline_s: float = 120.0  # the feed, artwork, chapters, transcripts
    max_feed_bytes: int = 50_000_000
    max_media_bytes: int = 2_000_000_000
    max_side_bytes: int = 20_000_000  # artwork, chapters, transcripts
    max_redirects: int = 5
    attempts: int = 3  # an interrupted download resumes with Range this many times
    keep_partial: bool = False  # keep a .part after failure (only if the server does ranges)
    allow_private_network: bool = field(default_factory=private_network_allowed)

    def policy(self, deadline_s: float) -> FetchPolicy:
        """Return the fetch policy for one object with ``deadline_s`` left."""
        return FetchPolicy(
            allow_private_network=self.allow_private_network,
            timeout_s=self.timeout_s,
            deadline_s=deadline_s,
            max_redirects=self.max_redirects,
            user_agent=USER_AGENT,
        )


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A finished download."""

    path: Path
    size_bytes: int
    content_type: str
    resumed_from: int = 0


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the import left out, and why."""

    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """The options of ``kotocast import`` as typed."""

    source: str
    directory: Path
    base_url: str = "http://localhost:8000/"
    storage: str = "public"
    keep_audio: bool = False
    limits: DownloadLimits = field(default_factory=DownloadLimits)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    workspace: Path
    created: bool
    podcast_guid: str
    imported: tuple[str, ...]
    already_present: int
    skipped: tuple[Skipped, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return the one-line summary the CLI prints."""
        made = "created" if self.created else "updated"
        parts = [
            f"{made} {self.workspace} (podcast:guid {self.podcast_guid})",
            f"imported {len(self.imported)} episodes",
            f"{self.already_present} already there",
            f"skipped {len(self.skipped)}",
        ]
        return "; ".join(parts)


def import_feed(
    request: ImportRequest, *, now: datetime, progress: Progress | None = None
) -> ImportReport:
    """Create or update the workspace ``request.directory`` from a podcast feed.

    Args:
        request: the feed (file or http(s) URL), the target directory and options.
        now: the import time (recorded as each episode's ``created_at``).
        progress: called with the overall fraction done, 0.0-1.0.

    Returns:
        The report: episodes imported (slugs), how many were already there, what was skipped.

    Raises:
        SourceUnreadable: the feed cannot be fetched (nothing is created).
        FeedNotPodcast / FeedForbidden: the feed is not a podcast feed, or is hostile XML.
        ShowMismatch: the directory holds a different show.
        CatalogError: the workspace's files are broken.
    """
    limits = request.limits
    if not (request.directory / CONFIG_NAME).exists() and not request.storage.startswith("s3://"):
        # A new show's storage folder is checked before anything is fetched or written.
        check_storage_folder(request.storage, workspace=request.directory, field="--storage")
    xml = fetch_source(request.source, limits=limits)
    feed = parse_feed(xml, source=request.source)
    feed_url = _feed_url(request.source, feed.show)
    guid = _kept_podcast_guid(feed.show, feed_url, request.source)
    base = request.source if _is_http(request.source) else (feed.show.self_url or "")
    downloads = request.directory / DOWNLOADS_DIR
    skipped = [Skipped(f"item {s.position} {s.title!r}", s.why) for s in feed.skipped]
    notes: list[str] = []

    created = not (request.directory / CONFIG_NAME).exists()
    existed = request.directory.exists()
    # A feed whose every enclosure is a video becomes a video show (one language).
    videos = [i for i in feed.items if i.enclosure.mime_type.startswith("video/")]
    medium = "video" if feed.items and len(videos) == len(feed.items) else "podcast"
    if created:
        art_skip = create_workspace(request, feed.show, guid, base, notes, medium=medium)
        if art_skip:
            skipped.append(art_skip)
    else:
        _adopt_identity(request.directory, guid)

    show = load_show(request.directory)
    language, medium = show.language, show.medium
    existing = load_episodes(request.directory, languages=show.all_languages)
    known = {e.guid for e in existing}
    taken = {e.slug for e in existing}
    todo = [i for i in _oldest_first(feed.items) if i.guid not in known]
    present = len(feed.items) - len(todo)
    imported: list[str] = []
    for index, item in enumerate(todo):

        def item_progress(fraction: float, index: int = index) -> None:
            if progress is not None:
                progress((index + min(max(fraction, 0.0), 1.0)) / len(todo))

        what = f"episode {item.title!r} ({item.guid})"
        try:
            episode = import_item(
                request.directory,
                item,
                base=base,
                slug=_unique_slug(item.title, taken),
                keep_audio=request.keep_audio,
                language=language,
                medium=medium,
                limits=limits,
                now=now,
                downloads=downloads,
                progress=item_progress,
                skipped=skipped,
                notes=notes,
            )
        except (PipelineError, CatalogError, MediaError, FeedError) as exc:
            log.info("skipped %s: %s", what, exc)  # the CLI prints each skip once
            skipped.append(Skipped(what, " ".join(str(exc).split())))
            continue
        taken.add(episode.slug)
        imported.append(episode.slug)
        log.info("imported %s as %s", item.guid, episode.slug)
    if progress is not None:
        progress(1.0)
    if created and not imported and todo:
        # Nothing could be imported: leave no workspace behind (a rerun cannot do better
        # without a change, and a half-made show would look importable).
        _remove_new_workspace(request.directory, existed)
        first = skipped[0] if skipped else None
        why = f"{first.what}: {first.why}" if first else "no episode could be imported"
        raise ImportFailed(
            f"{request.source}: nothing imported ({len(todo)} episodes skipped; {why}); "
            f"{request.directory} was not created"
        )
    if not skipped:
        # Keep partial downloads after a failure: the next run resumes them.
        shutil.rmtree(downloads, ignore_errors=True)
    return ImportReport(
        workspace=request.directory,
        created=created,
        podcast_guid=guid,
        imported=tuple(imported),
        already_present=present,
        skipped=tuple(skipped),
        notes=tuple(notes),
    )


# --- the feed and the show ---------------------------------------------------------------


def fetch_source(source: str, *, limits: DownloadLimits) -> bytes:
    """Read the feed from a local file or an http(s) URL, within ``limits.max_feed_bytes``.

    The URL is the producer's own choice, so its host may be private; redirects to other
    hosts go through the address policy (:mod:`pipeline.fetch`).

    Raises:
        SourceUnreadable: another scheme (``file://``, ``ftp://``...), a missing file, a
            network or HTTP error, a refused redirect, or a feed larger than the limit.
    """
    if _is_http(source):
        try:
            data = fetch_bytes(
                source,
                policy=limits.policy(limits.side_deadline_s),
                max_bytes=limits.max_feed_bytes,
                trusted=True,
            )
        except FetchTooLarge:
            data = b"x" * (limits.max_feed_bytes + 1)  # reported below, as for a file
        except FetchError as exc:
            raise SourceUnreadable(f"{source}: cannot fetch the feed: {exc.why}") from None
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", source):
        raise SourceUnreadable(f"{source}: only a file or an http(s) URL can be imported")
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read(limits.max_feed_bytes + 1)
        except OSError as exc:
            raise SourceUnreadable(f"{source}: cannot read the feed: {exc.strerror}") from None
    if len(data) > limits.max_feed_bytes:
        raise SourceUnreadable(
            f"{source}: the feed is larger than {limits.max_feed_bytes} bytes; not a podcast feed?"
        )
    return bytes(data)


def _feed_url(source: str, show: ForeignShow) -> str | None:
    """The URL subscribers use: the one given, else the feed's own ``atom:link rel=self``."""
    if _is_http(source):
        return source
    return show.self_url if show.self_url and _is_http(show.self_url) else None


def _kept_podcast_guid(show: ForeignShow, feed_url: str | None, source: str) -> str:
    """The feed's ``podcast:guid``, or the spec derivation from the OLD feed URL."""
    if show.podcast_guid and is_well_formed_guid(show.podcast_guid):
        return show.podcast_guid
    if feed_url is None:
        raise SourceUnreadable(
            f'{source}: the feed has no podcast:guid and no atom:link rel="self", so its '
            "identity cannot be derived; import it from its URL instead of a file"
        )
    # Podcast Index namespace, guid.md: UUIDv5 over the feed URL without scheme and trailing
    # slashes. The OLD URL, because that is the identity directories already know.
    return podcast_guid(feed_url)


def create_workspace(
    request: ImportRequest,
    show: ForeignShow,
    guid: str,
    base: str,
    notes: list[str],
    *,
    medium: str = "podcast",
) -> Skipped | None:
    """Write ``kotocast.toml`` (with the kept ``podcast_guid``), artwork and ``episodes/``.

    Returns:
        What was skipped (the artwork, when it cannot be downloaded or used), or ``None``.
    """
    directory = request.directory
    title = clean_title(_cut_chars(show.title, TITLE_MAX_CHARS), "channel title")
    language = _language(show.language, notes)
    category, subcategory = _apple_category(show.category, show.subcategory, notes)
    email = show.owner_email or ""
    if "@" not in email:
        notes.append("the feed has no itunes:owner email: set show.email in kotocast.toml")
        email = "owner@example.invalid"
    author = show.author or show.owner_name or title
    base_url = request.base_url if request.base_url.endswith("/") else request.base_url + "/"
    if not base_url.startswith(("http://", "https://")):
        raise FieldInvalid("--base-url", f"{request.base_url!r} is not an http(s) URL")

    directory.mkdir(parents=True, exist_ok=True)
    image_name, art_skip = _import_artwork(directory, show, base, request.limits)
    text = render_new_config(
        title=title,
        author=clean_text(_cut_chars(author, 255), "itunes:author"),
        email=clean_text(email, "itunes:owner email", max_chars=255),
        language=language,
        category=category,
        subcategory=subcategory,
        description=_description(show.description, "channel description", notes),
        image=image_name,
        link=show.link if show.link and _is_http(show.link) else None,
        copyright=show.copyright,
        base_url=base_url,
        storage=request.storage,
        explicit=bool(show.explicit),
        show_type=show.show_type,
        medium=medium,
        podcast_guid=guid,
    )
    write_new_config(directory, text)
    return art_skip


def _remove_new_workspace(directory: Path, existed: bool) -> None:
    """Undo :func:`create_workspace` (the folder too, if the import made it)."""
    if not existed:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for name in (CONFIG_NAME, "episodes", "images", DOWNLOADS_DIR, ".kotocast"):
        path = directory / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _adopt_identity(workspace: Path, guid: str) -> None:
    """Check that an existing workspace is this show; give an unpublished one its guid."""
    show = load_show(workspace)
    if show.podcast_guid and show.podcast_guid != guid:
        raise ShowMismatch(
            f"{workspace / CONFIG_NAME}: show.podcast_guid is {show.podcast_guid}, but the "
            f"feed's is {guid}: this is another show; import into a new directory"
        )
    if not show.podcast_guid:
        # Spec: an imported feed's guid wins over one derived from our (new) URL later.
        record_podcast_guid(workspace, guid)


def _import_artwork(
    directory: Path, show: ForeignShow, base: str, limits: DownloadLimits
) -> tuple[str | None, Skipped | None]:
    if not show.image_url:
        return None, Skipped("artwork", "the feed has no itunes:image; set show.image")
    from media.artwork import prepare_artwork  # the artwork stage needs Pillow: load late

    url = show.image_url
    try:
        # A bad artwork URL (file:, a private address) skips the artwork, never the import.
        url = _absolute_url(show.image_url, base)
        target = directory / DOWNLOADS_DIR / ("artwork-" + _url_hash(url))
        got = download(
            url,
            target,
            max_bytes=limits.max_side_bytes,
            limits=limits,
            deadline_s=limits.side_deadline_s,
        )
        artwork = prepare_artwork(got.path)
    except (DownloadFailed, MediaError) as exc:
        return None, Skipped(f"artwork {url}", " ".join(str(exc).split()))
    name = f"cover.{artwork.extension}"
    (directory / name).write_bytes(artwork.data)
    target.unlink(missing_ok=True)
    return name, None


def _language(value: str | None, notes: list[str]) -> str:
    try:
        return canonical_language(value or "", "language")
    except FieldInvalid:
        notes.append(f"the feed's language {value!r} is not a BCP 47 tag: set show.language")
        return "en"


def _apple_category(
    category: str | None, subcategory: str | None, notes: list[str]
) -> tuple[str, str | None]:
    if category is not None and category in APPLE_CATEGORIES:
        subs = APPLE_CATEGORIES[category]
        return category, subcategory if subcategory in subs else None
    if category:
        notes.append(f"category {category!r} is not Apple's: set show.category")
    return "Society & Culture", None


# --- one episode -------------------------------------------------------------------------


def import_item(
    workspace: Path,
    item: ForeignItem,
    *,
    base: str,
    slug: str,
    keep_audio: bool,
    language: str,
    limits: DownloadLimits,
    medium: str = "podcast",
    now: datetime,
    downloads: Path,
    progress: Progress,
    skipped: list[Skipped],
    notes: list[str],
) -> Episode:
    """Download one item's media and side files and catalog it under its original guid.

    Chapters or transcripts that cannot be fetched are added to ``skipped`` and the episode is
    imported without them.

    Raises:
        DownloadFailed: the media cannot be downloaded or is not audio.
        MediaError / CatalogError: the media or metadata cannot be used.
    """
    video = medium == "video"
    if item.enclosure.mime_type.startswith("video/") != video:
        kind = "a video" if not video else "an audio"
        raise DownloadFailed(
            f"{item.enclosure.url}: {item.enclosure.mime_type} enclosure in {kind} show "
            "(kotocast imports a feed as an audio or a video show, not both)"
        )
    url = _absolute_url(item.enclosure.url, base)
    stem = _url_hash(url)
    encode_share = 0.0 if keep_audio else 0.5
    media = download(
        url,
        downloads / f"{stem}.media",
        max_bytes=limits.max_media_bytes,
        limits=limits,
        progress=lambda f: progress(f * (1 - encode_share)),
    )
    kind = sniff_audio(media.path)
    kept = (KEPT_VIDEO if video else KEPT_AUDIO).get(kind or "")
    if media.content_type.startswith("text/") or (keep_audio and kept is None):
        head = _first_bytes(media.path, media)
        media.path.unlink(missing_ok=True)
        wanted = "MP4 video" if video else "MP3 or M4A audio"
        raise DownloadFailed(
            f"{url}: not {wanted} (server said {media.content_type or 'nothing'}, "
            f"the file starts with {head})"
        )
    if item.enclosure.length_bytes and item.enclosure.length_bytes != media.size_bytes:
        log.info(
            "%s: the feed said %d bytes, the file has %d (feeds often lag; using the file)",
            url,
            item.enclosure.length_bytes,
            media.size_bytes,
        )
    what = f"episode {item.title!r}"
    chapters_path = _fetch_side(
        item.chapters_url, base, downloads, "chapters", limits, f"chapters of {what}", skipped
    )
    transcripts = _fetch_transcripts(
        item, base, downloads, limits, what, skipped, notes, default_language=language
    )
    title = clean_title(_cut_chars(item.title, TITLE_MAX_CHARS), f"{what}: title")
    description = _description(item.description, f"{what}: description", notes)
    if kept is not None and keep_audio:
        episode = _keep_original(
            workspace,
            item,
            slug=slug,
            title=title,
            description=description,
            media=media.path,
            extension=kept[1],
            mime_type=kept[0],
            chapters_path=chapters_path,
            transcripts=transcripts,
            now=now,
            language=language,
            video=video,
        )
    else:
        episode = _reencode(
            workspace,
            item,
            slug=slug,
            title=title,
            description=description,
            media=media.path,
            chapters_path=chapters_path,
            transcripts=transcripts,
            now=now,
            progress=lambda f: progress((1 - encode_share) + f * encode_share),
        )
    for path in (media.path, chapters_path, *(p for p, _ in transcripts)):
        if path is not None:
            path.unlink(missing_ok=True)
    return episode


def _reencode(
    workspace: Path,
    item: ForeignItem,
    *,
    slug: str,
    title: str,
    description: str,
    media: Path,
    chapters_path: Path | None,
    transcripts: list[tuple[Path, str]],
    now: datetime,
    progress: Progress,
) -> Episode:
    """Run ``kotocast add``'s pipeline on the downloaded file, keeping guid and numbers."""
    from .add import AddRequest, add_episode  # the encoder stack: load only when re-encoding

    # add reads a transcript's language from NAME.LANG.vtt.
    named: list[Path] = []
    for path, language in transcripts:
        target = path.with_name(f"{path.stem}.{language}{path.suffix}")
        os.replace(path, target)
        named.append(target)
    request = AddRequest(
        media=media,
        title=title,
        description=description,
        slug=slug,
        season=item.season,
        number=item.number,
        episode_type=item.episode_type,
        publish_at=item.published_at.isoformat(),
        explicit=item.explicit,
        chapters=chapters_path,
        transcripts=tuple(named),
        guid=item.guid,
        auto_number=False,
    )
    try:
        return add_episode(workspace, request, now=now, progress=progress).episode
    finally:
        for path in named:
            path.unlink(missing_ok=True)


def _keep_original(
    workspace: Path,
    item: ForeignItem,
    *,
    slug: str,
    title: str,
    description: str,
    media: Path,
    extension: str,
    mime_type: str,
    chapters_path: Path | None,
    transcripts: list[tuple[Path, str]],
    now: datetime,
    language: str,
    video: bool = False,
) -> Episode:
    """Catalog the downloaded file unchanged as the episode's media (``--keep-media``)."""
    width = height = None
    if video:
        from media.video import probe_video

        vinfo = probe_video(media)
        duration_s, bitrate = vinfo.media.duration_s, None
        width, height = vinfo.width, vinfo.height
    else:
        info = probe(media)
        require_audio_input(info)
        duration_s = info.duration_s
        bitrate = info.audio.bitrate_kbps if info.audio else None
    chapters: tuple[Chapter, ...] = ()
    if chapters_path is not None:
        chapters = read_chapters(chapters_path, duration_s=duration_s)
    captions = [(read_captions(path), lang) for path, lang in transcripts]
    with staging(workspace) as stage:
        asset = stage.adopt(
            media,
            folder="media",
            stem=slug,
            extension=extension,
            mime_type=mime_type,
            duration_s=round(duration_s, 3),
            bitrate_kbps=bitrate,
            width=width,
            height=height,
        )
        variant = Variant(
            language=language,
            title=title,
            description=description,
            publish_at=item.published_at,
            media=asset,
            chapters=chapters,
            chapters_file=stage_chapters(stage, slug, chapters),
            transcripts=tuple(
                stage_transcript(stage, f"{slug}-{lang.lower()}", c, lang) for c, lang in captions
            ),
        )
        episode = Episode(
            slug=slug,
            guid=item.guid,
            variants=(variant,),
            episode_type=item.episode_type,
            season=item.season,
            number=item.number,
            explicit=item.explicit,
            created_at=now,
        )
        save_episode(workspace, episode, new=True)
    return episode


def _fetch_side(
    url: str | None,
    base: str,
    downloads: Path,
    name: str,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    suffix: str = "",
) -> Path | None:
    """Download a chapters or transcript file; on failure record it and go on without."""
    if not url:
        return None
    try:
        # Inside the try: a file: or ftp: URL skips this side file, not the episode.
        absolute = _absolute_url(url, base)
        target = downloads / f"{_url_hash(absolute)}-{name}{suffix}"
        return download(
            absolute,
            target,
            max_bytes=limits.max_side_bytes,
            limits=limits,
            deadline_s=limits.side_deadline_s,
        ).path
    except DownloadFailed as exc:
        skipped.append(Skipped(what, " ".join(str(exc).split())))
        return None


def _fetch_transcripts(
    item: ForeignItem,
    base: str,
    downloads: Path,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    notes: list[str],
    *,
    default_language: str,
) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    languages: set[str] = set()
    for index, t in enumerate(item.transcripts):
        fmt = CAPTION_TYPES.get(t.mime_type)
        if fmt is None:
            notes.append(
                f"{what}: transcript {t.url} ({t.mime_type or 'no type'}) not imported: "
                "only WebVTT and SRT are republished"
            )
            continue
        try:
            language = canonical_language(t.language or "", "transcript language")
        except FieldInvalid:
            language = default_language
        if language in languages:
            continue  # one transcript per language (Podcast Index transcript.md)
        path = _fetch_side(
            t.url,
            base,
            downloads,
            f"transcript{index}",
            limits,
            f"transcript {t.url} of {what}",
            skipped,
            suffix=f".{fmt}",
        )
        if path is not None:
            languages.add(language)
            out.append((path, language))
    return out


def _description(text: str, what: str, notes: list[str]) -> str:
    cut = _cut_bytes(text, DESCRIPTION_MAX_BYTES)
    if cut != text:
        notes.append(f"{what}: shortened to Apple's {DESCRIPTION_MAX_BYTES} bytes")
    return clean_description(cut, what)


# --- downloads ---------------------------------------------------------------------------


def download(
    url: str,
    target: Path,
    *,
    max_bytes: int,
    limits: DownloadLimits,
    progress: Progress | None = None,
    deadline_s: float | None = None,
) -> Downloaded:
    """Download ``url`` to ``target`` through :mod:`pipeline.fetch`, resuming with ``Range``.

    A connection cut off mid-way is resumed (up to ``limits.attempts`` in this call) with
    ``Range: bytes=N-`` and ``If-Range`` (the ETag or Last-Modified seen first), so a changed
    file starts over instead of being spliced; a server that ignores the range answers 200
    and the file is fetched whole. The whole object, every attempt included, must arrive
    within ``deadline_s`` (default ``limits.media_deadline_s``). On failure the ``.part``
    file is removed, unless ``limits.keep_partial`` and the server announced byte ranges.

    Returns:
        The finished file, its size and the server's Content-Type.

    Raises:
        DownloadFailed: not http(s), a refused address or redirect, HTTP error (the status is
            named), deadline passed, larger than ``max_bytes``, or shorter than announced.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    meta = target.with_name(target.name + ".part.json")
    deadline = time.monotonic() + (limits.media_deadline_s if deadline_s is None else deadline_s)
    ranges: list[bool] = []
    last: DownloadFailed | None = None
    try:
        for _attempt in range(max(1, limits.attempts)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DownloadFailed(f"{url}: download failed: timed out (deadline)")
            try:
                return _download_once(url, target, max_bytes, limits.policy(left), progress, ranges)
            except _Interrupted as exc:
                last = DownloadFailed(str(exc))
                log.info("%s; resuming", exc)
        assert last is not None
        raise last
    except BaseException:
        if not (limits.keep_partial and any(ranges)):
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
        raise


class _Interrupted(Exception):
    """The connection ended early; the ``.part`` file is kept for a resume."""


def _download_once(
    url: str,
    target: Path,
    max_bytes: int,
    policy: FetchPolicy,
    progress: Progress | None,
    ranges: list[bool],
) -> Downloaded:
    part = target.with_name(target.name + ".part")
    meta = target.with_name(target.name + ".part.json")
    have = part.stat().st_size if part.exists() else 0
    validator = _read_validator(meta) if have else None
    headers: dict[str, str] = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator:
            headers["If-Range"] = validator
    try:
        with open_url(url, policy=policy, headers=headers) as response:
            ranges.append(response.headers.get("Accept-Ranges", "").strip().lower() == "bytes")
            return _receive(response, url, part, meta, target, have, max_bytes, progress)
    except FetchFailed as exc:
        if exc.status == 416 and have:
            # Range Not Satisfiable: the part may already be whole ("bytes */TOTAL").
            got = exc.headers
            total = _content_range_total(got.get("Content-Range", "") if got else "")
            if total == have:
                ctype = got.get("Content-Type", "") if got else ""
                return _finish(part, meta, target, ctype, have, 0)
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise _Interrupted(
                f"{url}: the partial download no longer matches; restarting"
            ) from None
        raise DownloadFailed(f"{url}: download failed: {exc.why}") from None
    except FetchRefused as exc:
        raise DownloadFailed(f"{url}: download refused: {exc.why}") from None
    except FetchTooLarge as exc:
        raise DownloadFailed(f"{url}: download refused: {exc.why}") from None
    except FetchError as exc:
        raise DownloadFailed(f"{url}: download failed: {exc.why}") from None


def _receive(
    response: Response,
    url: str,
    part: Path,
    meta: Path,
    target: Path,
    have: int,
    max_bytes: int,
    progress: Progress | None,
) -> Downloaded:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    resumed_from = 0
    if have and response.status == 206:
        start = _content_range_start(response.headers.get("Content-Range", ""))
        if start != have:
            part.unlink(missing_ok=True)
            raise _Interrupted(f"{url}: the server resumed at the wrong offset; restarting")
        resumed_from = have
        total = _content_range_total(response.headers.get("Content-Range", ""))
    else:
        have = 0  # 200: the server sent the whole file (no or changed range support)
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
    if total is not None and total > max_bytes:
        raise DownloadFailed(
            f"{url}: download refused: {total} bytes is more than the limit of {max_bytes}"
        )
    validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
    if validator and not resumed_from:
        meta.write_text(json.dumps({"validator": validator}), encoding="utf-8")
    mode = "ab" if resumed_from else "wb"
    with part.open(mode) as out:
        done = _copy(response, out, url, have, total, max_bytes, progress)
    if total is not None and done != total:
        raise _Interrupted(f"{url}: download failed: ended after {done} of {total} bytes")
    return _finish(part, meta, target, content_type, done, resumed_from)


def _copy(
    response: Response,
    out: IO[bytes],
    url: str,
    have: int,
    total: int | None,
    max_bytes: int,
    progress: Progress | None,
) -> int:
    done = have
    while True:
        try:
            chunk = response.read_chunk()
        except FetchFailed as exc:
            out.flush()
            raise _Interrupted(f"{url}: download failed after {done} bytes: {exc.why}") from None
        if not chunk:
            return done
        done += len(chunk)
        if done > max_bytes:
            raise DownloadFailed(
                f"{url}: download refused: larger than the limit of {max_bytes} bytes"
            )
        out.write(chunk)
        if progress is not None and total:
            progress(done / total)


def _finish(
    part: Path, meta: Path, target: Path, content_type: str, size: int, resumed_from: int
) -> Downloaded:
    os.replace(part, target)
    meta.unlink(missing_ok=True)
    return Downloaded(
        path=target, size_bytes=size, content_type=content_type, resumed_from=resumed_from
    )


def _read_validator(meta: Path) -> str | None:
    try:
        value = json.loads(meta.read_text(encoding="utf-8")).get("validator")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _content_range_start(value: str) -> int | None:
    match = re.match(r"^\s*bytes\s+(\d+)-\d+/(?:\d+|\*)\s*$", value)
    return int(match.group(1)) if match else None


def _content_range_total(value: str) -> int | None:
    match = re.match(r"^\s*bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", value)
    return int(match.group(1)) if match else None


def sniff_audio(path: Path) -> str | None:
    """Return ``"mp3"`` or ``"mp4"`` from a file's first bytes, else ``None``.

    MP3: an ID3v2 tag or an MPEG audio frame sync (11 set bits); MP4/M4A: an ``ftyp`` box.
    """
    with path.open("rb") as handle:
        head = handle.read(12)
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "mp4"
    return None


def _first_bytes(path: Path, media: Downloaded) -> str:
    try:
        with path.open("rb") as handle:
            return repr(handle.read(8))
    except OSError:
        return f"{media.size_bytes} bytes"


# --- small pieces ------------------------------------------------------------------------


def _is_http(url: str) -> bool:
    return is_http_url(url)


def _absolute_url(url: str, base: str) -> str:
    """Resolve a relative URL against the feed URL (as podcastparser does).

    Spaces and non-ASCII characters are percent-encoded first, as podcast apps do.
    """
    absolute = normalize_url(urljoin(base, url.strip()) if base else url.strip())
    if not _is_http(absolute):
        raise DownloadFailed(f"{url}: not an http(s) URL")
    return absolute


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _oldest_first(items: tuple[ForeignItem, ...]) -> list[ForeignItem]:
    """Oldest first, so the oldest of two same-titled episodes keeps the plain slug."""
    return sorted(items, key=lambda i: i.published_at)


def _unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)[:72].rstrip("-") or "episode"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _cut_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cut_bytes(text: str, limit: int) -> str:
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - 4].decode("utf-8", "ignore")
    cut = cut.rsplit(" ", 1)[0] if " " in cut[-80:] else cut
    return cut.rstrip() + " …"
