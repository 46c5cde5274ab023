"""Benchmark one source tree against another on the same inputs: add, publish, no-change publish.

Not a test. Used to show that a change does not make the producer's and the scheduled job's
commands slower (the one-episode-model change was measured against kotocast 0.1 this way)::

    git worktree add /tmp/prev <commit>
    .venv/bin/python bench/bench_versions.py --previous /tmp/prev [--runs 3] [--minutes 10]

Each round runs, for each tree in turn (interleaved, so machine noise hits both alike), on a
fresh ``kotocast init`` workspace: ``kotocast add`` of a ``--minutes`` speech WAV (48 kHz
stereo, generated once into ``bench/out/``), the first ``kotocast publish`` (uploads to the
local folder) and a second, no-change ``kotocast publish``. Reported: median wall time and
median CPU time (user + system of the process and every ffmpeg it waited for, ``os.wait4``),
which is steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.bench_add import source  # noqa: E402

NOW = "2030-01-01T00:00:00+00:00"
STEPS = ("add", "publish", "no-change publish")


def kotocast(code: Path, args: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``kotocast ARGS`` from source tree ``code``; return (wall s, CPU s incl. children)."""
    runner = OUT / "run_kotocast.py"  # a script path: the workspace is not put on sys.path
    runner.write_text("from pipeline.cli import main\nmain()\n", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "PYTHONPYCACHEPREFIX": str(OUT / f"pycache-{code.name}"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(runner), *args], cwd=cwd, env=env, stdout=log, stderr=log
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise SystemExit(f"{code}: kotocast {' '.join(args)} failed:\n{log.read()[-2000:]!r}")
    return wall, usage.ru_utime + usage.ru_stime


def one_round(
    code: Path, wav: Path, work: Path, preset: str | None
) -> dict[str, tuple[float, float]]:
    ws = work / f"show-{code.name}"
    shutil.rmtree(ws, ignore_errors=True)
    cover = OUT / "versions-cover.jpg"
    if not cover.exists():
        from tests.mediagen import make_cover

        make_cover(cover, 1400)
    kotocast(
        code,
        ["init", str(ws), "--title", "Bench", "--author", "A", "--email", "a@example.org",
         "--language", "fi", "--image", str(cover)],
        work,
    )  # fmt: skip
    if preset is not None:
        config = ws / "kotocast.toml"
        text = config.read_text(encoding="utf-8")
        if "\npreset = " in text:  # trees that have the speech chain (kotocast 0.2)
            start = text.index("\npreset = ")
            end = text.index("\n", start + 1)
            text = text[:start] + f'\npreset = "{preset}"' + text[end:]
            config.write_text(text, encoding="utf-8")
    add = ["add", str(wav), "--title", "Jakso", "--publish-at", "2029-12-01T09:00:00+02:00"]
    return {
        "add": kotocast(code, add, ws),
        "publish": kotocast(code, ["publish", "--now", NOW], ws),
        "no-change publish": kotocast(code, ["publish", "--now", NOW], ws),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previous", type=Path, required=True, help="the other source tree")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument(
        "--preset",
        help="[audio] preset for trees that have one (none = the same work as 0.1; default: "
        "what init writes, the interview speech chain)",
    )
    args = parser.parse_args()
    trees = {"this tree": ROOT, f"previous ({args.previous})": args.previous.resolve()}
    wav = source(args.minutes)
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {step: [] for step in STEPS} for name in trees
    }
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for _ in range(args.runs):
            for name, code in trees.items():
                for step, measured in one_round(code, wav, Path(tmp), args.preset).items():
                    results[name][step].append(measured)
    preset = args.preset or "as init writes it"
    print(f"\n{args.minutes}-minute source, [audio] preset {preset}, median of {args.runs} rounds")
    print("| step | tree | wall (s) | CPU (s) |")
    print("|---|---|---|---|")
    for step in STEPS:
        for name in trees:
            runs = results[name][step]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"| {step} | {name} | {wall:.2f} | {cpu:.2f} |")
    print(f"machine load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
