"""Benchmark the interview preset against a plain encode and ffmpeg-normalize.

Not a test. Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_speech.py                  # 10 + 60 min timings, 180 min RSS
    .venv/bin/python bench/bench_speech.py --lengths 10 --rss-lengths "" --runs 1   # quick

Source: the generated interview of tests/media/speechgen.py (two espeak-ng speakers, B 8 dB
quieter, pink noise at -50 dBFS, 50 Hz hum with harmonics, a music bed), made once, then looped
to 10/60/180 minutes as 48 kHz stereo 16-bit WAV into ``bench/out/`` (gitignored).

Tools, interleaved round by round (median of ``--runs``):
- plain: ``ffmpeg -i SRC -c:a libmp3lame -b:a 128k`` (the floor);
- interview: what ``kotocast add`` does with ``[audio] preset = "interview"``: the probe
  (excerpts) + ``normalize_audio(pre_filter=chain)`` (measure pass + encode pass);
- none: the same without a chain (``preset = "none"``), for the chain's own cost;
- ffmpeg-normalize (podcast preset, MP3 128k).
Peak RSS: ``os.wait4`` ``ru_maxrss`` of the run's process tree (largest single process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_add import Run, ffmpeg_normalize, ffmpeg_version, plain, run  # noqa: E402

from tests.media.speechgen import make_interview  # noqa: E402
from tests.mediagen import measure_ebur128  # noqa: E402

CHILD = """
import sys, time
from pathlib import Path
from media.encode import AudioEncoding, normalize_audio
from media.loudness import LoudnessTarget
from media.probe import probe
from media.speech import prepare_speech, speech_settings
src, dst, preset = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
info = probe(src)
chain = prepare_speech(
    src,
    speech_settings(preset),
    duration_s=info.duration_s,
    source_channels=info.audio.channels if info.audio else None,
)
probed = time.perf_counter() - start
r = normalize_audio([src], dst, LoudnessTarget(), AudioEncoding(), pre_filter=chain.filter)
print(f"probe {probed:.2f} s; passes {r.passes}; {r.after.integrated_lufs} LUFS")
"""


def source(minutes: int, channels: int = 2) -> Path:
    """Return (generating once) a 48 kHz 16-bit interview WAV of ``minutes`` minutes."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"interview-{minutes}min{'-mono' if channels == 1 else ''}.wav"
    if path.exists():
        return path
    base = OUT / "interview-base.wav"
    if not base.exists():
        make_interview(base, n_turns=6)
    tmp = path.with_suffix(".tmp.wav")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(base),
            "-t",
            str(minutes * 60),
            "-ac",
            str(channels),
            "-c:a",
            "pcm_s16le",
            str(tmp),
        ],
        check=True,
    )
    os.replace(tmp, path)
    return path


def kotocast(src: Path, work: Path, n: int, preset: str) -> tuple[Run, str]:
    dst = work / f"{preset}-{n}.mp3"
    return run([sys.executable, "-c", CHILD, str(src), str(dst), preset], cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lengths", default="10,60", help="minutes, timed against all tools")
    parser.add_argument("--rss-lengths", default="180", help="minutes; one interview run each")
    parser.add_argument("--no-ffn", action="store_true", help="skip ffmpeg-normalize")
    parser.add_argument("--mono", action="store_true", help="mono sources (a Zoom export)")
    parser.add_argument(
        "--source", type=Path, help="time this recording instead (its length is what it is)"
    )
    args = parser.parse_args()
    if args.source is not None:
        args.lengths, args.rss_lengths = "0", ""
    lengths = [int(x) for x in args.lengths.split(",") if x]
    rss_lengths = [int(x) for x in args.rss_lengths.split(",") if x]
    rows, rss_rows = [], []
    work = Path(tempfile.mkdtemp(prefix="bench-speech-", dir=OUT))
    tools = ["plain", "interview", "none"] + ([] if args.no_ffn else ["ffn"])
    try:
        for minutes in lengths:
            src = args.source or source(minutes, 1 if args.mono else 2)
            results: dict[str, list[Run]] = {t: [] for t in tools}
            for n in range(args.runs):
                for name in tools:
                    if name == "plain":
                        result, text = plain(src, work, n)
                    elif name == "ffn":
                        result, text = ffmpeg_normalize(src, work, n)
                    else:
                        result, text = kotocast(src, work, n, name)
                    results[name].append(result)
                    print(
                        f"{minutes} min {name} run {n}: {result.wall_s:.1f} s, "
                        f"{result.max_rss_kb / 1024:.0f} MB {text.strip()[-80:]}",
                        flush=True,
                    )
            med = {k: statistics.median(r.wall_s for r in v) for k, v in results.items()}
            rss = {k: max(r.max_rss_kb for r in v) / 1024 for k, v in results.items()}
            loud = measure_ebur128(work / f"interview-{args.runs - 1}.mp3")
            ffn = (
                f"{med['ffn']:.1f} s | {med['ffn'] / med['interview']:.2f}x |"
                if "ffn" in med
                else "- | - |"
            )
            label = src.name if args.source else f"{minutes} min"
            rows.append(
                f"| {label} | {med['plain']:.1f} s | {med['none']:.1f} s | "
                f"{med['interview']:.1f} s | {ffn} **{med['interview'] / med['plain']:.2f}x** | "
                f"{rss['interview']:.0f} MB | {loud[0]} LUFS / {loud[1]} dBTP |"
            )
            shutil.rmtree(work)
            work.mkdir()
        for minutes in rss_lengths:
            src = source(minutes, 1 if args.mono else 2)
            result, text = kotocast(src, work, 0, "interview")
            print(f"{minutes} min interview: {result.wall_s:.1f} s, {text.strip()}", flush=True)
            rss_rows.append(
                f"| {minutes} min | {result.max_rss_kb / 1024:.0f} MB | {result.wall_s:.1f} s |"
            )
            shutil.rmtree(work)
            work.mkdir()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Machine: {os.cpu_count()} cores (shared), {ffmpeg_version()}")
    print()
    print(
        "| source | plain 128k | preset none | preset interview | ffmpeg-normalize | "
        "ffmpeg-normalize / interview | interview / plain | peak RSS interview | "
        "interview output |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| source | peak RSS (interview, largest process) | wall |")
    print("|---|---|---|")
    print("\n".join(rss_rows))


if __name__ == "__main__":
    main()
