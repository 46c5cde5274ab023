"""Benchmark adding an episode: `kotocast add` vs a plain MP3 encode vs ffmpeg-normalize.

Not a test. Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_add.py                 # 10 + 60 min timings, 60 + 180 min RSS
    .venv/bin/python bench/bench_add.py --lengths 10 --rss-lengths 10 --runs 3   # quicker

Sources are 48 kHz stereo Finnish speech (espeak-ng over a music bed, -24 LUFS) generated once
into ``bench/out/`` (gitignored): a 10-minute file, and longer ones made by looping it.

Wall time is the median of ``--runs`` runs per tool, the tools interleaved round by round so
machine noise hits them alike. Peak RSS is the largest single process of each run's process
tree: ``os.wait4`` on the child returns ``ru_maxrss`` = max(child, its waited-for descendants)
on Linux, which covers the ffmpeg processes kotocast and ffmpeg-normalize start.

`kotocast add` is timed through the CLI (a fresh ``kotocast init`` workspace per run; init is
not timed). If the CLI is missing it falls back to calling ``normalize_audio`` + ``write_id3``
directly in a child Python process, and says so in the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.mediagen import make_speech, measure_ebur128  # noqa: E402


@dataclass(frozen=True, slots=True)
class Run:
    wall_s: float
    max_rss_kb: int


def source(minutes: int) -> Path:
    """Return (generating once) a 48 kHz stereo speech WAV of ``minutes`` minutes."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"speech-{minutes}min.wav"
    if path.exists():
        return path
    base = OUT / "speech-10min.wav"
    if not base.exists():
        make_speech(base, 600, -24.0)
    if minutes == 10:
        return base
    if minutes % 10:
        raise SystemExit("lengths must be multiples of 10 minutes")
    tmp = path.with_suffix(".tmp.wav")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            str(minutes // 10 - 1),
            "-i",
            str(base),
            "-c",
            "copy",
            str(tmp),
        ],
        check=True,
    )
    os.replace(tmp, path)
    return path


