"""Publish a release to storage: incremental, ordered, crash-safe, one publisher at a time.

Order of a publish that changes something (see ``publish_objects``)::

    GET manifest                      -> unchanged? stop here (1 request, no writes)
    PUT lock (If-None-Match: *)       -> wait / break a stale lock / PublishLocked
    GET manifest (again, under lock)
    media: HEAD or LIST unknown keys, refuse to overwrite other bytes, upload the rest in parallel
    before_documents(storage)         -> the caller's last check against the live feed
    documents (pages, feeds) whose sha256 changed, in the order given
    PUT manifest (If-Match: its ETag) -> last: it records what is complete
    DELETE lock (If-Match: our ETag)

Every write is atomic (one S3 object / ``os.replace``), media keys change with content and are
never overwritten, and a feed goes up only after everything it references is complete. So a
publish killed at any moment leaves the previous feed intact and valid, pointing at complete
objects, and the next run finishes the job: objects already uploaded are found by ``HEAD`` with
their recorded sha256 and skipped.

The manifest (``_kotocast/manifest.json``) is ``{key: {"content_type", "sha256", "size"}}``,
sorted, stable JSON. It trusts that nobody else writes under the storage prefix.
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.confine import CatalogFile
from pipeline.errors import (
    ObjectConflict,
    PreconditionFailed,
    StorageError,
)
from pipeline.objects import FetchedObject, Storage, StoredObject, validate_key
from pipeline.publish_lock import PublishLock

log = logging.getLogger(__name__)

MANIFEST_KEY = "_kotocast/manifest.json"
INTERNAL_PREFIX = "_kotocast/"
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
DOCUMENT_CACHE_CONTROL = "public, max-age=300"

PublishProgress = Callable[[str, int, int], None]
"""``progress(key, delta_bytes, total_bytes)``: ``delta_bytes`` just went up for ``key``
(negative when a failed attempt is rolled back); ``total_bytes`` is what this publish uploads."""

# Above this many keys of unknown state, one LIST per 1,000 keys beats one HEAD per key.
_LIST_THRESHOLD = 16


@dataclass(frozen=True, slots=True)
class PublishObject:
    """One object of a release, as the publisher hands it over."""

    key: str
    source: Path | bytes | CatalogFile  # CatalogFile: read confined and checked
    content_type: str
    cache_control: str
    sha256: str
    size_bytes: int
    immutable: bool  # media: the key changes with the content; never overwritten
    content_disposition: str | None = None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a publish did."""

    uploaded: tuple[str, ...]
    unchanged: int
    bytes_uploaded: int
    changed: bool


# --------------------------------------------------------------------------------------------
# Manifest


def _manifest_entry(obj: PublishObject) -> dict[str, Any]:
    return {"content_type": obj.content_type, "sha256": obj.sha256, "size": obj.size_bytes}


def render_manifest(entries: dict[str, dict[str, Any]]) -> bytes:
    """Return the manifest bytes: sorted keys, stable JSON, one entry per line."""
    lines = [
        f"{json.dumps(key)}: {json.dumps(entries[key], sort_keys=True)}" for key in sorted(entries)
    ]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("ascii") if lines else b"{}\n"


def _parse_manifest(fetched: FetchedObject | None, where: str) -> dict[str, dict[str, Any]]:
    if fetched is None:
        return {}
    try:
        data = json.loads(fetched.body)
        if not isinstance(data, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in data.values()
        ):
            raise ValueError("not a {key: {size, sha256, content_type}} object")
    except ValueError as e:
        # Self-healing: with no trustworthy record, every object is checked against storage
        # (media by HEAD + sha256, documents re-uploaded) and the manifest rewritten.
        log.warning("%s: %s is unreadable (%s); checking every object", where, MANIFEST_KEY, e)
        return {}
    return data


def _is_recorded(manifest: dict[str, dict[str, Any]], obj: PublishObject) -> bool:
    entry = manifest.get(obj.key)
    return (
        entry is not None
        and entry.get("sha256") == obj.sha256
        and entry.get("size") == obj.size_bytes
        and entry.get("content_type") == obj.content_type
    )


def _validate_plan(objects: Iterable[PublishObject]) -> list[PublishObject]:
    seen: set[str] = set()
    result = []
    for obj in objects:
        validate_key(obj.key)
        if obj.key.startswith(INTERNAL_PREFIX):
            raise StorageError(f"{obj.key}: keys under {INTERNAL_PREFIX} are kotocast's own")
        if obj.key in seen:
            raise StorageError(f"{obj.key}: the release lists this key twice")
        seen.add(obj.key)
        result.append(obj)
    return result


