"""Benchmark loudness normalisation over the corpus: accuracy, passes and time vs a plain encode.

Not a test. Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_corpus.py                       # MP3, 2 cores, 3 runs
    .venv/bin/python bench/bench_corpus.py --codec aac --runs 1  # the alternate_aac rendition
    .venv/bin/python bench/bench_corpus.py --one-core            # everything under taskset -c 0

Sources come from ``bench/corpus.py`` (10 minutes each, generated once into bench/out/corpus).
For each source, round by round: the plain ``ffmpeg -i SRC -c:a libmp3lame -b:a 128k`` encode
and kotocast's ``normalize_audio`` (a fresh Python process each, as ``kotocast add`` runs it:
mono sources mono at 64 kbps / -19 LUFS, others stereo 128 kbps / -16 LUFS; with ``--codec aac``
the alternate_aac rendition: 48 kbps mono, 96 kbps stereo). Output loudness and true peak are
measured independently (``tests.mediagen.measure_ebur128``) on the written file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.mediagen import measure_ebur128  # noqa: E402

OUT = ROOT / "bench" / "out"

PLAIN = ("-c:a", "libmp3lame", "-b:a", "128k")

CHILD = """
import sys, json
from pathlib import Path
from media.encode import AudioEncoding, normalize_audio
from media.loudness import LoudnessTarget
from media.probe import probe
src, dst, codec = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
mono = probe(src).audio.channels == 1
kbps = {"mp3": {1: 64, 2: 128}, "aac": {1: 48, 2: 96}}[codec][1 if mono else 2]
enc = AudioEncoding(bitrate_kbps=kbps, channels=1 if mono else 2, codec=codec)
target = LoudnessTarget(integrated_lufs=-19.0 if mono else -16.0)
r = normalize_audio([src], dst, target, enc)
p = r.prediction
print(json.dumps({"passes": r.passes, "target": target.integrated_lufs,
                  "limiter": p.limiter_loss_lu if p else None,
                  "encoder": p.encoder_loss_lu if p else None,
                  "limit": p.limit_dbfs if p else None}))
"""


def timed(args: list[str], cwd: Path | None = None) -> tuple[float, int, str, float]:
    """Run ``args``; return wall s, peak RSS (KB) of the largest process, stdout, CPU s.

    CPU = user + system time of the process and all its children: on a machine shared with
    other jobs, wall time swings with their load while CPU time barely moves, and on one
    free core wall time is CPU time.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{err[-2000:]}")
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss, out.read().decode(), cpu


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    what: str


def generate(minutes: float, only: str) -> list[tuple[Entry, Path]]:
    """Generate the corpus in a child process (numpy's memory must not count as ours)."""
    text = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "corpus.py"), "--minutes", f"{minutes:g}"]
        + (["--only", only] if only else []),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split("\t") for line in text.splitlines() if line.count("\t") == 4]
    return [(Entry(r[0], r[3]), Path(r[4])) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--codec", choices=("mp3", "aac"), default="mp3")
    parser.add_argument("--one-core", action="store_true", help="run every process on core 0")
    parser.add_argument("--only", default="", help="comma-separated source names")
    args = parser.parse_args()
    pin = ["taskset", "-c", "0"] if args.one_core else []
    corpus = generate(args.minutes, args.only)
    rows = []
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        work = Path(tmp)
        ext = "m4a" if args.codec == "aac" else "mp3"
        for src, path in corpus:
            plain_t: list[float] = []
            ours_t: list[float] = []
            plain_c: list[float] = []
            ours_c: list[float] = []
            rss = 0
            info: dict[str, object] = {}
            out = work / f"{src.name}.{ext}"
            for _ in range(args.runs):
                wall, _, _, cpu = timed(
                    [
                        *pin,
                        "ffmpeg",
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        str(path),
                        *PLAIN,
                        str(work / "p.mp3"),
                    ]
                )
                plain_t.append(wall)
                plain_c.append(cpu)
                wall, kb, text, cpu = timed(
                    [*pin, sys.executable, "-c", CHILD, str(path), str(out), args.codec], cwd=ROOT
                )
                ours_t.append(wall)
                ours_c.append(cpu)
                rss = max(rss, kb)
                info = json.loads(text.strip().splitlines()[-1])
            lufs, peak = measure_ebur128(out)
            plain_m, ours_m = statistics.median(plain_t), statistics.median(ours_t)
            cpu_ratio = statistics.median(ours_c) / statistics.median(plain_c)
            err = lufs - float(info["target"])  # type: ignore[arg-type]
            rows.append((src, info, lufs, peak, err, plain_m, ours_m, rss, cpu_ratio))
            print(
                f"{src.name}: passes {info['passes']}, {lufs:.1f} LUFS ({err:+.2f}), "
                f"{peak:.1f} dBTP, plain {plain_m:.1f} s, kotocast {ours_m:.1f} s, "
                f"{ours_m / plain_m:.2f}x (CPU {cpu_ratio:.2f}x), "
                f"limiter {info['limiter']:.2f} LU, "
                f"encoder {info['encoder']:.2f} LU",
                flush=True,
            )
    cores = "1 core (taskset -c 0)" if args.one_core else f"{len(os.sched_getaffinity(0))} cores"
    print()
    print(
        f"{platform.machine()}, {cores}, Python {platform.python_version()}; codec {args.codec}; "
        f"median of {args.runs} run(s), interleaved"
    )
    print()
    print(
        "| source | passes | output LUFS (error) | output dBTP | limiter ceiling "
        "| predicted limiter / encoder loss "
        "| plain 128k MP3 | kotocast | wall ratio | CPU ratio | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for src, info, lufs, peak, err, plain_m, ours_m, rss, cpu_ratio in rows:
        print(
            f"| {src.name} | {info['passes']} | {lufs:.1f} ({err:+.1f}) | {peak:.1f} | "
            f"{info['limit']:.1f} dBFS | {info['limiter']:.2f} / {info['encoder']:.2f} LU "
            f"| {plain_m:.1f} s | {ours_m:.1f} s "
            f"| {ours_m / plain_m:.2f}x | {cpu_ratio:.2f}x | {rss / 1024:.0f} MB |"
        )
    ratios = [r[6] / r[5] for r in rows]
    cpu_ratios = [r[8] for r in rows]
    errors = [abs(r[4]) for r in rows]
    second = sum(1 for r in rows if r[1]["passes"] != 1)
    print()
    print(
        f"median {statistics.median(ratios):.2f}x, worst {max(ratios):.2f}x the plain encode "
        f"(CPU: median {statistics.median(cpu_ratios):.2f}x, worst {max(cpu_ratios):.2f}x); "
        f"largest |error| {max(errors):.2f} LU; highest true peak {max(r[3] for r in rows):.1f} "
        f"dBTP; second encodes: {second} of {len(rows)}"
    )


if __name__ == "__main__":
    main()
