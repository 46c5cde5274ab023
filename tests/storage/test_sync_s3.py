"""publish_objects against a real S3-compatible server process, through the fault proxy."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from pipeline.errors import ObjectConflict, PublishLocked, StorageError, UploadFailed
from pipeline.publish_lock import LOCK_KEY
from pipeline.s3 import S3Storage
from pipeline.sync import MANIFEST_KEY, publish_objects

from .conftest import feed_object, media_object, media_set, render_test_feed
from .faultproxy import FaultProxy, Faults

pytestmark = pytest.mark.s3

MB = 1024 * 1024


def _head(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        return s3.head_object(Bucket=bucket, Key=f"show/{key}")  # type: ignore[no-any-return]
    except s3.exceptions.ClientError:
        return None


def _body(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return s3.get_object(Bucket=bucket, Key=f"show/{key}")["Body"].read()  # type: ignore[no-any-return]
    except s3.exceptions.NoSuchKey:
        return None


def test_first_publish_uploads_everything_with_headers(
    storage: S3Storage, s3: Any, bucket: str
) -> None:
    media = [*media_set(3, 1000), media_object("media/big-0001.mp3", b"x" * (11 * MB))]
    feed = feed_object(render_test_feed(media))
    report = publish_objects(storage, media, [feed])

    assert report.changed and set(report.uploaded) == {m.key for m in media} | {"feed.xml"}
    assert report.bytes_uploaded == sum(m.size_bytes for m in media) + feed.size_bytes
    for m in media:
        head = _head(s3, bucket, m.key)
        assert head is not None and head["ContentLength"] == m.size_bytes
        assert head["ContentType"] == "audio/mpeg"
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["Metadata"]["sha256"] == m.sha256
        assert head["ContentDisposition"].startswith("attachment; filename=")
    head = _head(s3, bucket, "feed.xml")
    assert head is not None
    assert head["ContentType"] == "application/rss+xml"
    assert head["CacheControl"] == "public, max-age=300"
    manifest = json.loads(_body(s3, bucket, MANIFEST_KEY) or b"")
    assert sorted(manifest) == sorted([*(m.key for m in media), "feed.xml"])
    assert manifest["feed.xml"]["sha256"] == feed.sha256
    assert _head(s3, bucket, LOCK_KEY) is None, "the lock is released"


def test_no_change_republish_is_one_get(storage: S3Storage, proxy: FaultProxy) -> None:
    media = media_set(40, 2000)
    feed = feed_object(render_test_feed(media))
    publish_objects(storage, media, [feed])
    proxy.reset()

    report = publish_objects(storage, media, [feed])

    assert not report.changed and report.uploaded == () and report.unchanged == 41
    counts = proxy.counts()
    assert sum(counts.values()) <= 3, counts
    assert not {"PUT", "POST", "DELETE"} & set(counts), counts
    assert proxy.bytes_in() == 0


def test_only_changed_documents_are_uploaded(storage: S3Storage, proxy: FaultProxy) -> None:
    media = media_set(5, 1000)
    page = feed_object(b"<html>index</html>", key="index.html")
    publish_objects(storage, media, [page, feed_object(render_test_feed(media))])
    proxy.reset()

    new_media = media_set(1, 1000, tag="b")
    report = publish_objects(
        storage, media + new_media, [page, feed_object(render_test_feed(media + new_media))]
    )
    assert report.uploaded == (new_media[0].key, "feed.xml")
    puts = [s.path for s in proxy.seen if s.method == "PUT"]
    # lock, new media, feed, manifest; the unchanged page is not re-sent.
    assert not any("index.html" in p for p in puts)
    assert puts[-1].split("?")[0].endswith("/_kotocast/manifest.json")


def test_order_media_then_documents_then_manifest(storage: S3Storage, proxy: FaultProxy) -> None:
    media = media_set(20, 3000)
    publish_objects(storage, media, [feed_object(render_test_feed(media))])
    writes = [s.path.split("?")[0] for s in proxy.seen if s.method in {"PUT", "POST", "DELETE"}]
    feed_at = max(i for i, p in enumerate(writes) if p.endswith("/feed.xml"))
    manifest_at = max(i for i, p in enumerate(writes) if p.endswith("/manifest.json"))
    media_at = [i for i, p in enumerate(writes) if "/media/" in p]
    assert max(media_at) < feed_at < manifest_at
    assert writes[0].endswith("/lock.json") and writes[-1].endswith("/lock.json")


def test_immutable_key_with_other_bytes_is_refused(
    storage: S3Storage, s3: Any, bucket: str
) -> None:
    s3.put_object(Bucket=bucket, Key="show/media/ep-1.mp3", Body=b"old bytes, same length!!")
    clash = media_object("media/ep-1.mp3", b"new bytes, same length!!")
    with pytest.raises(ObjectConflict, match=r"media/ep-1\.mp3"):
        publish_objects(storage, [clash], [feed_object(render_test_feed([clash]))])
    assert _body(s3, bucket, "media/ep-1.mp3") == b"old bytes, same length!!"
    assert _body(s3, bucket, "feed.xml") is None
    assert _head(s3, bucket, LOCK_KEY) is None


def test_object_left_by_killed_run_is_adopted_not_reuploaded(
    storage: S3Storage, proxy: FaultProxy, s3: Any, bucket: str
) -> None:
    media = media_set(2, 5000)
    # As if a previous run uploaded the media and died before the manifest.
    storage.put(
        media[0].key,
        media[0].source,
        content_type="audio/mpeg",
        cache_control="x",
        sha256=media[0].sha256,
    )
    proxy.reset()
    report = publish_objects(storage, media, [feed_object(render_test_feed(media))])
    assert media[0].key not in report.uploaded and media[1].key in report.uploaded


def test_faults_503_and_resets_are_survived(
    storage: S3Storage, proxy: FaultProxy, s3: Any, bucket: str
) -> None:
    media = [
        *media_set(30, 20000),
        media_object("media/big-a.mp3", b"a" * (12 * MB)),
        media_object("media/big-b.mp3", b"b" * (7 * MB)),
    ]
    feed = feed_object(render_test_feed(media))
    proxy.reset(Faults(error_rate=0.2, reset_rate=0.1, seed=7))

    report = publish_objects(storage, media, [feed])

    faults = [s.fault for s in proxy.seen if s.fault]
    assert faults.count("503") >= 5 and faults.count("reset") >= 2, faults
    assert report.changed
    proxy.reset()
    for m in media:
        head = _head(s3, bucket, m.key)
        assert head is not None and head["ContentLength"] == m.size_bytes, m.key
    assert _body(s3, bucket, "feed.xml") == feed.source
    assert json.loads(_body(s3, bucket, MANIFEST_KEY) or b"")["feed.xml"]["sha256"] == feed.sha256


@pytest.mark.parametrize("target", ["/media/", "/feed.xml", "/manifest.json"])
def test_faults_past_retry_budget_leave_published_state_intact(
    proxy: FaultProxy, s3: Any, bucket: str, target: str
) -> None:
    proxy.reset()
    storage = S3Storage(bucket, "show", endpoint_url=proxy.url, max_attempts=2, object_attempts=2)
    v1 = media_set(3, 1000)
    publish_objects(storage, v1, [feed_object(render_test_feed(v1))])
    feed_before = _body(s3, bucket, "feed.xml")
    manifest_before = _body(s3, bucket, MANIFEST_KEY)

    v2 = v1 + media_set(2, 1000, tag="new")
    proxy.reset(Faults(error_rate=1.0, only_methods=frozenset({"PUT"}), only_path=target))
    with pytest.raises(UploadFailed) as caught:
        publish_objects(storage, v2, [feed_object(render_test_feed(v2, title="v2"))])
    proxy.reset()

    assert "show" in str(caught.value) and bucket in str(caught.value)
    if target == "/manifest.json":
        # The new feed went up (its media are complete); only the record of it failed.
        assert _body(s3, bucket, "feed.xml") == render_test_feed(v2, title="v2")
        assert all(_head(s3, bucket, m.key) for m in v2)
    else:
        assert _body(s3, bucket, "feed.xml") == feed_before
    assert _body(s3, bucket, MANIFEST_KEY) == manifest_before
    assert _head(s3, bucket, LOCK_KEY) is None
    # A later run finishes the job.
    report = publish_objects(storage, v2, [feed_object(render_test_feed(v2, title="v2"))])
    assert report.changed and b"v2" in (_body(s3, bucket, "feed.xml") or b"")
    storage.close()


def test_concurrent_publishes_serialise_and_keep_every_object(
    proxy: FaultProxy, s3: Any, bucket: str
) -> None:
    proxy.reset()
    results: dict[str, Any] = {}
    sets = {tag: media_set(8, 200_000, tag=tag) for tag in ("x", "y")}

    def run(tag: str) -> None:
        st = S3Storage(bucket, "show", endpoint_url=proxy.url)
        try:
            results[tag] = publish_objects(
                st,
                sets[tag],
                [feed_object(render_test_feed(sets[tag], title=tag))],
                lock_timeout_s=60,
            )
        except Exception as e:
            results[tag] = e
        finally:
            st.close()

    threads = [threading.Thread(target=run, args=(tag,)) for tag in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(r.changed for r in results.values()), results
    manifest = json.loads(_body(s3, bucket, MANIFEST_KEY) or b"")
    for objects in sets.values():
        for m in objects:
            assert manifest[m.key]["sha256"] == m.sha256
            head = _head(s3, bucket, m.key)
            assert head is not None and head["ContentLength"] == m.size_bytes
    assert _head(s3, bucket, LOCK_KEY) is None


def test_lock_held_by_live_publisher_raises_publish_locked(
    storage: S3Storage, s3: Any, bucket: str
) -> None:
    lock = {"expires_at": time.time() + 600, "host": "other-host", "owner": "x", "pid": 1}
    s3.put_object(Bucket=bucket, Key=f"show/{LOCK_KEY}", Body=json.dumps(lock).encode())
    media = media_set(1, 100)
    started = time.monotonic()
    with pytest.raises(PublishLocked, match=r"another publish .*other-host"):
        publish_objects(storage, media, [], lock_timeout_s=1.0)
    assert time.monotonic() - started < 10
    assert _body(s3, bucket, MANIFEST_KEY) is None


def test_stale_lock_is_broken(storage: S3Storage, s3: Any, bucket: str) -> None:
    lock = {"expires_at": time.time() - 1, "host": "other-host", "owner": "x", "pid": 1}
    s3.put_object(Bucket=bucket, Key=f"show/{LOCK_KEY}", Body=json.dumps(lock).encode())
    media = media_set(1, 100)
    assert publish_objects(storage, media, [], lock_timeout_s=1.0).changed
    assert _head(s3, bucket, LOCK_KEY) is None


def test_before_documents_runs_after_media_and_can_stop_the_publish(
    storage: S3Storage, s3: Any, bucket: str
) -> None:
    media = media_set(3, 100)
    seen: list[bool] = []

    class Refused(StorageError):
        pass

    def guard(st: Any) -> None:
        seen.append(all(st.head(m.key) is not None for m in media))
        raise Refused("guard says no")

    with pytest.raises(Refused):
        publish_objects(storage, media, [feed_object(b"<rss/>")], before_documents=guard)
    assert seen == [True]
    assert _body(s3, bucket, "feed.xml") is None and _body(s3, bucket, MANIFEST_KEY) is None
    assert _head(s3, bucket, LOCK_KEY) is None
