"""Find processes through /proc (Linux), for tests that kill kotocast and look for survivors."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def cmdline(pid: int) -> list[str]:
    """Return a process's arguments ([] if it is gone or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (a zombie has finished running)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((line.split()[1] for line in status.splitlines() if line.startswith("State:")), "")
    return state not in ("Z", "X")


def ffmpegs_mentioning(token: str) -> list[int]:
    """Running ffmpeg/ffprobe processes whose command line contains ``token``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = cmdline(int(entry))
        if (
            args
            and Path(args[0]).name in ("ffmpeg", "ffprobe")
            and any(token in a for a in args)
            and alive(int(entry))
        ):
            found.append(int(entry))
    return found


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads'), from /proc/PID/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def wait_for(predicate: object, timeout_s: float, interval_s: float = 0.02) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout_s`` passes; return its last value."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


def like_a_terminal() -> None:
    """``preexec_fn`` for a child that a test will Ctrl-C: SIGINT at its default, as under a
    terminal. A shell that started the test run in the background left SIGINT ignored, and
    a Python started with SIGINT ignored never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
