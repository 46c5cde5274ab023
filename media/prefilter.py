"""Run a recording's pre-filter (the speech chain) once, on every core, into a raw audio file.

The speech chain (:mod:`media.speech`: high-pass, hum notches, afftdn, leveler, expander) costs
more than the MP3 encode itself (5.2 s against 4.0 s for 10 minutes of stereo). Run inside both
of the normaliser's passes it was paid twice, on one core. Instead it runs once: the body is
converted to the output's rate and channels, filtered, and written as raw 32-bit float samples
(lossless, no headroom limit, nothing to parse) into the normaliser's private folder. The
measurement and the encode then read that file as the body, with no pre-filter.

With two cores (and a body of at least :data:`MIN_SPLIT_S`) the body is processed in two halves
at once. The second half starts :data:`PREROLL_S` early and drops that much of its output, so
its stateful filters have settled by the seam (the leveler's 1 s decay and the expander's
release to within -90 dB of one run; afftdn keeps a running minimum of its noise estimate
from the start, so the second half stays about -45 dB under the signal away from one run:
a difference in the residual noise, far under the recording's own noise floor); both halves
resample the stream from its start, so the seam is sample exact. Disk use is
``4 x channels x rate`` bytes per second (1.3 GB for an hour of stereo at 44.1 kHz), checked
before anything is written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import LAYOUTS, RawAudio, check_pre_filter, input_url

# Bodies shorter than this are processed in one ffmpeg (two start-ups cost more than they save).
MIN_SPLIT_S = 60.0
# The second half starts this much early; its first PREROLL_S of output are discarded.
PREROLL_S = 10.0
# Free space kept on the disk beyond the processed file.
SPARE_BYTES = 64 * 1024 * 1024


def process_body(
    body: Path,
    pre_filter: str,
    *,
    channels: int,
    sample_rate_hz: int,
    duration_s: float,
    workdir: Path,
    parallel: bool,
    progress: Callable[[float], None] | None = None,
) -> RawAudio:
    """Convert ``body`` to ``channels`` at ``sample_rate_hz``, run ``pre_filter``, write it raw.

    Args:
        body: The recording (any file ffmpeg decodes; its first audio stream is used).
        pre_filter: One ffmpeg audio filter chain (see ``filtergraph.check_pre_filter``).
        channels, sample_rate_hz: The output's layout and rate (the chain runs on them).
        duration_s: The body's probed duration (the split point and the disk check).
        workdir: A private folder on the disk that will hold the result.
        parallel: Process two halves at once (two cores).
        progress: Called with a fraction 0..1.

    Raises:
        EncodeFailed: ffmpeg failed, or the disk has no room for the processed audio.
    """
    chain = check_pre_filter(pre_filter)
    if chain is None:
        raise ValueError("process_body needs a pre-filter")
    _check_space(body, workdir, duration_s, channels, sample_rate_hz)
    out = workdir / "processed.f32"
    fmt = f"aresample={sample_rate_hz},aformat=sample_fmts=fltp:channel_layouts={LAYOUTS[channels]}"
    raw = RawAudio(out, sample_rate_hz, channels)
    if not parallel or duration_s < MIN_SPLIT_S:
        _run(body, f"{fmt},{chain}", out, duration_s=duration_s, progress=progress)
        return raw
    split = round(duration_s / 2 * sample_rate_hz)
    preroll = round(PREROLL_S * sample_rate_hz)
    start = split - preroll
    second = workdir / "processed-b.f32"
    # First half: a little past the split goes through the chain so its tail is not a flush.
    first_graph = f"{fmt},atrim=end_sample={split + preroll},{chain},atrim=end_sample={split}"
    second_graph = (
        f"{fmt},atrim=start_sample={start},asetpts=N/SR/TB,{chain},atrim=start_sample={preroll}"
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(_run, body, first_graph, out, duration_s=duration_s / 2, progress=progress),
            pool.submit(_run, body, second_graph, second, duration_s=None, progress=None),
        ]
        for job in jobs:
            job.result()
    written = out.stat().st_size // (RawAudio.SAMPLE_BYTES * channels)
    if written != split:
        raise EncodeFailed(
            f"{body}: processing failed: the first half has {written} samples, not {split} "
            "(the file is shorter than it says)"
        )
    _append(second, out, body)
    return raw


def _run(
    body: Path,
    graph: str,
    out: Path,
    *,
    duration_s: float | None,
    progress: Callable[[float], None] | None,
) -> None:
    run_ffmpeg(
        [
            "-i",
            input_url(body),
            "-filter_complex",
            f"[0:a:0]{graph}[out]",
            "-map",
            "[out]",
            "-c:a",
            "pcm_f32le",
            "-f",
            "f32le",
            "-y",
            str(out),
        ],
        path=body,
        what="processing failed",
        duration_s=duration_s,
        progress=progress,
    )


def _append(part: Path, whole: Path, body: Path) -> None:
    """Append ``part`` to ``whole`` and remove ``part`` (a page-cache copy: ~0.1 s per 100 MB)."""
    try:
        with part.open("rb") as src, whole.open("ab") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        part.unlink()
    except OSError as exc:
        raise EncodeFailed(f"{body}: processing failed: {exc.strerror or exc}") from None


def _check_space(
    body: Path, workdir: Path, duration_s: float, channels: int, sample_rate_hz: int
) -> None:
    need = int((duration_s + PREROLL_S) * sample_rate_hz * channels * RawAudio.SAMPLE_BYTES)
    try:
        free = shutil.disk_usage(workdir).free
    except OSError:
        return
    if free < need + SPARE_BYTES:
        raise EncodeFailed(
            f"{body}: not enough disk space in {workdir.parent} to process it: "
            f"{_mb(need + SPARE_BYTES)} needed, {_mb(free)} free"
        )


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"
