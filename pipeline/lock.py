"""One writer at a time for a workspace's catalog (``episodes/``, numbers, slugs).

Commands that change the catalog (add, edit, replace, remove, import, unpublish) take
:func:`catalog_lock` around the moment they read the catalog to decide (the next episode
number, a free slug) and write the result. Two ``add`` runs started together then get
different numbers: the second one reads the catalog only after the first has written its
episode. The slow work (probe, encode) happens outside the lock, so adds still encode in
parallel.

The lock is an ``flock`` on ``.kotocast/catalog.lock`` (made by ``init``; never written, so
taking the lock changes no file): the kernel releases it when its process dies, however it
dies, so a killed run never leaves the workspace locked. One process may nest it (an
``import`` adding many episodes): the outer hold covers the inner one.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import PipelineError

LOCK_FILE = ".kotocast/catalog.lock"
DEFAULT_WAIT_S = 120.0
_held: dict[str, int] = {}  # lock file -> nesting depth, in this process


class CatalogBusy(PipelineError):
    """Another kotocast command kept the workspace's catalog locked for too long."""


@contextmanager
def catalog_lock(
    workspace: Path,
    *,
    wait_s: float = DEFAULT_WAIT_S,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the workspace's catalog lock for the block, waiting up to ``wait_s`` for it.

    Args:
        workspace: The show folder.
        wait_s: How long to wait for another command to finish.
        on_wait: Called once with a line to show when the lock is taken by someone else.

    Raises:
        CatalogBusy: still locked after ``wait_s``.
        OSError: the lock file cannot be created (e.g. a read-only workspace).
    """
    path = Path(workspace) / LOCK_FILE
    key = str(path.resolve())
    if key in _held:  # nested in this process: flock would conflict with our own open file
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise CatalogBusy(
                    f"{path}: another kotocast command is changing this show's episodes; "
                    "try again when it has finished"
                )
            if not told and on_wait is not None:
                on_wait("waiting for another kotocast command in this show to finish")
                told = True
            time.sleep(0.05)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)
