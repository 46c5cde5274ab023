"""Local-folder storage: the same semantics as S3 (atomic writes, manifest, immutables, keys)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from pipeline.errors import KeyInvalid, ObjectConflict, PreconditionFailed, StorageError
from pipeline.publish_lock import LOCK_KEY
from pipeline.storage import LocalFolderStorage, open_storage, validate_key
from pipeline.sync import MANIFEST_KEY, publish_objects

from .conftest import feed_object, media_object, media_set, render_test_feed


@pytest.fixture()
def folder(tmp_path: Path) -> LocalFolderStorage:
    storage = open_storage("", workspace=tmp_path)
    assert isinstance(storage, LocalFolderStorage)
    return storage


def test_open_storage_resolves_folders(tmp_path: Path) -> None:
    assert open_storage("", workspace=tmp_path).description == f"folder {tmp_path / 'public'}"
    assert open_storage("out/site", workspace=tmp_path).description.endswith("out/site")
    assert open_storage(str(tmp_path / "abs"), workspace=Path("/")).description.endswith("/abs")
    with pytest.raises(StorageError, match="unsupported"):
        open_storage("ftp://host/x", workspace=tmp_path)
    with pytest.raises(StorageError, match="no bucket"):
        open_storage("s3:///prefix", workspace=tmp_path)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../outside.mp3",
        "media/../../x",
        "media/./x",
        "media//x",
        "media/",
        ".hidden",
        "media/.x.kotocast-tmp-1",
        "jäätelö.mp3",
        "with space.mp3",
        "back\\slash",
        "nul\x00.mp3",
        "a" * 1100,
    ],
)
def test_unsafe_keys_are_refused(folder: LocalFolderStorage, key: str) -> None:
    with pytest.raises(KeyInvalid):
        validate_key(key)
    with pytest.raises(KeyInvalid):
        folder.put(key, b"x", content_type="audio/mpeg", cache_control="x")
    with pytest.raises(KeyInvalid):
        publish_objects(folder, [media_object(key, b"x")], [])
    assert not (folder.root.parent / "outside.mp3").exists()


@pytest.mark.parametrize(
    "key", ["feed.xml", "media/0001-kahvi-3fa2.mp3", "a/b/c_d~e+f=g,h@i-j.vtt"]
)
def test_safe_keys_are_accepted(key: str) -> None:
    assert validate_key(key) == key


def test_put_is_atomic_and_leaves_no_temp_files(folder: LocalFolderStorage, tmp_path: Path) -> None:
    src = tmp_path / "src.mp3"
    src.write_bytes(b"a" * 100_000)
    got: list[int] = []
    folder.put(
        "media/x.mp3", src, content_type="audio/mpeg", cache_control="x", progress=got.append
    )
    folder.put("media/x.mp3", b"new", content_type="audio/mpeg", cache_control="x")
    assert folder.get("media/x.mp3") == b"new"
    assert got == [100_000]
    assert sorted(p.name for p in (folder.root / "media").iterdir()) == ["x.mp3"]
    assert [o.key for o in folder.list()] == ["media/x.mp3"]


def test_failed_write_keeps_the_old_file(folder: LocalFolderStorage, tmp_path: Path) -> None:
    folder.put("feed.xml", b"old", content_type="application/rss+xml", cache_control="x")
    with pytest.raises(StorageError):
        folder.put(
            "feed.xml", tmp_path / "missing", content_type="application/rss+xml", cache_control="x"
        )
    assert folder.get("feed.xml") == b"old"
    assert [p.name for p in folder.root.iterdir() if p.is_file()] == ["feed.xml"]


def test_conditional_writes(folder: LocalFolderStorage) -> None:
    etag = folder.put_if("k.json", b"1", content_type="j", cache_control="c", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        folder.put_if("k.json", b"2", content_type="j", cache_control="c", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        folder.put_if("k.json", b"2", content_type="j", cache_control="c", if_match='"nope"')
    etag2 = folder.put_if("k.json", b"2", content_type="j", cache_control="c", if_match=etag)
    assert folder.fetch("k.json") is not None and folder.fetch("k.json").etag == etag2  # type: ignore[union-attr]
    with pytest.raises(PreconditionFailed):
        folder.delete("k.json", if_match=etag)
    folder.delete("k.json", if_match=etag2)
    assert folder.get("k.json") is None
    folder.delete("k.json")  # absent is fine


def test_publish_manifest_and_no_change(folder: LocalFolderStorage) -> None:
    media = media_set(5, 1000)
    feed = feed_object(render_test_feed(media))
    first = publish_objects(folder, media, [feed])
    assert first.changed and len(first.uploaded) == 6
    manifest_bytes = folder.get(MANIFEST_KEY)
    manifest = json.loads(manifest_bytes or b"")
    assert list(manifest) == sorted(manifest)
    assert manifest[media[0].key] == {
        "content_type": "audio/mpeg",
        "sha256": media[0].sha256,
        "size": 1000,
    }
    assert folder.get(LOCK_KEY) is None

    # mtimes do not matter: only content does.
    for path in folder.root.rglob("*.mp3"):
        os.utime(path, (1, 1))
    second = publish_objects(folder, media, [feed])
    assert not second.changed and second.bytes_uploaded == 0
    assert folder.get(MANIFEST_KEY) == manifest_bytes


def test_immutable_never_overwritten(folder: LocalFolderStorage) -> None:
    folder.put("media/ep.mp3", b"original", content_type="audio/mpeg", cache_control="x")
    with pytest.raises(ObjectConflict, match="never overwritten"):
        publish_objects(folder, [media_object("media/ep.mp3", b"replaced")], [])
    with pytest.raises(ObjectConflict):
        publish_objects(folder, [media_object("media/ep.mp3", b"originaX")], [])  # same size
    assert folder.get("media/ep.mp3") == b"original"
    # The same bytes already there (say, from a killed run) are adopted.
    assert publish_objects(folder, [media_object("media/ep.mp3", b"original")], []).uploaded == ()


def test_published_immutable_with_new_bytes_is_refused(folder: LocalFolderStorage) -> None:
    publish_objects(folder, [media_object("media/ep.mp3", b"v1")], [])
    with pytest.raises(ObjectConflict):
        publish_objects(folder, [media_object("media/ep.mp3", b"v2")], [])
    assert folder.get("media/ep.mp3") == b"v1"


def test_unreadable_manifest_heals(folder: LocalFolderStorage) -> None:
    media = media_set(2, 100)
    publish_objects(folder, media, [])
    folder.put(MANIFEST_KEY, b"{not json", content_type="application/json", cache_control="x")
    report = publish_objects(folder, media, [])
    assert report.changed and report.uploaded == ()
    assert sorted(json.loads(folder.get(MANIFEST_KEY) or b"")) == sorted(m.key for m in media)


def test_lost_manifest_response_is_recognised_as_own_write(folder: LocalFolderStorage) -> None:
    """A conditional write that succeeded but whose response was lost comes back 412."""

    class LostResponse(LocalFolderStorage):
        def put_if(self, key: str, body: bytes, **kwargs: object) -> str:  # type: ignore[override]
            etag = super().put_if(key, body, **kwargs)  # type: ignore[arg-type]
            if key == MANIFEST_KEY:
                raise PreconditionFailed("412 on the retry of a write that went through")
            return etag

    flaky = LostResponse(folder.root)
    assert publish_objects(flaky, media_set(2, 100), []).changed


def test_manifest_changed_by_someone_else_is_a_conflict(folder: LocalFolderStorage) -> None:
    class Meddler(LocalFolderStorage):
        def put_if(self, key: str, body: bytes, **kwargs: object) -> str:  # type: ignore[override]
            if key == MANIFEST_KEY:
                LocalFolderStorage.put(self, key, b"{}", content_type="j", cache_control="x")
            return super().put_if(key, body, **kwargs)  # type: ignore[arg-type]

    with pytest.raises(ObjectConflict, match="another publish"):
        publish_objects(Meddler(folder.root), media_set(1, 100), [])


def test_concurrent_local_publishes(folder: LocalFolderStorage) -> None:
    sets = [media_set(10, 50_000, tag=t) for t in "pqr"]
    errors: list[BaseException] = []

    def run(objects: list) -> None:  # type: ignore[type-arg]
        try:
            publish_objects(LocalFolderStorage(folder.root), objects, [], lock_timeout_s=30)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(s,)) for s in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    manifest = json.loads(folder.get(MANIFEST_KEY) or b"")
    assert len(manifest) == 30


def test_documents_are_written_in_order_after_media(folder: LocalFolderStorage) -> None:
    order: list[str] = []

    class Recording(LocalFolderStorage):
        def put(self, key: str, source: object, **kwargs: object) -> None:  # type: ignore[override]
            order.append(key)
            super().put(key, source, **kwargs)  # type: ignore[arg-type]

    media = media_set(6, 100)
    docs = [feed_object(b"<html/>", "index.html"), feed_object(b"<rss/>", "feed.xml")]
    publish_objects(Recording(folder.root), media, docs)
    assert set(order[:6]) == {m.key for m in media}
    assert order[6:] == ["index.html", "feed.xml"]
