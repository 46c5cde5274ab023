"""Nothing outside the workspace is published: symlinks, FIFOs, tampered bytes, storage folders.

Real files and symlinks in a temp workspace, published through the real sync code to a local
folder and to the S3 test server (moto_server on 127.0.0.1).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from episodes.errors import FieldInvalid
from episodes.model import Asset
from pipeline.confine import CatalogFile, SourceRefused, check_storage_folder, hash_confined
from pipeline.publish import media_objects
from pipeline.s3 import S3Storage
from pipeline.storage import LocalFolderStorage, open_storage
from pipeline.sync import publish_objects
from tests.storage.conftest import feed_object, render_test_feed

SECRET = b"[default]\naws_secret_access_key = kotoSECRETleak0123456789\n"


def _asset(rel: str, data: bytes) -> Asset:
    return Asset(
        path=rel,
        key=rel,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        mime_type="audio/mpeg",
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "show"
    (ws / "media").mkdir(parents=True)
    (tmp_path / "credentials").write_bytes(SECRET)
    return ws


def _publish_one(storage: object, ws: Path, asset: Asset) -> None:
    media = [CatalogFile(ws, asset.path, asset.size_bytes, asset.sha256)]
    objects = [
        pytest.importorskip("pipeline.sync").PublishObject(
            key=asset.key,
            source=media[0],
            content_type=asset.mime_type,
            cache_control="public",
            sha256=asset.sha256,
            size_bytes=asset.size_bytes,
            immutable=True,
        )
    ]
    feed = feed_object(render_test_feed(objects))
    publish_objects(storage, objects, [feed])  # type: ignore[arg-type]


def test_symlinked_media_is_refused_before_anything_is_published(
    workspace: Path, tmp_path: Path
) -> None:
    # The attack: a symlink to a credentials file, catalogued with its true size and sha256.
    os.symlink(tmp_path / "credentials", workspace / "media" / "bonus-1a2b.mp3")
    asset = _asset("media/bonus-1a2b.mp3", SECRET)
    with pytest.raises(
        SourceRefused, match=r"media/bonus-1a2b\.mp3: 'bonus-1a2b\.mp3' is a symlink"
    ):
        media_objects(workspace, [], asset)
    # Even handed straight to storage (a plan made before the swap), it is never read.
    public = workspace / "public"
    with pytest.raises(SourceRefused, match="symlink"):
        _publish_one(LocalFolderStorage(public), workspace, asset)
    leaked = [p for p in public.rglob("*") if p.is_file() and p.read_bytes() == SECRET]
    assert leaked == []
    assert not (public / "feed.xml").exists()


def test_a_symlinked_folder_on_the_way_is_refused(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "ep.mp3").write_bytes(SECRET)
    os.symlink(outside, workspace / "images")
    with pytest.raises(SourceRefused, match="'images' is a symlink"):
        CatalogFile(
            workspace, "images/ep.mp3", len(SECRET), hashlib.sha256(SECRET).hexdigest()
        ).check()
    with pytest.raises(SourceRefused, match="symlink"):
        hash_confined(workspace, "images/ep.mp3")
    # A symlink pointing back inside the workspace is refused too: kotocast never makes one.
    (workspace / "media" / "real.mp3").write_bytes(b"ID3")
    os.symlink("real.mp3", workspace / "media" / "alias.mp3")
    with pytest.raises(SourceRefused, match="symlink"):
        hash_confined(workspace, "media/alias.mp3")


def test_a_fifo_or_folder_is_refused_without_hanging(workspace: Path) -> None:
    os.mkfifo(workspace / "media" / "pipe.mp3")
    with pytest.raises(SourceRefused, match="not a regular file"):
        CatalogFile(workspace, "media/pipe.mp3", 10, "0" * 64).check()
    (workspace / "media" / "dir.mp3").mkdir()
    with pytest.raises(SourceRefused, match="not a regular file"):
        hash_confined(workspace, "media/dir.mp3")
    for bad in ("../credentials", "/etc/passwd", "media/../../credentials"):
        with pytest.raises(SourceRefused, match="not a path inside the workspace"):
            hash_confined(workspace, bad)


def test_tampered_media_same_size_is_refused_local(workspace: Path) -> None:
    good = b"ID3" + bytes(range(256)) * 400
    asset = _asset("media/ep-1.mp3", good)
    tampered = bytearray(good)
    tampered[5000] ^= 0xFF  # same size, other bytes
    (workspace / "media" / "ep-1.mp3").write_bytes(bytes(tampered))
    public = workspace / "public"
    with pytest.raises(SourceRefused, match=r"media/ep-1\.mp3: its sha256 is not the catalog's"):
        _publish_one(LocalFolderStorage(public), workspace, asset)
    assert not (public / "media" / "ep-1.mp3").exists()
    assert [p.name for p in (public / "media").iterdir()] == []  # no temp file left
    assert not (public / "feed.xml").exists()
    # The honest file publishes.
    (workspace / "media" / "ep-1.mp3").write_bytes(good)
    _publish_one(LocalFolderStorage(public), workspace, asset)
    assert (public / "media" / "ep-1.mp3").read_bytes() == good


def test_symlink_and_tampering_refused_on_s3(
    workspace: Path, tmp_path: Path, storage: S3Storage, s3: object, bucket: str
) -> None:
    os.symlink(tmp_path / "credentials", workspace / "media" / "bonus-1a2b.mp3")
    with pytest.raises(SourceRefused, match="symlink"):
        _publish_one(storage, workspace, _asset("media/bonus-1a2b.mp3", SECRET))
    # Larger than the multipart threshold (5 MiB here): the mismatch is in the last part.
    good = hashlib.sha256(b"x").digest() * (6 * 1024 * 1024 // 32)
    bad = good[:-1] + b"!"
    (workspace / "media" / "big.mp3").write_bytes(bad)
    with pytest.raises(SourceRefused, match="sha256 is not the catalog's"):
        _publish_one(storage, workspace, _asset("media/big.mp3", good))
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])  # type: ignore[attr-defined]
    keys = {o["Key"] for o in listed}
    assert "show/media/bonus-1a2b.mp3" not in keys and "show/media/big.mp3" not in keys
    assert "show/feed.xml" not in keys
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])  # type: ignore[attr-defined]
    assert uploads == []
    (workspace / "media" / "big.mp3").write_bytes(good)
    _publish_one(storage, workspace, _asset("media/big.mp3", good))
    body = s3.get_object(Bucket=bucket, Key="show/media/big.mp3")["Body"].read()  # type: ignore[attr-defined]
    assert body == good


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("/", "top-level"),
        ("..", "inside the workspace"),
        (".", "inside the workspace"),
        ("public/../..", "inside the workspace"),
        ("/etc/kotocast", "system folder /etc"),
        ("/usr/share/show", "system folder /usr"),
        ("/srv", "top-level"),
        ("~", "home folder"),
        ("~/.aws/public", "hidden"),
    ],
)
def test_unsafe_storage_folders_are_refused(
    workspace: Path, tmp_path: Path, url: str, why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "producer"))
    with pytest.raises(FieldInvalid, match=why):
        open_storage(url, workspace=workspace)


def test_storage_folder_above_the_workspace_or_through_a_symlink_is_refused(
    workspace: Path, tmp_path: Path
) -> None:
    with pytest.raises(FieldInvalid, match="folder above it"):
        check_storage_folder(str(tmp_path), workspace=workspace)
    os.symlink(tmp_path, workspace / "out")
    with pytest.raises(FieldInvalid, match="inside the workspace"):
        check_storage_folder("out", workspace=workspace)


def test_safe_storage_folders_are_allowed(workspace: Path, tmp_path: Path) -> None:
    assert check_storage_folder("public", workspace=workspace) == (workspace / "public").resolve()
    assert check_storage_folder("", workspace=workspace) == (workspace / "public").resolve()
    assert check_storage_folder("site/out", workspace=workspace).is_relative_to(workspace.resolve())
    beside = tmp_path / "www" / "show"
    assert check_storage_folder(str(beside), workspace=workspace) == beside.resolve()
