"""available_cores: the process's CPU affinity, not the machine's core count."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from media.cores import available_cores


def test_follows_the_affinity_mask_not_cpu_count() -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no sched_getaffinity on this platform")
    code = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});" + (
        "from media.cores import available_cores; print(available_cores(), os.cpu_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "KOTOCAST_CORES": ""},
    ).stdout.split()
    assert out[0] == "1"
    assert int(out[1]) == os.cpu_count()


def test_override_and_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOTOCAST_CORES", "3")
    assert available_cores() == 3
    monkeypatch.setenv("KOTOCAST_CORES", "zero")
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert available_cores() == 1
