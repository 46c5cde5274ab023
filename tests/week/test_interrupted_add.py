"""A real ``kotocast add`` killed (SIGKILL) or hung up on (SIGHUP) in the middle of its encode.

Afterwards no ffmpeg of it may be running 2 s later, and after the next command no staging
folder, ``*.tmp`` or half-made episode may remain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mediagen

from .procs import alive, children_of, ffmpegs_mentioning, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

ROOT = Path(__file__).resolve().parents[2]
KOTOCAST = [str(Path(sys.executable).parent / "kotocast")]
# A killed run's staging is told from a live one by its claim (pipeline.staging), so the
# next command sweeps it at once.


def _kotocast(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KOTOCAST, *map(str, args)],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CI": "1"}


@pytest.fixture(scope="module")
def long_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twenty minutes of a quiet tone (tiny as 8 kHz FLAC; ~10 s to encode to MP3)."""
    path = tmp_path_factory.mktemp("long") / "haastattelu.flac"
    mediagen._ffmpeg(
        "-f", "lavfi", "-i", "sine=f=220:r=8000:d=1200", "-af", "volume=0.2", "-c:a", "flac",
        str(path),
    )  # fmt: skip
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    done = _kotocast(
        "init", "show", "--title", "Viikko", "--author", "Tuottaja",
        "--email", "tuottaja@example.org", "--language", "fi",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp_path / "show"


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _add_until_encoding(workspace: Path, source: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """Start ``kotocast add`` and return once its MP3 encode is writing."""
    proc = subprocess.Popen(
        [*KOTOCAST, "add", str(source), "--title", "Keskeytetty"],
        cwd=workspace,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = workspace / ".kotocast" / "staging"

    def encoding() -> bool:
        tmps = [p for p in staging.rglob("*.tmp") if p.stat().st_size > 0]
        # The encode reads the speech chain's output from staging, not the source.
        return bool(tmps) and len(ffmpegs_mentioning(str(staging))) >= 1

    if not wait_for(encoding, 60):
        proc.kill()
        pytest.fail(f"the encode never started: {proc.communicate()[1]}")
    children = children_of(proc.pid)
    assert children, "no ffmpeg child while encoding"
    return proc, children


@pytest.mark.parametrize(
    "signum", [signal.SIGKILL, signal.SIGHUP, signal.SIGTERM], ids=["SIGKILL", "SIGHUP", "SIGTERM"]
)
def test_killed_add_leaves_no_ffmpeg_and_the_next_command_no_staging(
    workspace: Path, long_source: Path, signum: signal.Signals
) -> None:
    before = _files(workspace)
    proc, children = _add_until_encoding(workspace, long_source)
    os.kill(proc.pid, signum)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Traceback" not in stderr
    assert wait_for(lambda: not any(alive(pid) for pid in children), 2.0), children
    assert ffmpegs_mentioning(str(long_source)) == []
    assert ffmpegs_mentioning(str(workspace)) == []
    if signum != signal.SIGKILL:
        # Handled like Ctrl-C: the run cleaned up after itself, no next command needed.
        assert proc.returncode == 128 + signum, stderr
        assert stderr.strip().endswith(f"kotocast: stopped by {signum.name}"), stderr
        assert not list((workspace / ".kotocast" / "staging").glob("*"))

    status = _kotocast("status", cwd=workspace)
    assert status.returncode == 0, status.stderr
    left = _files(workspace) - before
    assert left == set(), left  # no staging, no *.tmp, no episode file, no media
    assert not list((workspace / ".kotocast" / "staging").glob("*"))
