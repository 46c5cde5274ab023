"""What every ``kotocast`` command shares: exit codes, ``--now`` parsing, progress bars."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

EXIT_OK = 0
EXIT_INPUT = 1  # bad input, settings or media (a missing bucket, refused credentials); validate
EXIT_USAGE = 2  # click's own code for a wrong command line
EXIT_REFUSED = 3  # refused: the feed is invalid, the guard protects subscribers, or storage
#                   holds other bytes under an immutable key
EXIT_STORAGE = 4  # storage failed for now (unreachable, timeouts, 5xx); the live feed is
#                   unchanged: a retry can fix it
EXIT_LOCKED = 5  # another publish holds the lock


def _now(value: str | None) -> datetime:
    from episodes.catalog import utc_now
    from episodes.text import parse_publish_at

    return parse_publish_at(value, "--now") if value else utc_now()


def _show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[float], None] | None]:
    """Yield a fraction callback drawing a bar on a terminal; ``None`` in cron/CI."""
    if not _show_progress():
        yield None
        return
    with click.progressbar(length=1000, label=label, file=sys.stderr) as bar:
        done = 0

        def update(fraction: float) -> None:
            nonlocal done
            step = int(min(max(fraction, 0.0), 1.0) * 1000) - done
            if step > 0:
                bar.update(step)
                done += step

        yield update


@contextmanager
def _upload_bar() -> Iterator[Callable[[str, int, int], None] | None]:
    """Yield a ``(key, delta_bytes, total_bytes)`` callback for a bar; ``None`` off a tty."""
    if not _show_progress():
        yield None
        return
    bar: Any = None
    try:

        def update(key: str, delta: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=max(total, 1), label="uploading", file=sys.stderr)
                bar.__enter__()
            bar.update(delta)

        yield update
        if bar is not None and bar.pos < bar.length:
            bar.update(bar.length - bar.pos)  # small documents after the media: show done
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
