"""ffmpeg children never outlive the Python process that started them, however it ends.

A real Python child process runs the real ffmpeg runner on a slow (real-time, ``-re``) job;
the test kills or signals it mid-run and then looks for the ffmpeg in /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .procs import alive, children_of, ffmpegs_mentioning, like_a_terminal, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

ROOT = Path(__file__).resolve().parents[2]

# ffmpeg that runs for a minute unless stopped, writing a file named after the test.
RUNNER = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from media.ffmpeg import run_ffmpeg, run_ffmpeg_pipeline
    from pipeline.signals import terminate_on_signals

    out = Path(sys.argv[1])
    mode = sys.argv[2]
    slow = ["-re", "-f", "lavfi", "-i", "sine=d=60"]

    def single():
        run_ffmpeg([*slow, "-y", str(out)], path=out, what="x")

    def pipeline():
        run_ffmpeg_pipeline(
            [*slow, "-metadata", f"comment={out}", "-f", "wav", "pipe:1"],
            ["-f", "wav", "-i", "pipe:0", "-y", str(out)],
            path=out,
            what="x",
        )

    def threaded():
        worker = threading.Thread(target=single, daemon=True)
        worker.start()
        worker.join()

    job = {"single": single, "pipeline": pipeline, "threaded": threaded}[mode.split("+")[0]]
    try:
        if mode.endswith("+handlers"):
            with terminate_on_signals():
                job()
        else:
            job()
    except KeyboardInterrupt as exc:
        print("unwound:", type(exc).__name__, flush=True)
        sys.exit(getattr(exc, "exit_code", 130))
    """
)


def _start(tmp_path: Path, mode: str, expected: int = 1) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / f"out-{mode}.wav"
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(out), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=like_a_terminal,
    )
    assert wait_for(lambda: len(ffmpegs_mentioning(str(out))) >= expected, 20), proc.pid
    assert len(children_of(proc.pid)) == expected
    return proc, out


@pytest.mark.parametrize(("mode", "count"), [("single", 1), ("pipeline", 2), ("threaded", 1)])
def test_sigkill_of_the_parent_takes_ffmpeg_with_it(tmp_path: Path, mode: str, count: int) -> None:
    proc, out = _start(tmp_path, mode, count)
    children = ffmpegs_mentioning(str(out))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # The kernel delivers the parent-death SIGKILL at once; 2 s is the bound.
    assert wait_for(lambda: not any(alive(pid) for pid in children), 2.0), children
    assert ffmpegs_mentioning(str(out)) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("mode", ["single+handlers", "pipeline+handlers", "threaded+handlers"])
def test_sigterm_and_sighup_unwind_like_ctrl_c(
    tmp_path: Path, mode: str, signum: signal.Signals
) -> None:
    proc, out = _start(tmp_path, mode, 2 if mode.startswith("pipeline") else 1)
    children = ffmpegs_mentioning(str(out))
    os.kill(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 128 + signum, stderr
    assert "unwound: Terminated" in stdout
    assert "Traceback" not in stderr
    assert not any(alive(pid) for pid in children)


def test_ctrl_c_kills_and_reaps_the_child(tmp_path: Path) -> None:
    proc, out = _start(tmp_path, "single")
    children = ffmpegs_mentioning(str(out))
    os.kill(proc.pid, signal.SIGINT)
    stdout, _ = proc.communicate(timeout=10)
    assert "unwound: KeyboardInterrupt" in stdout
    assert not any(alive(pid) for pid in children)


def test_without_handlers_sigterm_still_takes_ffmpeg_along(tmp_path: Path) -> None:
    # Default SIGTERM disposition ends Python without unwinding; the parent-death signal
    # still ends ffmpeg.
    proc, out = _start(tmp_path, "single")
    children = ffmpegs_mentioning(str(out))
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    assert wait_for(lambda: not any(alive(pid) for pid in children), 2.0)
