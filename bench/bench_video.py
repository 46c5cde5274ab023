"""Benchmark: processing a 5-minute 1080p H.264 explainer into a published video variant.

Compares, on the same source and machine:
  * kotocast: ``media.video.prepare_video`` (probe, loudness measurement, AAC normalise +
    measure-while-encoding, stream-copy mux with faststart, MP4 tags)
  * plain stream copy: ``ffmpeg -i SRC -c copy -movflags +faststart OUT.mp4`` (the floor)
  * re-encoding: ``ffmpeg -i SRC -c:v libx264 -c:a aac -movflags +faststart OUT.mp4``
    (libx264 default preset)
Wall time medians of --runs runs, peak RSS of the process tree (ru_maxrss of children).

    .venv/bin/python bench/bench_video.py [--runs 3] [--reencode-runs 1]

The source is generated once into bench/out/ (gitignored): SMPTE bars with a moving box and
camera-like grain at 4 Mbit/s (a filmed 1080p explainer's rate), espeak-ng Finnish speech looped
as the soundtrack at about -24 LUFS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media.loudness import LoudnessTarget  # noqa: E402
from media.video import VideoTags, prepare_video, probe_video  # noqa: E402
from tests import mediagen  # noqa: E402

OUT = ROOT / "bench" / "out"
SECONDS = 300


def make_source() -> Path:
    src = OUT / "explainer-1080p-5min-4mbps.mp4"
    if src.exists():
        return src
    OUT.mkdir(parents=True, exist_ok=True)
    speech = mediagen.make_speech(OUT / "explainer-speech.wav", SECONDS, -24.0)
    tmp = src.with_suffix(".tmp.mp4")
    subprocess.run(
        [
            mediagen.FFMPEG,
            "-hide_banner",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"smptehdbars=size=1920x1080:rate=25:d={SECONDS}",
            "-i",
            str(speech),
            "-filter_complex",
            # Camera-like grain so the stream really carries ~4 Mbit/s, as a filmed explainer
            # does: a test card alone compresses to ~150 kbit/s and makes copying look free.
            "[0:v]drawbox=x='mod(t*40,1700)':y=800:w=200:h=120:color=white@0.8:t=fill,"
            "noise=alls=12:allf=t[v]",
            "-map",
            "[v]",
            "-map",
            "1:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "4M",
            "-minrate",
            "4M",
            "-maxrate",
            "4M",
            "-bufsize",
            "8M",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-t",
            str(SECONDS),
            str(tmp),
        ],
        check=True,
        capture_output=True,
    )
    tmp.replace(src)
    return src


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [mediagen.FFMPEG, "-hide_banner", "-nostdin", "-y", *args], check=True, capture_output=True
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reencode-runs", type=int, default=1)
    args = parser.parse_args()
    src = make_source()
    out = OUT / "result.mp4"
    tags = VideoTags(title="Terveydenhuolto", series="Arki Suomessa", artist="Hanke", language="fi")

    def kotocast() -> None:
        info = probe_video(src)
        result = prepare_video(info, out, LoudnessTarget(), tags)
        assert result.video_copied

    copy = timed(
        lambda: ffmpeg(
            "-i", str(src), "-c", "copy", "-movflags", "+faststart", str(OUT / "copy.mp4")
        ),
        args.runs,
    )
    rss_copy = peak_rss_mb()
    ours = timed(kotocast, args.runs)
    rss_ours = peak_rss_mb()
    lufs, peak = mediagen.measure_ebur128(out)
    reencode = timed(
        lambda: ffmpeg(
            "-i",
            str(src),
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            str(OUT / "reencode.mp4"),
        ),
        args.reencode_runs,
    )
    rss_re = peak_rss_mb()
    med = {
        name: statistics.median(t)
        for name, t in (("copy", copy), ("kotocast", ours), ("reencode", reencode))
    }
    size_mb = src.stat().st_size / 1e6
    lines = [
        f"source: {src.name}, {size_mb:.0f} MB, 1920x1080 H.264 + AAC, {SECONDS} s",
        f"ffmpeg -c copy +faststart : {med['copy']:6.2f} s  (runs {_fmt(copy)})",
        f"kotocast prepare_video    : {med['kotocast']:6.2f} s  (runs {_fmt(ours)}) "
        f"= {med['kotocast'] / med['copy']:.2f}x copy",
        f"ffmpeg libx264 re-encode  : {med['reencode']:6.2f} s  (runs {_fmt(reencode)}) "
        f"= {med['reencode'] / med['copy']:.1f}x copy, "
        f"{med['reencode'] / med['kotocast']:.1f}x kotocast",
        f"kotocast output: {lufs:.1f} LUFS, {peak:.1f} dBTP (independent ebur128)",
        f"peak RSS of any child process: after copy {rss_copy:.0f} MB, after kotocast "
        f"{rss_ours:.0f} MB, after re-encode {rss_re:.0f} MB",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()