def plan_is_unchanged(storage: Storage, objects: Iterable[PublishObject]) -> bool:
    """Return True when storage already holds every object with the same sha256 (one GET).

    Raises:
        StorageError: storage cannot be read (StorageUnreachable when it cannot be reached).
    """
    manifest = _parse_manifest(storage.fetch(MANIFEST_KEY), storage.description)
    return all(_is_recorded(manifest, obj) for obj in objects)


# --------------------------------------------------------------------------------------------
# Upload


def _common_dir(keys: Sequence[str]) -> str:
    prefix = posixpath.commonprefix(list(keys))
    return prefix[: prefix.rfind("/") + 1]


def _find_existing(
    storage: Storage, keys: Sequence[str], pool: ThreadPoolExecutor
) -> dict[str, StoredObject]:
    """Return what storage holds at ``keys``: HEAD a few, LIST many."""
    if len(keys) <= _LIST_THRESHOLD:
        found = pool.map(storage.head, keys)
        return {obj.key: obj for obj in found if obj is not None}
    wanted = set(keys)
    return {obj.key: obj for obj in storage.list(_common_dir(keys)) if obj.key in wanted}


def _check_immutables(
    storage: Storage,
    todo: list[PublishObject],
    manifest: dict[str, dict[str, Any]],
    pool: ThreadPoolExecutor,
) -> list[PublishObject]:
    """Return the immutable objects still to upload; refuse to overwrite other bytes.

    Raises:
        ObjectConflict: a key already holds different bytes.
    """
    conflicts: list[str] = []
    unknown: list[PublishObject] = []
    for obj in todo:
        entry = manifest.get(obj.key)
        if entry is not None and entry.get("sha256") != obj.sha256:
            conflicts.append(f"{obj.key} (published sha256 {str(entry.get('sha256'))[:12]}...)")
        else:
            unknown.append(obj)
    existing = _find_existing(storage, [o.key for o in unknown], pool) if unknown else {}
    upload: list[PublishObject] = []
    for obj in unknown:
        found = existing.get(obj.key)
        if found is None:
            upload.append(obj)
            continue
        if found.size_bytes != obj.size_bytes:
            conflicts.append(f"{obj.key} ({found.size_bytes} bytes stored, {obj.size_bytes} new)")
            continue
        sha = found.sha256
        if sha is None:
            head = storage.head(obj.key)  # a LIST does not carry metadata
            sha = head.sha256 if head is not None else None
        if sha is None:
            sha = storage.hash_sha256(obj.key)  # uploaded by another tool: read it
        if sha != obj.sha256:
            conflicts.append(f"{obj.key} (stored bytes differ)")
        else:
            log.info("%s: already stored by an earlier run", obj.key)
    if conflicts:
        raise ObjectConflict(
            f"{storage.description}: immutable keys already hold other bytes and are never "
            f"overwritten: {', '.join(conflicts[:5])}" + (" ..." if len(conflicts) > 5 else "")
        )
    return upload


def _put(storage: Storage, obj: PublishObject, progress: Callable[[int], None] | None) -> None:
    storage.put(
        obj.key,
        obj.source,
        content_type=obj.content_type,
        cache_control=obj.cache_control,
        content_disposition=obj.content_disposition,
        sha256=obj.sha256,
        progress=progress,
    )


def _upload_parallel(
    storage: Storage,
    objects: list[PublishObject],
    pool: ThreadPoolExecutor,
    progress_for: Callable[[str], Callable[[int], None] | None],
) -> None:
    """Upload ``objects`` in parallel; on the first failure stop starting new ones and raise."""
    # Largest first: the long multipart uploads overlap with the many small ones.
    ordered = sorted(objects, key=lambda o: -o.size_bytes)
    futures: list[Future[None]] = [
        pool.submit(_put, storage, obj, progress_for(obj.key)) for obj in ordered
    ]
    _done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for future in pending:
        future.cancel()
    wait(pending)
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]


def _write_manifest(storage: Storage, body: bytes, etag: str | None) -> None:
    """Write the manifest conditionally on the version this publish read.

    Raises:
        ObjectConflict: another publish changed it meanwhile.
    """
    try:
        storage.put_if(
            MANIFEST_KEY,
            body,
            content_type="application/json",
            cache_control="no-store",
            if_match=etag,
            if_none_match=etag is None,
        )
    except PreconditionFailed:
        # A retried write whose first response was lost comes back 412: it may be ours.
        current = storage.fetch(MANIFEST_KEY)
        if current is not None and current.body == body:
            return
        raise ObjectConflict(
            f"{storage.description}: {MANIFEST_KEY} was changed by another publish meanwhile; "
            "run the publish again"
        ) from None


