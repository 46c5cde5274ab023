"""The catalog lock: one writer at a time, released when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.lock import CatalogBusy, catalog_lock

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.lock import catalog_lock
    with catalog_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _holder(workspace: Path, hold_s: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workspace), str(hold_s)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    proc = _holder(tmp_path, 0.6)
    said: list[str] = []
    started = time.monotonic()
    with catalog_lock(tmp_path, wait_s=10, on_wait=said.append):
        waited = time.monotonic() - started
    proc.wait()
    assert waited >= 0.3, waited
    assert said == ["waiting for another kotocast command in this show to finish"]


def test_busy_past_the_wait_is_one_clear_error(tmp_path: Path) -> None:
    proc = _holder(tmp_path, 30)
    try:
        with pytest.raises(CatalogBusy) as caught, catalog_lock(tmp_path, wait_s=0.2):
            pass
        assert "another kotocast command" in str(caught.value)
        assert "\n" not in str(caught.value)
    finally:
        proc.kill()
        proc.wait()


def test_a_killed_holder_leaves_the_workspace_unlocked(tmp_path: Path) -> None:
    proc = _holder(tmp_path, 30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with catalog_lock(tmp_path, wait_s=0.5):
        pass


def test_nesting_in_one_process_does_not_deadlock(tmp_path: Path) -> None:
    with catalog_lock(tmp_path, wait_s=0.2), catalog_lock(tmp_path, wait_s=0.2):
        pass
    with catalog_lock(tmp_path, wait_s=0.2):  # released after the outer block
        pass
