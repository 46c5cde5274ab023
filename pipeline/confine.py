"""Keep what kotocast publishes inside the workspace, and storage folders where they belong.

Publishing copies files named by the catalog to a public place. A workspace may come from
someone else (a pull request to a show repository whose CI publishes), so a catalog entry
``media/bonus.mp3`` that is a symlink to ``~/.aws/credentials`` must not be published. The
check is made when the file is opened, not on the path string: every folder below the
workspace is opened with ``O_NOFOLLOW`` relative to its parent, so no symlink (in the last
component or in a folder on the way) and no FIFO/device is ever read. Any symlink below the
workspace is refused, even one that points back inside: kotocast itself never makes one.

While the bytes stream to storage they are counted and hashed; a file whose size or sha256
differs from the catalog stops the publish with the file named (published media never change
under the same key).

Storage folders (``[storage] url``, ``import --storage``): see :func:`check_storage_folder`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from episodes.errors import FieldInvalid

from .errors import PipelineError

HASH_CHUNK_BYTES = 1 << 20


class SourceRefused(PipelineError):
    """A catalog file is not a regular file inside the workspace, or its bytes changed."""


def _open_flags() -> int:
    return os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def open_confined(root: Path, relative: str) -> int:
    """Open ``root/relative`` for reading without following any symlink below ``root``.

    Returns:
        A file descriptor of a regular file (the caller closes it).

    Raises:
        SourceRefused: the path is absolute or has ``..``, a component is a symlink, the file
            is missing, or it is not a regular file (FIFO, device, folder).
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in ("..", ".") for p in parts):
        raise SourceRefused(f"{relative}: not a path inside the workspace")
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    directory = getattr(os, "O_DIRECTORY", 0)
    try:
        dir_fd = os.open(root, _open_flags() | directory)
    except OSError as exc:
        raise SourceRefused(f"{root}: cannot open the workspace: {exc.strerror}") from None
    try:
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, _open_flags() | directory | nofollow, dir_fd=dir_fd)
            except OSError as exc:
                raise SourceRefused(_why(relative, part, exc)) from None
            os.close(dir_fd)
            dir_fd = next_fd
        try:
            # O_NONBLOCK: opening a FIFO must not hang; fstat below refuses it anyway.
            fd = os.open(parts[-1], _open_flags() | nofollow | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError as exc:
            raise SourceRefused(_why(relative, parts[-1], exc)) from None
    finally:
        os.close(dir_fd)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SourceRefused(f"{relative}: not a regular file; only regular files are published")
    os.set_blocking(fd, True)
    return fd


def check_files(root: Path, files: list[CatalogFile]) -> None:
    """Check many catalog files before any upload: one ``lstat`` each, folders opened once.

    The same rules as :func:`open_confined` (folders opened with ``O_NOFOLLOW`` from the
    workspace down; the file itself must be a regular file, not a symlink) and the catalog's
    size, at the cost of one system call per file, so a no-change scheduled publish of a
    large show stays cheap. The bytes are still checked when they are read for upload.

    Raises:
        SourceRefused: the first file that is a symlink, not regular, missing or resized.
    """
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    directory = getattr(os, "O_DIRECTORY", 0)
    fds: dict[tuple[str, ...], int] = {}
    try:
        try:
            fds[()] = os.open(root, _open_flags() | directory)
        except OSError as exc:
            raise SourceRefused(f"{root}: cannot open the workspace: {exc.strerror}") from None
        for entry in files:
            rel = PurePosixPath(entry.relative)
            parts = rel.parts
            if not parts or rel.is_absolute() or any(p in ("..", ".") for p in parts):
                raise SourceRefused(f"{entry.relative}: not a path inside the workspace")
            for depth in range(1, len(parts)):
                if parts[:depth] in fds:
                    continue
                try:
                    fds[parts[:depth]] = os.open(
                        parts[depth - 1],
                        _open_flags() | directory | nofollow,
                        dir_fd=fds[parts[: depth - 1]],
                    )
                except OSError as exc:
                    raise SourceRefused(_why(entry.relative, parts[depth - 1], exc)) from None
            try:
                st = os.stat(parts[-1], dir_fd=fds[parts[:-1]], follow_symlinks=False)
            except OSError as exc:
                raise SourceRefused(_why(entry.relative, parts[-1], exc)) from None
            if stat.S_ISLNK(st.st_mode):
                raise SourceRefused(
                    _why(entry.relative, parts[-1], OSError(errno.ELOOP, "symlink"))
                )
            if not stat.S_ISREG(st.st_mode):
                raise SourceRefused(
                    f"{entry.relative}: not a regular file; only regular files are published"
                )
            if st.st_size != entry.size_bytes:
                raise SourceRefused(
                    f"{entry.relative}: is {st.st_size} bytes but the catalog says "
                    f"{entry.size_bytes}; it was changed after 'kotocast add' (published media "
                    "must not change)"
                )
    finally:
        for fd in fds.values():
            os.close(fd)


def _why(relative: str, part: str, exc: OSError) -> str:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return (
            f"{relative}: {part!r} is a symlink (or not a folder); kotocast publishes only "
            "regular files inside the workspace"
        )
    if exc.errno == errno.ENOENT:
        return f"{relative}: is listed in the catalog but missing from the workspace"
    return f"{relative}: cannot open: {exc.strerror}"


def hash_confined(root: Path, relative: str) -> tuple[int, str]:
    """Return ``(size_bytes, sha256)`` of a regular file inside ``root`` (no symlinks).

    Raises:
        SourceRefused: as :func:`open_confined`.
    """
    fd = open_confined(root, relative)
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """A workspace file as the catalog describes it; :meth:`open` reads it checked.

    Storage treats it like a :class:`~pathlib.Path` (``source.open("rb")``), so both storage
    implementations stream it and the check happens in the same read as the upload.
    """

    root: Path
    relative: str
    size_bytes: int
    sha256: str

    def check(self) -> None:
        """Open the file once now (to fail before any upload) and compare its size.

        Raises:
            SourceRefused: a symlink, not a regular file, missing, or another size.
        """
        fd = open_confined(self.root, self.relative)
        try:
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size != self.size_bytes:
            raise SourceRefused(
                f"{self.relative}: is {size} bytes but the catalog says {self.size_bytes}; it "
                "was changed after 'kotocast add' (published media must not change)"
            )

    def open(self, mode: str = "rb") -> _VerifyingReader:
        """Open for reading; the reader raises SourceRefused if the bytes differ."""
        if mode != "rb":
            raise ValueError("CatalogFile opens for reading only")
        return _VerifyingReader(open_confined(self.root, self.relative), self)

    def __str__(self) -> str:
        return str(self.root / self.relative)


class _VerifyingReader:
    """A read-only, non-seekable stream of exactly ``size_bytes`` that checks the sha256."""

    def __init__(self, fd: int, entry: CatalogFile) -> None:
        self._file = os.fdopen(fd, "rb")
        self._entry = entry
        self._digest = hashlib.sha256()
        self._left = entry.size_bytes
        self._verified = False

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            self._verify()
            return b""
        want = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(want)
        if not data:
            raise SourceRefused(
                f"{self._entry.relative}: ended {self._left} bytes early while being "
                "published; it was changed after 'kotocast add'"
            )
        self._digest.update(data)
        self._left -= len(data)
        if self._left == 0:
            self._verify()
        return data

    def _verify(self) -> None:
        if self._verified:
            return
        self._verified = True
        if self._digest.hexdigest() != self._entry.sha256:
            raise SourceRefused(
                f"{self._entry.relative}: its sha256 is not the catalog's; the file was "
                "changed after 'kotocast add' (published media must not change); nothing "
                "was published from it"
            )

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> _VerifyingReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# Folders a storage URL may never name or lie under: the system's own. Top-level folders
# themselves (/srv, /var, /home, /tmp...) are refused too: storage is a folder of its own.
_SYSTEM_PREFIXES = (
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/run",
    "/var/lib",
    "/var/run",
    "/var/log",
    "/root/.ssh",
)


def check_storage_folder(url: str, *, workspace: Path, field: str = "storage.url") -> Path:
    """Return the folder a local storage URL names, refusing unsafe ones.

    A relative folder must stay strictly inside the workspace (``public``, ``site/out``; not
    ``.``, not ``..``, not a symlink leading out). An absolute folder (``/srv/www/show``,
    ``~/sites/show``) is the producer's explicit choice and is allowed unless it is ``/`` or
    another top-level folder, the workspace or one of its parents, a home folder itself, a
    hidden folder (``~/.ssh``, ``~/.aws``) or under a system folder (``/etc``, ``/usr``...).

    Raises:
        FieldInvalid: the folder is not allowed (a settings error, exit 1; names ``field``).
    """
    raw = url or "public"
    folder = Path(raw).expanduser()
    ws = workspace.resolve()
    if not folder.is_absolute():
        real = (ws / folder).resolve()
        if real == ws or not real.is_relative_to(ws):
            raise FieldInvalid(
                field,
                f"{url!r}: a relative storage folder must be a folder inside the workspace "
                f"(e.g. 'public'); {real} is not",
            )
        return real
    real = folder.resolve()
    why = _absolute_refusal(real, ws)
    if why:
        raise FieldInvalid(field, f"{url!r}: {real} {why}; use a folder of its own")
    return real


def _absolute_refusal(real: Path, workspace: Path) -> str | None:
    if len(real.parts) <= 2:
        return "is the root or a top-level folder"
    if workspace == real or workspace.is_relative_to(real):
        return "is the workspace or a folder above it (it would publish the workspace)"
    text = real.as_posix()
    for prefix in _SYSTEM_PREFIXES:
        if text == prefix or text.startswith(prefix + "/"):
            return f"is under the system folder {prefix}"
    if real == Path.home().resolve() or real.parent == Path("/home"):
        return "is a home folder"
    if any(part.startswith(".") for part in real.parts[1:]):
        return "is a hidden folder or inside one"
    return None


__all__ = [
    "CatalogFile",
    "SourceRefused",
    "check_storage_folder",
    "hash_confined",
    "open_confined",
]
