"""Staging left by a killed run is removed; staging a live process owns is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pipeline.staging import (
    OWNER_FILE,
    STAGING_DIR,
    UNCLAIMED_GRACE_S,
    claim_staging,
    sweep_stale_staging,
)

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.staging import claim_staging
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True)
    claim = claim_staging(folder)
    (folder / "episode.mp3.tmp").write_bytes(b"x" * 4096)
    print("claimed", flush=True)
    time.sleep(60)
    """
)


def _holder(folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "claimed"
    return proc


def test_a_live_owner_keeps_its_folder_and_sigkill_releases_it(tmp_path: Path) -> None:
    folder = tmp_path / STAGING_DIR / "add-live"
    proc = _holder(folder)
    try:
        assert sweep_stale_staging(tmp_path) == []
        assert (folder / "episode.mp3.tmp").is_file()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # Same pid-less folder, owner dead: now a leftover.
    assert sweep_stale_staging(tmp_path) == [folder]
    assert list((tmp_path / STAGING_DIR).iterdir()) == []


def test_own_claim_is_respected_until_released(tmp_path: Path) -> None:
    folder = tmp_path / STAGING_DIR / "add-mine"
    folder.mkdir(parents=True)
    claim = claim_staging(folder)
    # flock locks belong to the open file description: a second open in this process
    # conflicts too, so a command never sweeps its own staging.
    assert sweep_stale_staging(tmp_path) == []
    claim.release()
    assert sweep_stale_staging(tmp_path) == [folder]


def test_unclaimed_folders_are_judged_by_their_newest_file(tmp_path: Path) -> None:
    root = tmp_path / STAGING_DIR
    fresh, old = root / "add-fresh", root / "add-old"
    for folder in (fresh, old):
        folder.mkdir(parents=True)
        (folder / "x.tmp").write_bytes(b"x")
    past = time.time() - UNCLAIMED_GRACE_S - 60
    for path in (old / "x.tmp", old):
        os.utime(path, (past, past))
    assert sweep_stale_staging(tmp_path) == [old]
    assert fresh.is_dir() and not (fresh / OWNER_FILE).exists()


def test_nothing_to_sweep_and_no_workspace(tmp_path: Path) -> None:
    assert sweep_stale_staging(tmp_path) == []
    assert sweep_stale_staging(tmp_path / "missing") == []
