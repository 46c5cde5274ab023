"""SIGTERM and SIGHUP end kotocast like Ctrl-C: children killed, staging removed, non-zero exit.

Python turns SIGINT into ``KeyboardInterrupt``, which unwinds through every ``finally`` and
``except BaseException`` (the staging rollback, the temp-file removal, the ffmpeg runner's
kill-and-reap). SIGTERM (``kill``, systemd, a CI timeout) and SIGHUP (a closed terminal or SSH
session) would otherwise end the process on the spot and leave ffmpeg running and half-written
files behind. :func:`terminate_on_signals` makes them raise :class:`Terminated`, a
``KeyboardInterrupt``, so they take the same path. A SIGKILL cannot be caught: there the ffmpeg
children's parent-death signal (:mod:`media.ffmpeg`) and the next command's sweep of stale
staging (:mod:`pipeline.staging`) clean up.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)

HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; the process unwinds and exits with ``128 + signum``."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")


@contextmanager
def terminate_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` inside the block (main thread only).

    The first signal kills every running ffmpeg at once (one may belong to a worker thread
    the exception never reaches) and raises; later ones only kill children again, so a
    second SIGTERM cannot interrupt the cleanup the first one started. Outside the main
    thread (where Python cannot install handlers) the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        # No ffmpeg module loaded means no ffmpeg child: a command that never encodes (the
        # scheduled publish) does not import the runner (ctypes, subprocess) at all.
        ffmpeg = sys.modules.get("media.ffmpeg")
        killed = ffmpeg.kill_children() if ffmpeg is not None else 0
        log.info("%s: killed %d ffmpeg process(es)", signal.Signals(signum).name, killed)
        if not raised:
            raised = True
            raise Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in HANDLED_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
