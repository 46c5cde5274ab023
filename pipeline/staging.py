"""Who owns a staging folder, and removing the ones a killed run left behind.

A command that stages files (``add``, ``import``, a video episode) makes a folder under
``.kotocast/staging/`` and removes it when it ends, however it ends — except after SIGKILL,
the OOM killer or a power cut, where no code runs. Then an encode's ``*.tmp`` of up to
a hundred megabytes stays. So the folder is *claimed*: an exclusive ``flock`` on its
``.owner`` file, held for the command's lifetime. The kernel drops the lock when the process
dies, however it dies, so the next command can tell a folder in use from a leftover without
trusting pids (which are reused) or clocks.

Folders without an ``.owner`` file (made before claiming existed, or in the instant between
``mkdtemp`` and the claim) count as leftovers only when nothing in them has changed for
:data:`UNCLAIMED_GRACE_S` seconds: a running encode touches its output every second.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

STAGING_DIR = ".kotocast/staging"
OWNER_FILE = ".owner"
UNCLAIMED_GRACE_S = 600.0


class StagingClaim:
    """An exclusive lock on one staging folder, held until :meth:`release` or process death."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = os.open(folder / OWNER_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(self._fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise

    def release(self) -> None:
        """Drop the lock (the folder itself is the caller's to remove)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def claim_staging(folder: Path) -> StagingClaim:
    """Mark ``folder`` as in use by this process until the claim is released or we die.

    Raises:
        OSError: the folder cannot be written (e.g. a read-only workspace).
    """
    return StagingClaim(Path(folder))


def _newest_mtime(folder: Path) -> float:
    newest = folder.stat().st_mtime
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            try:
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
            except FileNotFoundError:
                continue
    return newest


def _is_leftover(folder: Path, now: float) -> bool:
    owner = folder / OWNER_FILE
    try:
        fd = os.open(owner, os.O_RDWR)
    except FileNotFoundError:
        return now - _newest_mtime(folder) > UNCLAIMED_GRACE_S
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False  # a live process holds it
        raise
    finally:
        os.close(fd)
    return True


def sweep_stale_staging(workspace: Path, *, now: float | None = None) -> list[Path]:
    """Remove staging folders under ``workspace`` that no live process owns.

    Cheap when there is nothing to do (one ``listdir`` of a usually empty folder), so every
    command that touches the workspace can call it first. A folder that cannot be removed
    (read-only workspace) is left and logged; this never fails a command.

    Returns:
        The folders removed.
    """
    root = Path(workspace) / STAGING_DIR
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    now = time.time() if now is None else now
    removed = []
    for folder in entries:
        if not folder.is_dir() or folder.is_symlink():
            continue
        try:
            if not _is_leftover(folder, now):
                continue
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("%s: cannot remove leftover staging: %s", folder, exc.strerror or exc)
            continue
        log.info("%s: removed staging left by an interrupted run", folder)
        removed.append(folder)
    return removed
