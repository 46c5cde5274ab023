"""Benchmark: processing a 5-minute 1080p H.264 explainer into a published video variant.

Compares, on the same sources and machine, round by round (each tool a fresh process; wall
time medians of --runs runs; peak RSS = largest process of a run, ``os.wait4``):
  * kotocast: ``media.video.prepare_video`` in a child Python (probe, loudness analysis,
    gain prediction, AAC encode measured while written, stream-copy mux with faststart, tags;
    or, when the source audio already meets the target, the analysis and a copy);
  * ffmpeg-normalize: ``ffmpeg-normalize SRC --preset podcast -c:v copy -c:a aac -b:a 128k``
    (what a producer would otherwise run: picture copied, audio levelled);
  * plain stream copy: ``ffmpeg -i SRC -c copy -movflags +faststart OUT.mp4`` (the floor);
  * optionally (``--reencode-runs``) re-encoding with libx264 and AAC.

    .venv/bin/python bench/bench_video.py [--runs 3] [--reencode-runs 0]

Two sources, generated once into bench/out/ (gitignored): SMPTE bars with a moving box and
camera-like grain at 4 Mbit/s (a filmed 1080p explainer's rate) with espeak-ng Finnish speech
as the soundtrack, once at about -24 LUFS (needs levelling) and once levelled to -16 LUFS /
under -1 dBTP beforehand (the audio podcast apps can take as it is).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from media.encode import normalize_audio  # noqa: E402
from media.loudness import LoudnessTarget  # noqa: E402
from media.video import VIDEO_AUDIO  # noqa: E402
from tests import mediagen  # noqa: E402

OUT = ROOT / "bench" / "out"
SECONDS = 300

FFN_ARGS = ("-c:v", "copy", "-c:a", "aac", "-b:a", "128k")
REENCODE_ARGS = ("-c:v", "libx264", "-c:a", "aac")
CHILD = """
import sys
from pathlib import Path
from media.loudness import LoudnessTarget
from media.video import VideoTags, prepare_video, probe_video
tags = VideoTags(title="Terveydenhuolto", series="Arki Suomessa", artist="Hanke", language="fi")
r = prepare_video(probe_video(Path(sys.argv[1])), Path(sys.argv[2]), LoudnessTarget(), tags)
assert r.video_copied
print("audio copied" if r.audio_copied else f"audio encoded in {r.audio_passes} pass(es)")
"""


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


def make_levelled(src: Path) -> Path:
    """The same video with its audio levelled to the target beforehand (picture copied)."""
    dst = OUT / "explainer-1080p-5min-4mbps-levelled.mp4"
    if dst.exists():
        return dst
    audio = OUT / "explainer-levelled.m4a"
    normalize_audio([src], audio, LoudnessTarget(), VIDEO_AUDIO, crossfade_s=0.0)
    tmp = dst.with_suffix(".tmp.mp4")
    ffmpeg("-i", str(src), "-i", str(audio), "-map", "0:v", "-map", "1:a", "-c", "copy", str(tmp))
    tmp.replace(dst)
    return dst


def run(args: list[str]) -> tuple[float, float, str, float]:
    """Run ``args``; return wall s, peak RSS (MB) of its largest process, stdout, CPU s.

    CPU = user + system time of the whole process tree: load-independent on a shared machine.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(args)}\n{err[-2000:]}")
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss / 1024, out.read().decode().strip(), cpu


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [mediagen.FFMPEG, "-hide_banner", "-nostdin", "-y", *args], check=True, capture_output=True
    )


def tools(src: Path, reencode: bool) -> dict[str, list[str]]:
    ffmpeg_in = (mediagen.FFMPEG, "-v", "error", "-y", "-i", str(src))
    ffn = (str(VENV_BIN / "ffmpeg-normalize"), str(src), "--preset", "podcast")
    found = {
        "copy": [*ffmpeg_in, "-c", "copy", "-movflags", "+faststart", str(OUT / "copy.mp4")],
        "kotocast": [sys.executable, "-c", CHILD, str(src), str(OUT / "result.mp4")],
        "ffmpeg-normalize": [*ffn, *FFN_ARGS, "-o", str(OUT / "ffn.mp4"), "-f"],
    }
    if reencode:
        found["libx264 re-encode"] = [*ffmpeg_in, *REENCODE_ARGS, str(OUT / "re.mp4")]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reencode-runs", type=int, default=0)
    args = parser.parse_args()
    quiet = make_source()
    levelled = make_levelled(quiet)
    print(f"sources: {quiet.name} ({quiet.stat().st_size / 1e6:.0f} MB), {levelled.name}")
    for label, src in (("audio needs levelling", quiet), ("audio already on target", levelled)):
        lufs, peak = mediagen.measure_ebur128(src)
        print(f"\n## {label}: source audio {lufs:.1f} LUFS, {peak:.1f} dBTP")
        times: dict[str, list[float]] = {}
        cpus: dict[str, list[float]] = {}
        rss: dict[str, float] = {}
        note = ""
        for n in range(args.runs):
            for name, cmd in tools(src, reencode=n < args.reencode_runs).items():
                wall, mb, text, cpu = run(cmd)
                times.setdefault(name, []).append(wall)
                cpus.setdefault(name, []).append(cpu)
                rss[name] = max(rss.get(name, 0.0), mb)
                note = text if name == "kotocast" else note
        med = {k: statistics.median(v) for k, v in times.items()}
        cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
        ours = mediagen.measure_ebur128(OUT / "result.mp4")
        theirs = mediagen.measure_ebur128(OUT / "ffn.mp4")
        print("| tool | median wall | runs | vs copy | median CPU | peak RSS |")
        print("|---|---|---|---|---|---|")
        for name, t in times.items():
            runs = ", ".join(f"{x:.2f}" for x in t)
            print(
                f"| {name} | {med[name]:.2f} s | {runs} | {med[name] / med['copy']:.1f}x "
                f"| {cpu_med[name]:.2f} s | {rss[name]:.0f} MB |"
            )
        print(
            f"kotocast / ffmpeg-normalize: **{med['kotocast'] / med['ffmpeg-normalize']:.2f}x**; "
            f"kotocast / copy: **{med['kotocast'] / med['copy']:.1f}x**; CPU kotocast / "
            f"ffmpeg-normalize {cpu_med['kotocast'] / cpu_med['ffmpeg-normalize']:.2f}x; "
            f"kotocast: {note}; "
            f"output kotocast {ours[0]:.1f} LUFS / {ours[1]:.1f} dBTP, ffmpeg-normalize "
            f"{theirs[0]:.1f} / {theirs[1]:.1f} (independent ebur128)"
        )


if __name__ == "__main__":
    main()
