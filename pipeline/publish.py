"""``kotocast publish``: release due episodes and bring storage up to date.

One run: load the catalog, keep the episodes whose publish time has come, render the feed
(byte-deterministic), validate it, compare it with the live feed (the guard), and hand the
objects to :mod:`pipeline.sync`, which uploads media first, then the feed, then the manifest.
A run with nothing new reads two small objects and writes nothing, so a scheduled job can run
it every few minutes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from episodes.catalog import load_episodes
from episodes.errors import FieldInvalid
from episodes.model import Asset, Episode, Show, Variant
from episodes.show import load_show, record_feed_guids, write_text_atomic
from feeds.errors import FeedInvalid, GuardRefused

from .builddate import stamp_build_dates
from .confine import CatalogFile, check_files, hash_confined

if TYPE_CHECKING:
    from .notify import Notification

from .site import FEED_KEY as FEED_KEY
from .site import INDEX_JSON_KEY, RenderedSite, document_type, render_site
from .storage import Storage, open_storage
from .sync import PublishObject, PublishProgress, plan_is_unchanged, publish_objects

log = logging.getLogger(__name__)

STATE_FILE = ".kotocast/published.json"
MEDIA_CACHE = "public, max-age=31536000, immutable"
DOCUMENT_CACHE = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publish did (or, with ``dry_run``, would do)."""

    feed_url: str
    storage: str
    episodes_in_feed: int
    newly_released: tuple[str, ...]
    uploaded: tuple[str, ...]
    bytes_uploaded: int
    changed: bool
    dry_run: bool
    next_release: datetime | None
    # One per hub/ping call after the publish changed feeds; a failure never fails a publish.
    notifications: tuple[Notification, ...] = ()

    def summary(self) -> str:
        """Return the one-line summary printed for people and cron logs."""
        verb = "would upload" if self.dry_run else "uploaded"
        what = (
            f"{verb} {len(self.uploaded)} objects ({self.bytes_uploaded / 1e6:.1f} MB)"
            if self.changed
            else "nothing changed"
        )
        new = f", released {', '.join(self.newly_released)}" if self.newly_released else ""
        nxt = f"; next release {self.next_release.isoformat()}" if self.next_release else ""
        return f"{self.episodes_in_feed} episodes in feed{new}; {what}; feed {self.feed_url}{nxt}"

    def as_json(self) -> dict[str, object]:
        """Return the result as plain JSON-able data (``--json``)."""
        return {
            "feed_url": self.feed_url,
            "storage": self.storage,
            "episodes_in_feed": self.episodes_in_feed,
            "newly_released": list(self.newly_released),
            "uploaded": list(self.uploaded),
            "bytes_uploaded": self.bytes_uploaded,
            "changed": self.changed,
            "dry_run": self.dry_run,
            "next_release": self.next_release.isoformat() if self.next_release else None,
            "notifications": [n.as_json() for n in self.notifications],
        }


