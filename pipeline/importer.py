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

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from episodes.catalog import load_episodes
from episodes.errors import CatalogError, FieldInvalid
from episodes.podcasting import Notify, Podcasting, podcasting_config
from episodes.show import (
    CONFIG_NAME,
    load_show,
    record_feed_guids,
    render_new_config,
)
from episodes.text import (
    TITLE_MAX_CHARS,
    canonical_language,
    clean_text,
    clean_title,
)
from feeds.categories import APPLE_CATEGORIES
from feeds.errors import FeedError
from feeds.guid import is_well_formed_guid, podcast_guid
from feeds.parse import ForeignShow, parse_feed
from media.errors import MediaError

from .confine import check_storage_folder
from .download import (
    DownloadFailed,
    DownloadLimits,
    ImportFailed,
    ShowMismatch,
    SourceUnreadable,
    download,
)
from .errors import PipelineError
from .fetch import (
    FetchError,
    FetchTooLarge,
    fetch_bytes,
)
from .import_episode import import_item
from .import_side import (
    DOWNLOADS_DIR,
    Skipped,
    absolute_url,
    cut_chars,
    description_text,
    is_http,
    oldest_first,
    unique_slug,
    url_hash,
    without_bidi,
)
from .workspace import write_new_config

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


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
    base = request.source if is_http(request.source) else (feed.show.self_url or "")
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
    todo = [i for i in oldest_first(feed.items) if i.guid not in known]
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
                slug=unique_slug(item.title, taken),
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
    if is_http(source):
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
    if is_http(source):
        return source
    return show.self_url if show.self_url and is_http(show.self_url) else None


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
    title = without_bidi(show.title, "channel title", notes)
    title = clean_title(cut_chars(title, TITLE_MAX_CHARS), "channel title")
    language = _language(show.language, notes)
    category, subcategory = _apple_category(show.category, show.subcategory, notes)
    email = show.owner_email or ""
    if "@" not in email:
        notes.append("the feed has no itunes:owner email: set show.email in kotocast.toml")
        email = "owner@example.invalid"
    author = without_bidi(show.author or show.owner_name or title, "itunes:author", notes)
    base_url = request.base_url if request.base_url.endswith("/") else request.base_url + "/"
    if not base_url.startswith(("http://", "https://")):
        raise FieldInvalid("--base-url", f"{request.base_url!r} is not an http(s) URL")

    directory.mkdir(parents=True, exist_ok=True)
    image_name, art_skip = _import_artwork(directory, show, base, request.limits)
    text = render_new_config(
        title=title,
        author=clean_text(cut_chars(author, 255), "itunes:author"),
        email=clean_text(email, "itunes:owner email", max_chars=255),
        language=language,
        category=category,
        subcategory=subcategory,
        description=description_text(show.description, "channel description", notes),
        image=image_name,
        link=show.link if show.link and is_http(show.link) else None,
        copyright=show.copyright,
        base_url=base_url,
        storage=request.storage,
        explicit=bool(show.explicit),
        show_type=show.show_type,
        medium=medium,
        podcast_guid=guid,
        extra=_carried_settings(show),
    )
    write_new_config(directory, text)
    return art_skip


def _carried_settings(show: ForeignShow) -> dict[str, dict[str, Any]]:
    """The old feed's Podcasting 2.0 channel settings as ``kotocast.toml`` tables.

    Funding, podroll, license, location, Apple's verification code and other podcast:txt,
    updateFrequency and WebSub hubs move with the show; pubDates keep their offsets.
    """
    apple = next((t.text for t in show.txt if t.purpose == "applepodcastsverify"), None)
    tables = podcasting_config(
        Podcasting(
            funding=show.funding,
            podroll=show.podroll,
            license=show.license,
            location=show.location,
            apple_podcasts_verify=apple,
            notify=Notify(websub_hubs=tuple(show.hubs)),
        )
    )
    feed = tables.setdefault("feed", {})
    feed["pubdate_offsets"] = True
    # Imported episodes were mastered elsewhere: no speech chain unless the producer asks.
    tables["audio"] = {"preset": "none"}
    others = [t.text for t in show.txt if t.purpose != "applepodcastsverify"]
    if others:
        feed["txt"] = others
    if show.update_frequency:
        feed["update_frequency"] = show.update_frequency
    return tables


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
        record_feed_guids(workspace, {"*": guid})


def _import_artwork(
    directory: Path, show: ForeignShow, base: str, limits: DownloadLimits
) -> tuple[str | None, Skipped | None]:
    if not show.image_url:
        return None, Skipped("artwork", "the feed has no itunes:image; set show.image")
    from media.artwork import prepare_artwork  # the artwork stage needs Pillow: load late

    url = show.image_url
    try:
        # A bad artwork URL (file:, a private address) skips the artwork, never the import.
        url = absolute_url(show.image_url, base)
        target = directory / DOWNLOADS_DIR / ("artwork-" + url_hash(url))
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
