"""Storage objects, keys and the interface every storage implements (:class:`Storage`).

Keys are ``/``-separated ASCII paths (``media/0001-intro-3f2a9c1d.mp3``, ``feed.xml``). The
implementations are :class:`pipeline.storage.LocalFolderStorage` and
:class:`pipeline.s3.S3Storage`; :func:`pipeline.storage.open_storage` picks one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.confine import CatalogFile
from pipeline.errors import (
    KeyInvalid,
)

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]
"""Called with the number of bytes just transferred (a delta, as in s3transfer)."""

_SEGMENT = re.compile(r"[A-Za-z0-9_~+=,@-][A-Za-z0-9._~+=,@-]*")
_MAX_KEY_BYTES = 1024
TEMP_MARK = ".kotocast-tmp-"


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What storage knows about one object without reading it."""

    key: str
    size_bytes: int
    etag: str | None
    sha256: str | None = None  # as recorded at upload (S3 metadata); None when unknown


@dataclass(frozen=True, slots=True)
class FetchedObject:
    """A small object read whole, with the ETag to make a conditional write against."""

    key: str
    body: bytes
    etag: str


class Storage(Protocol):
    """Where a show's published objects live."""

    description: str

    def get(self, key: str) -> bytes | None:
        """Return the object's bytes, or None when absent."""
        ...

    def fetch(self, key: str) -> FetchedObject | None:
        """Return the object's bytes and ETag, or None when absent."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """Return the object's size and ETag, or None when absent."""
        ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Yield every object whose key starts with ``prefix``."""
        ...

    def hash_sha256(self, key: str) -> str | None:
        """Stream the object and return its SHA-256 hex digest, or None when absent."""
        ...

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
        """Write the whole object atomically, replacing any previous version."""
        ...

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
        """Write a small object only if the condition holds; return its new ETag.

        Raises:
            PreconditionFailed: another version is in place (or none, for ``if_match``).
        """
        ...

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        """Delete the object (absent is fine); with ``if_match`` only that version."""
        ...

    def close(self) -> None:
        """Release connections and threads."""
        ...


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe, portable object key.

    A key is ``/``-separated segments of ASCII letters, digits and ``._~+=,@-``; no segment is
    empty or starts with a dot (so no ``..``, no hidden files, no absolute paths), at most
    1024 bytes. The same rule holds for both implementations, since keys become URLs and, in
    the local folder, file paths.

    Raises:
        KeyInvalid: the key breaks the rule.
    """
    if not isinstance(key, str) or not key:
        raise KeyInvalid(f"{key!r}: object key is empty")
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise KeyInvalid(f"{key[:60]!r}...: object key is longer than {_MAX_KEY_BYTES} bytes")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise KeyInvalid(
                f"{key!r}: unsafe object key (segment {segment!r}; allowed: ASCII letters, "
                "digits and ._~+=,@- , no empty segment, none starting with '.')"
            )
    return key
