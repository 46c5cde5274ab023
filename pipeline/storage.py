"""Object storage: open the one a show names; the local-folder implementation.

The S3 implementation is :mod:`pipeline.s3` (boto3 is imported only for shows that use it);
the interface and object types are :mod:`pipeline.objects`.

Keys are ``/``-separated ASCII paths (``media/0001-intro-3f2a9c1d.mp3``, ``feed.xml``). Writes are
atomic in both implementations: a reader sees the old object or the new one, never a part.
Besides plain ``get``/``head``/``put`` the interface offers the few primitives a safe publisher
needs: ``fetch`` (body and ETag), ``put_if`` (``If-Match`` / ``If-None-Match``), ``delete`` with
``If-Match``, ``list`` and ``hash_sha256``.

Credentials for S3 come only from boto3's standard chain (environment, profile, instance role);
nothing here reads, logs or stores them, and ``description`` never contains them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.confine import CatalogFile, check_storage_folder
from pipeline.errors import (
    PreconditionFailed,
    StorageError,
    UploadFailed,
)
from pipeline.objects import (
    TEMP_MARK,
    FetchedObject,
    ProgressCallback,
    Storage,
    StoredObject,
    validate_key,
)

log = logging.getLogger(__name__)


def open_storage(
    url: str,
    *,
    workspace: Path,
    endpoint_url: str | None = None,
    max_attempts: int = 10,
) -> Storage:
    """Open the storage a show's settings name.

    Args:
        url: ``s3://BUCKET[/PREFIX]``, or a folder (relative paths are under ``workspace``;
            ``""`` means ``public``; see :func:`pipeline.confine.check_storage_folder`).
        workspace: the show workspace directory.
        endpoint_url: S3 endpoint overriding boto3's own configuration (``AWS_ENDPOINT_URL``,
            ``AWS_ENDPOINT_URL_S3``, the profile's ``endpoint_url``).
        max_attempts: boto3 attempts per request for writes (reads fail faster).

    Raises:
        StorageError: the URL is unusable.
        FieldInvalid: a folder outside the workspace that is not allowed (``/``, a parent
            of the workspace, a system folder).
    """
    if url.startswith("s3://"):
        parts = urlsplit(url)
        bucket = parts.netloc
        if not bucket:
            raise StorageError(f"{url}: storage URL names no bucket (s3://BUCKET/PREFIX)")
        from .s3 import S3Storage  # boto3: only for shows that publish to S3

        return S3Storage(
            bucket, parts.path.strip("/"), endpoint_url=endpoint_url, max_attempts=max_attempts
        )
    if "://" in url:
        raise StorageError(f"{url}: unsupported storage URL (use a folder or s3://BUCKET/PREFIX)")
    # Inside the workspace, or an absolute folder of its own: never /, .., or /etc.
    return LocalFolderStorage(check_storage_folder(url, workspace=workspace))


# --------------------------------------------------------------------------------------------
# Local folder


def _md5_etag(body: bytes) -> str:
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


class LocalFolderStorage:
    """Objects as files under a folder; every write is a temp file + ``os.replace``.

    Conditional writes and deletes hold an exclusive ``flock`` on ``_kotocast/.cas`` while they
    compare and swap, so they are atomic between processes on the same machine.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.description = f"folder {self.root}"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as e:
            raise StorageError(f"{self.description}: {key}: cannot read: {e.strerror}") from e

    def fetch(self, key: str) -> FetchedObject | None:
        body = self.get(key)
        return None if body is None else FetchedObject(key, body, _md5_etag(body))

    def head(self, key: str) -> StoredObject | None:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return StoredObject(key, st.st_size, None)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    st = os.stat(os.path.join(dirpath, name))
                    yield StoredObject(key, st.st_size, None)

    def hash_sha256(self, key: str) -> str | None:
        digest = hashlib.sha256()
        try:
            with self._path(key).open("rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return digest.hexdigest()

    def _write_atomic(self, key: str, source: Path | bytes | CatalogFile) -> int:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARK}")
            try:
                with os.fdopen(fd, "wb") as out:
                    if isinstance(source, bytes):
                        out.write(source)
                    else:
                        with source.open("rb") as src:
                            shutil.copyfileobj(src, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
                    size = out.tell()
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as e:
            raise UploadFailed(f"{self.description}: {key}: cannot write: {e.strerror}") from e
        return size

    def put(
        self,
        key: str,
        source: Path | bytes | CatalogFile,
        *,
        content_type: str,
        cache_control: str,
        content_disposition: str | None = None,
        sha256: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        # A folder has nowhere to keep Content-Type / Cache-Control: `serve` derives the type
        # from the extension, as a static web server in front of the folder would.
        size = self._write_atomic(key, source)
        if progress is not None:
            progress(size)

    @contextlib.contextmanager
    def _cas_lock(self) -> Iterator[None]:
        lock_path = self.root / "_kotocast" / ".cas"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a+b") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _check(self, key: str, if_match: str | None, if_none_match: bool) -> None:
        current = self.fetch(key)
        if if_none_match and current is not None:
            raise PreconditionFailed(f"{self.description}: {key}: already exists")
        if if_match is not None and (current is None or current.etag != if_match):
            raise PreconditionFailed(f"{self.description}: {key}: changed since it was read")

    def put_if(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        with self._cas_lock():
            self._check(key, if_match, if_none_match)
            self._write_atomic(key, body)
        return _md5_etag(body)

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        with self._cas_lock():
            self._check(key, if_match, False)
            with contextlib.suppress(FileNotFoundError):
                self._path(key).unlink()

    def close(self) -> None:
        pass