def publish(
    workspace: Path,
    *,
    now: datetime,
    dry_run: bool = False,
    allow_empty: bool = False,
    progress: PublishProgress | None = None,
) -> PublishResult:
    """Publish the show in ``workspace`` as it stands at ``now``.

    Released stays released: a variant the live feed already lists (as the last publish
    recorded) stays in it whatever ``now`` says, until it is withdrawn (``unpublish``) or made
    a draft. So a publish with a ``now`` in the future (which releases early) can never make
    the scheduled job's next run drop items and be refused by the guard. A feed with no item
    at all is refused on a first publish unless ``allow_empty`` (directories reject an empty
    feed and a subscriber sees nothing); withdrawing the last live episode still goes out.

    One path for every show (audio or video, one language or several): render every
    document (:mod:`pipeline.site`), validate every feed, guard, then media, documents and
    the manifest, in that order.

    Raises:
        CatalogError: broken settings or episode files.
        FeedInvalid: a rendered feed breaks a directory rule (nothing is uploaded).
        GuardRefused: a feed would change what subscribers depend on (nothing is uploaded).
        StorageError: storage failed; the live feeds are left as they were.
    """
    state = read_state(workspace)  # what the last publish recorded; read once
    site, latest_live = _load_site_keeping_live(workspace, now, state, allow_empty=allow_empty)
    show = site.show
    # lastBuildDate: when each feed's content last changed (pipeline/builddate.py).
    build_dates = stamp_build_dates(site.feeds, state.get("build_dates", {}), now)
    media = media_objects(workspace, site.released, site.artwork, per_language=show.per_language)
    documents = [document_object(key, xml, document_type(key)) for key, xml in site.feeds.items()]
    documents += [document_object(k, body, document_type(k)) for k, body in site.documents.items()]
    storage = open_storage(show.storage, workspace=workspace, endpoint_url=show.endpoint_url)
    # The scheduled job's common case: every object already published with these bytes (one
    # manifest read). Those feeds were validated when they went up; only a change is checked.
    unchanged = plan_is_unchanged(storage, [*media, *documents])
    if not unchanged:
        # Items released early stay, with their pubDate: judge "pubDate in the future" by it.
        problems = validate_site(site, now=max(now, latest_live) if latest_live else now)
        if problems:
            raise FeedInvalid(", ".join(site.feeds), problems)
    withdrawn = {e.guid for e in site.episodes if e.withdrawn}
    newly = tuple(e.slug for e in site.released if e.guid not in state.get("guids", []))
    upcoming = [
        v.publish_at
        for e in site.episodes
        if not e.withdrawn
        for v in e.variants
        if v.publish_at is not None
        and not v.draft
        and v.media is not None
        and v.publish_at > now
        and not isinstance(v, _StillLive)
    ]
    uploaded, size, changed = release(
        workspace,
        storage,
        media,
        documents,
        feeds=site.feeds,
        withdrawn=withdrawn,
        released=site.released,
        guids_to_record=site.guids_to_record(),
        dry_run=dry_run,
        progress=progress,
        build_dates=build_dates,
        unchanged=unchanged,
    )
    notifications: tuple[Notification, ...] = ()
    if changed and not dry_run:
        # WebSub hubs and directory pings, once per feed this publish changed; each failure
        # is logged as a warning and reported in --json, never raised.
        changed_feeds = [site.feed_urls[key] for key in site.feeds if key in uploaded]
        from .notify import NotifySettings, notify  # urllib and ssl: only when a feed changed

        settings = show.podcasting.notify
        notifications = tuple(
            notify(
                changed_feeds,
                NotifySettings(
                    websub_hubs=settings.websub_hubs,
                    ping_urls=settings.ping_urls,
                    podping_url=settings.podping_url,
                    timeout_s=settings.timeout_s,
                ),
            )
        )
    return PublishResult(
        site.main_feed_url,
        storage.description,
        len(site.released),
        newly,
        tuple(uploaded),
        size,
        changed,
        dry_run,
        min(upcoming) if upcoming else None,
        notifications,
    )


@dataclass(frozen=True, slots=True)
class _StillLive(Variant):
    """A variant the live feed already lists: released whatever the clock says."""

    def is_released(self, now: datetime) -> bool:
        return not self.draft and self.media is not None