def publish_objects(
    storage: Storage,
    media: Sequence[PublishObject],
    documents: Sequence[PublishObject],
    *,
    progress: PublishProgress | None = None,
    lock_timeout_s: float = 60,
    lock_lease_s: float = 60,
    before_documents: Callable[[Storage], None] | None = None,
    max_parallel: int = 8,
) -> SyncReport:
    """Upload what changed of a release: media, then documents, then the manifest.

    Args:
        storage: where to publish.
        media: objects every document may reference (audio, video, images, transcripts,
            chapters); uploaded first, in parallel. Immutable ones are never overwritten.
        documents: pages and feeds, uploaded after all media, one by one in the order given:
            list a feed after anything else it references.
        progress: ``progress(key, delta_bytes, total_bytes)`` as bytes go up.
        lock_timeout_s: how long to wait for another publish to finish.
        lock_lease_s: lock lifetime without renewal (renewed every third of it).
        before_documents: called under the lock once media are complete, before any document
            is written; raise from it to stop the publish with nothing but media written.
        max_parallel: objects uploaded at once.

    Returns:
        What was uploaded. ``changed`` is False when storage already held the release: then
        nothing was written and exactly one request (the manifest GET) was made.

    Raises:
        PublishLocked: another publish holds the lock past ``lock_timeout_s``.
        ObjectConflict: an immutable key holds other bytes, or the manifest changed under us.
        UploadFailed: an object failed past the retry budget (published state intact).
        StorageUnreachable: bucket missing, credentials refused, endpoint unreachable.
    """
    plan = _validate_plan([*media, *documents])
    manifest = _parse_manifest(storage.fetch(MANIFEST_KEY), storage.description)
    if all(_is_recorded(manifest, obj) for obj in plan):
        log.info("%s: nothing changed (%d objects)", storage.description, len(plan))
        return SyncReport(uploaded=(), unchanged=len(plan), bytes_uploaded=0, changed=False)

    with PublishLock(storage, lease_s=lock_lease_s, timeout_s=lock_timeout_s) as lock:
        fetched = storage.fetch(MANIFEST_KEY)
        manifest = _parse_manifest(fetched, storage.description)
        with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="kotocast-up") as pool:
            media_todo = [o for o in media if not _is_recorded(manifest, o)]
            immutable_todo = _check_immutables(
                storage, [o for o in media_todo if o.immutable], manifest, pool
            )
            media_upload = immutable_todo + [o for o in media_todo if not o.immutable]
            documents_upload = [o for o in documents if not _is_recorded(manifest, o)]
            # Documents flagged immutable still obey the never-overwrite rule.
            doc_immutables = {
                o.key
                for o in _check_immutables(
                    storage, [o for o in documents_upload if o.immutable], manifest, pool
                )
            }
            documents_upload = [
                o for o in documents_upload if not o.immutable or o.key in doc_immutables
            ]
            total = sum(o.size_bytes for o in media_upload + documents_upload)
            progress_for = _progress_factory(progress, total)

            log.info(
                "%s: uploading %d media (%d bytes), then %d documents",
                storage.description,
                len(media_upload),
                sum(o.size_bytes for o in media_upload),
                len(documents_upload),
            )
            _upload_parallel(storage, media_upload, pool, progress_for)
        lock.check()
        if before_documents is not None:
            before_documents(storage)
        for obj in documents_upload:
            lock.check()
            _put(storage, obj, progress_for(obj.key))
        lock.check()
        entries = dict(manifest)
        entries.update({obj.key: _manifest_entry(obj) for obj in plan})
        _write_manifest(storage, render_manifest(entries), fetched.etag if fetched else None)

    uploaded = tuple(o.key for o in media_upload + documents_upload)
    log.info("%s: published %d objects", storage.description, len(uploaded))
    return SyncReport(
        uploaded=uploaded,
        unchanged=len(plan) - len(uploaded),
        bytes_uploaded=sum(o.size_bytes for o in media_upload + documents_upload),
        changed=True,
    )


def _progress_factory(
    progress: PublishProgress | None, total: int
) -> Callable[[str], Callable[[int], None] | None]:
    def for_key(key: str) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda delta: progress(key, delta, total)

    return for_key