def run(args: list[str], *, cwd: Path | None = None) -> tuple[Run, str]:
    """Run ``args``; return wall time, peak RSS of the largest process in its tree, stdout."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(args)}\n{text[-2000:]}")
    return Run(wall, usage.ru_maxrss), text


def cli_available() -> bool:
    kotocast = VENV_BIN / "kotocast"
    if not kotocast.exists():
        return False
    done = subprocess.run([str(kotocast), "add", "--help"], capture_output=True)
    return done.returncode == 0


DIRECT = """
import sys
from pathlib import Path
from media.encode import AudioEncoding, normalize_audio
from media.loudness import LoudnessTarget
from media.tags import AudioTags, write_id3
dst = Path(sys.argv[2])
r = normalize_audio([Path(sys.argv[1])], dst, LoudnessTarget(), AudioEncoding())
write_id3(dst, AudioTags(title="Bench", artist="Bench", album="Bench", date="2024"))
print(f"{r.before.integrated_lufs} -> {r.after.integrated_lufs} LUFS")
"""


def kotocast_add(src: Path, work: Path, n: int, use_cli: bool) -> tuple[Run, str]:
    if not use_cli:
        return run(
            [sys.executable, "-c", DIRECT, str(src), str(work / f"direct-{n}.mp3")], cwd=ROOT
        )
    ws = work / f"ws-{n}"
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run(
        [
            str(VENV_BIN / "kotocast"),
            "init",
            str(ws),
            "--title",
            "Bench",
            "--author",
            "Bench",
            "--email",
            "bench@example.org",
            "--language",
            "fi",
        ],
        check=True,
        capture_output=True,
    )
    return run([str(VENV_BIN / "kotocast"), "add", str(src), "--title", f"Bench {n}"], cwd=ws)


def plain(src: Path, work: Path, n: int) -> tuple[Run, str]:
    return run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(src),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            str(work / f"plain-{n}.mp3"),
        ]
    )


def ffmpeg_normalize(src: Path, work: Path, n: int) -> tuple[Run, str]:
    return run(
        [
            str(VENV_BIN / "ffmpeg-normalize"),
            str(src),
            "--preset",
            "podcast",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            "-o",
            str(work / f"ffn-{n}.mp3"),
            "-f",
        ]
    )


def newest_mp3(work: Path, pattern: str) -> Path | None:
    found = sorted(work.glob(pattern), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lengths", default="10,60", help="minutes, timed against all tools")
    parser.add_argument(
        "--rss-lengths",
        default="60,180",
        help="minutes; lengths not timed above get one kotocast run for RSS",
    )
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",") if x]
    rss_lengths = [int(x) for x in args.rss_lengths.split(",") if x]
    use_cli = cli_available()
    rows: list[str] = []
    rss_rows: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="bench-add-", dir=OUT))
    try:
        for minutes in lengths:
            src = source(minutes)
            results: dict[str, list[Run]] = {"kotocast": [], "plain": [], "ffn": []}
            for n in range(args.runs):
                for name, tool in (("plain", plain), ("kotocast", None), ("ffn", ffmpeg_normalize)):
                    if tool is None:
                        result, _text = kotocast_add(src, work, n, use_cli)
                    else:
                        result, _text = tool(src, work, n)
                    results[name].append(result)
                    print(
                        f"{minutes} min {name} run {n}: {result.wall_s:.1f} s, "
                        f"{result.max_rss_kb / 1024:.0f} MB",
                        flush=True,
                    )
            med = {k: statistics.median(r.wall_s for r in v) for k, v in results.items()}
            rss = {k: max(r.max_rss_kb for r in v) / 1024 for k, v in results.items()}
            loud = ""
            if minutes <= 10:
                ours = newest_mp3(work, "ws-*/media/*.mp3") or newest_mp3(work, "direct-*.mp3")
                theirs = newest_mp3(work, "ffn-*.mp3")
                if ours and theirs:
                    oi, op = measure_ebur128(ours)
                    ti, tp = measure_ebur128(theirs)
                    loud = f" (kotocast {oi} LUFS / {op} dBTP; ffmpeg-normalize {ti} / {tp})"
            rows.append(
                f"| {minutes} min | {med['plain']:.1f} s | {med['kotocast']:.1f} s | "
                f"{med['ffn']:.1f} s | **{med['kotocast'] / med['plain']:.2f}x** | "
                f"**{med['ffn'] / med['kotocast']:.2f}x** | {rss['kotocast']:.0f} MB | "
                f"{rss['plain']:.0f} MB | {rss['ffn']:.0f} MB |{loud}"
            )
            if minutes in rss_lengths:
                rss_rows.append(
                    f"| {minutes} min | kotocast add | {rss['kotocast']:.0f} MB | "
                    f"{med['kotocast']:.1f} s (median of {args.runs}) |"
                )
            shutil.rmtree(work)
            work.mkdir()
        for minutes in rss_lengths:
            if minutes in lengths:
                continue
            src = source(minutes)
            result, _ = kotocast_add(src, work, 0, use_cli)
            print(
                f"{minutes} min kotocast: {result.wall_s:.1f} s, {result.max_rss_kb / 1024:.0f} MB",
                flush=True,
            )
            rss_rows.append(
                f"| {minutes} min | kotocast add | {result.max_rss_kb / 1024:.0f} MB "
                f"| {result.wall_s:.1f} s (1 run) |"
            )
            shutil.rmtree(work)
            work.mkdir()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    how = "`kotocast add` (CLI)" if use_cli else "normalize_audio + write_id3 (CLI not ready)"
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"{platform.python_version()}, {ffmpeg_version()}; kotocast measured as {how}."
    )
    print()
    print(
        "| source (48 kHz stereo speech) | plain ffmpeg 128k | kotocast add | ffmpeg-normalize "
        "(podcast, 128k) | kotocast / plain | ffmpeg-normalize / kotocast | peak RSS kotocast "
        "| peak RSS plain | peak RSS ffmpeg-normalize |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| source | what | peak RSS (largest process) | wall |")
    print("|---|---|---|---|")
    print("\n".join(rss_rows))


def ffmpeg_version() -> str:
    out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    match = re.match(r"ffmpeg version (\S+)", out)
    return f"ffmpeg {match.group(1) if match else '?'}"


if __name__ == "__main__":
    main()