def _load_site_keeping_live(
    workspace: Path, now: datetime, state: Mapping[str, Any], *, allow_empty: bool
) -> tuple[RenderedSite, datetime | None]:
    """Render like :func:`load_site`, keeping every variant the live feeds list.

    Returns:
        The site, and the latest publish time among variants kept although not yet due
        (None when there are none).

    Raises:
        FeedInvalid: nothing would be in the feed and not ``allow_empty`` (checked before
            anything is written, the artwork cache included).
    """
    show = load_show(workspace)
    # The scheduled job: unchanged episode files come parsed from .kotocast/.
    catalog = load_episodes(workspace, languages=show.all_languages, keep_parsed=True)
    episodes = _publishable(show, catalog)
    recorded = state.get("variants")
    live: Mapping[str, Any] = recorded if isinstance(recorded, dict) else {}
    kept: list[datetime] = []
    out = []
    for episode in episodes:
        langs = live.get(episode.guid) or ()
        if episode.withdrawn or not langs:
            out.append(episode)
            continue
        variants = []
        for v in episode.variants:
            if v.language in langs and not v.is_released(now) and not v.draft and v.media:
                kept += [v.publish_at] if v.publish_at else []
                v = _StillLive(**{f.name: getattr(v, f.name) for f in fields(Variant)})
            variants.append(v)
        out.append(replace(episode, variants=tuple(variants)))
    # Empty on a first publish (nothing due yet) is refused; withdrawing the last live
    # episode must still reach the live feed.
    if (
        not allow_empty
        and not live
        and not state.get("guids")
        and not any(v.is_released(now) for e in out if not e.withdrawn for v in e.variants)
    ):
        raise FeedInvalid(
            FEED_KEY,
            [
                "no episode is released yet, so the feed would be empty (directories refuse "
                "it); nothing was uploaded. Publish when an episode is due, or give "
                "--allow-empty"
            ],
        )
    artwork = show_artwork(workspace, show)
    return render_site(show, out, now=now, artwork=artwork), max(kept, default=None)


def load_site(workspace: Path, *, now: datetime, cache_artwork: bool = True) -> RenderedSite:
    """Load the catalog and render every document the show publishes at ``now``."""
    show = load_show(workspace)
    episodes = _publishable(show, load_episodes(workspace, languages=show.all_languages))
    artwork = show_artwork(workspace, show, cache=cache_artwork)
    return render_site(show, episodes, now=now, artwork=artwork)


def _publishable(show: Show, episodes: list[Episode]) -> list[Episode]:
    """Leave machine-draft transcripts out when ``[transcribe] publish_drafts = false``."""
    from episodes.transcription import publishable

    if show.transcribe.publish_drafts:
        return episodes
    return [
        replace(
            e,
            variants=tuple(
                replace(v, transcripts=publishable(v.transcripts, False)) for v in e.variants
            ),
        )
        for e in episodes
    ]


def validate_site(site: RenderedSite, *, now: datetime) -> list[str]:
    """Return every problem of every feed the show publishes, and of ``index.json``."""
    from feeds.validate import validate_feed  # not on the no-change path

    problems: list[str] = []
    for key, xml in site.feeds.items():
        problems += [str(p) for p in validate_feed(xml, source=key, now=now)]
    if INDEX_JSON_KEY in site.documents:
        from feeds.index_json import check_index_json  # pages (Jinja2): per-language shows

        problems += check_index_json(site.documents[INDEX_JSON_KEY], source=INDEX_JSON_KEY)
    return problems


def release(
    workspace: Path,
    storage: Storage,
    media: Sequence[PublishObject],
    documents: Sequence[PublishObject],
    *,
    feeds: Mapping[str, bytes],
    withdrawn: set[str],
    released: Sequence[Episode],
    guids_to_record: Mapping[str, str],
    dry_run: bool,
    progress: PublishProgress | None,
    build_dates: Mapping[str, Mapping[str, str]] | None = None,
    unchanged: bool | None = None,
) -> tuple[tuple[str, ...], int, bool]:
    """Bring storage up to date with a rendered release (podcast or video series).

    Returns:
        The keys uploaded (or, with ``dry_run``, that would be), their bytes, and whether
        anything changed.
    """
    # The scheduled job's common case: everything already published. One manifest read,
    # no writes, whatever the size of the show.
    if unchanged is None:
        unchanged = plan_is_unchanged(storage, [*media, *documents])
    if unchanged:
        if not dry_run:
            write_state(workspace, released, build_dates)
        return (), 0, False

    # Refuse before writing anything; checked again under the publish lock below, in case
    # another publisher changed a live feed in between.
    _guard(storage, feeds, withdrawn)
    if dry_run:
        pending = [o for o in media if not _is_stored(storage, o)]
        pending += [d for d in documents if storage.get(d.key) != d.source]
        return tuple(o.key for o in pending), sum(o.size_bytes for o in pending), bool(pending)

    if guids_to_record:
        # Spec: assigned once from the feed URL at first publish, then kept forever, also
        # when base_url changes later.
        record_feed_guids(workspace, guids_to_record)
    report = publish_objects(
        storage,
        media,
        documents,
        progress=progress,
        before_documents=lambda live: _guard(live, feeds, withdrawn),
    )
    write_state(workspace, released, build_dates)
    return tuple(report.uploaded), report.bytes_uploaded, report.changed


