"""Two ``kotocast add`` processes started together in one show get different numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from episodes.catalog import load_episodes

from .conftest import Run

pytestmark = pytest.mark.slow

KOTOCAST = str(Path(sys.executable).parent / "kotocast")
ROOT = Path(__file__).resolve().parents[2]


def test_two_adds_at_once_get_distinct_numbers(show: Path, run: Run, sources: Path) -> None:
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                KOTOCAST,
                "add",
                str(sources / src),
                "--title",
                title,
                "--slug",
                slug,
                "--publish-at",
                "2026-11-01T09:00:00+02:00",
            ],
            cwd=show,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for src, title, slug in [("take1.wav", "Aamu", "aamu"), ("take2.flac", "Ilta", "ilta")]
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    numbers = sorted(e.number for e in load_episodes(show) if e.number is not None)
    assert numbers == [1, 2]
    waited = [err for _, err in results if "waiting for another kotocast command" in err]
    assert len(waited) <= 1, results  # the one that paused said why