def _guard(storage: Storage, feeds: Mapping[str, bytes], withdrawn: set[str]) -> None:
    """Raise GuardRefused if a feed would break what subscribers of the live one rely on."""
    refusals: list[str] = []
    for key, xml in feeds.items():
        previous = storage.get(key)
        if previous is not None and previous != xml:
            from feeds.guard import check_continuity  # only when a live feed would change

            found = check_continuity(previous, xml, withdrawn_guids=withdrawn)
            refusals += [f"{key}: {r}" for r in found] if len(feeds) > 1 else found
    if refusals:
        raise GuardRefused("; ".join(refusals))


def render_current_feeds(workspace: Path, *, now: datetime) -> tuple[RenderedSite, list[str]]:
    """Return what ``publish`` would write at ``now`` and every problem in it (writes nothing)."""
    site = load_site(workspace, now=now, cache_artwork=False)
    problems = validate_site(site, now=now)
    if not site.released:
        # What publish refuses (unless --allow-empty): directories reject an empty feed.
        problems.append(
            f"{', '.join(site.feeds)}: no episode is released yet at {now.isoformat()}, so the "
            "feed would be empty (directories refuse it)"
        )
    return site, problems


def show_artwork(workspace: Path, show: Show, *, cache: bool = True) -> Asset | None:
    """Return the show's artwork as a content-addressed asset under ``images/``.

    The converted image is cached by the source file's hash, so a republish does not
    re-encode it; a changed source image gets a new key (Apple: a new file name whenever
    the artwork changes). With ``cache=False`` (``validate``) nothing is written: the asset
    is described from the converted bytes in memory.
    """
    if not show.image:
        return None
    source = workspace / show.image
    if not source.is_file():
        raise FieldInvalid("kotocast.toml: show.image", f"{source} is not a file")
    # Hashed through the confined open: a symlink or FIFO named as artwork is refused.
    source_hash = hash_confined(workspace, show.image)[1][:12]
    for cached in sorted((workspace / "images").glob(f"show-{source_hash}.*")):
        return _asset_for(workspace, cached)
    from media.artwork import prepare_artwork  # Pillow: only when the artwork changed

    art = prepare_artwork(source)
    target = workspace / "images" / f"show-{source_hash}.{art.extension}"
    if not cache:
        rel = target.relative_to(workspace).as_posix()
        return Asset(
            path=rel,
            key=rel,
            size_bytes=len(art.data),
            sha256=hashlib.sha256(art.data).hexdigest(),
            mime_type=art.mime_type,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(art.data)
    tmp.replace(target)
    return _asset_for(workspace, target)


def _asset_for(workspace: Path, path: Path) -> Asset:
    rel = path.relative_to(workspace).as_posix()
    mime = "image/png" if path.suffix == ".png" else "image/jpeg"
    size, sha256 = hash_confined(workspace, rel)  # no symlinks, no FIFOs
    return Asset(path=rel, key=rel, size_bytes=size, sha256=sha256, mime_type=mime)


def media_objects(
    workspace: Path,
    episodes: Sequence[Episode],
    artwork: Asset | None,
    *,
    per_language: bool = False,
) -> list[PublishObject]:
    """Return every immutable object the released variants reference, deduplicated by key.

    Args:
        per_language: download names carry the language (``slug-sv.mp3``), as a show with
            several languages needs.
    """
    assets: dict[str, tuple[Asset, str | None]] = {}
    if artwork:
        assets[artwork.key] = (artwork, None)
    for ep in episodes:
        named: list[tuple[Asset | None, str | None]] = [(ep.image, None)]
        for v in ep.variants:
            stem = f"{ep.slug}-{v.language}" if per_language else ep.slug
            named.append((v.media, _download_name(stem, v.media)))
            named.append((v.chapters_file, None))
            named += [(t.asset, None) for t in v.transcripts]
            named += [(s.teaser, None) for s in v.soundbites]
            named += [(a, None) for a in v.alternates]
        for asset, download_name in named:
            if asset is not None:
                assets.setdefault(asset.key, (asset, download_name))
    objects = [_media_object(workspace, a, name) for a, name in assets.values()]
    # Only regular files inside the workspace (no symlink anywhere below it), at the size the
    # catalog says: checked for all before any upload, and again as each is read (confine.py).
    check_files(workspace, [o.source for o in objects if isinstance(o.source, CatalogFile)])
    return objects


def _download_name(stem: str, asset: Asset | None) -> str | None:
    """Return the friendly download file name (slug plus the stored file's own extension)."""
    return f"{stem}{PurePosixPath(asset.key).suffix}" if asset is not None else None


def _media_object(workspace: Path, asset: Asset, download_name: str | None) -> PublishObject:
    source = CatalogFile(workspace, asset.path, asset.size_bytes, asset.sha256)
    disposition = f'attachment; filename="{download_name}"' if download_name else None
    return PublishObject(
        key=asset.key,
        source=source,
        content_type=asset.mime_type,
        cache_control=MEDIA_CACHE,
        sha256=asset.sha256,
        size_bytes=asset.size_bytes,
        immutable=True,
        content_disposition=disposition,
    )


def document_object(key: str, body: bytes, content_type: str) -> PublishObject:
    """Return a feed/page object (stable key, short cache)."""
    return PublishObject(
        key=key,
        source=body,
        content_type=content_type,
        cache_control=DOCUMENT_CACHE,
        sha256=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        immutable=False,
    )


def _is_stored(storage: Storage, obj: PublishObject) -> bool:
    """Return whether an immutable object is already in storage with its size."""
    head = storage.head(obj.key)
    return head is not None and head.size_bytes == obj.size_bytes


def read_state(workspace: Path) -> dict[str, Any]:
    """Return what the last publish from this workspace recorded (``{}`` if nothing)."""
    try:
        data = json.loads((workspace / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(
    workspace: Path,
    released: Sequence[Episode],
    build_dates: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Remember which guids and variants the live feeds list (for ``status``), and when each
    feed's content last changed (``build_dates``; kept as recorded when None).

    Not a source of truth (storage is); written only when it changes, so the scheduled job's
    no-change runs write nothing at all.
    """
    state: dict[str, Any] = {
        "guids": sorted(e.guid for e in released),
        "variants": {e.guid: sorted(v.language for v in e.variants) for e in released},
    }
    dates = read_state(workspace).get("build_dates") if build_dates is None else build_dates
    if dates:
        state["build_dates"] = {k: dict(v) for k, v in sorted(dates.items())}
    text = json.dumps(state, indent=2, sort_keys=True) + "\n"
    path = workspace / STATE_FILE
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text_atomic(path, text)


def published_guids(workspace: Path) -> set[str]:
    """Return the guids listed in the feed this workspace last published."""
    return set(read_state(workspace).get("guids", []))
