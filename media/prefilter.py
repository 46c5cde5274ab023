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

import functools
import math
import os
import shutil
import struct
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from media.analysis import Analysis, excerpt_select, frames_filter
from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import LAYOUTS, RawAudio, check_pre_filter, filter_path, input_url
from media.limiter_model import (
    ABSOLUTE_GATE_LUFS,
    block_peaks,
    histogram,
    integrated,
    mean_energy,
    read_frames,
)
from media.loudness import Loudness, parse_ebur128_summaries

# Bodies shorter than this are processed in one ffmpeg (two start-ups cost more than they save).
MIN_SPLIT_S = 60.0
# The second half starts this much early; its first PREROLL_S of output are discarded.
PREROLL_S = 10.0
# The second half's meter starts this much before it (a whole 3 s short-term window).
METER_LEAD_S = 3.0
# Free space kept on the disk beyond the processed file.
SPARE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Processed:
    """The processed body, and what was measured on it on the way (with ``measure``)."""

    audio: RawAudio
    analysis: Analysis | None


@dataclass(frozen=True, slots=True)
class _Part:
    """One ffmpeg's share: programme samples [start, end) (end None: to the end)."""

    start: int
    end: int | None
    tag: str


def process_body(
    body: Path,
    pre_filter: str,
    *,
    channels: int,
    sample_rate_hz: int,
    duration_s: float,
    workdir: Path,
    parallel: bool,
    measure: bool = False,
    true_peak: bool = False,
    progress: Callable[[float], None] | None = None,
) -> Processed:
    """Convert ``body`` to ``channels`` at ``sample_rate_hz``, run ``pre_filter``, write it raw.

    Args:
        body: The recording (any file ffmpeg decodes; its first audio stream is used).
        pre_filter: One ffmpeg audio filter chain (see ``filtergraph.check_pre_filter``).
        channels, sample_rate_hz: The output's layout and rate (the chain runs on them).
        duration_s: The body's probed duration (the split point and the disk check).
        workdir: A private folder on the disk that will hold the result.
        parallel: Process two halves at once (two cores).
        measure: Also do the normaliser's analysis (:func:`media.analysis.analyse`) on the
            processed audio as it is written: integrated loudness, LRA and peak from the
            meters' 100 ms blocks of both halves, and the excerpt. Needs a rate that is a
            multiple of 10 Hz (every podcast rate is).
        true_peak: Meter true peak rather than sample peak (with ``measure``).
        progress: Called with a fraction 0..1.

    Raises:
        EncodeFailed: ffmpeg failed, or the disk has no room for the processed audio.
    """
    chain = check_pre_filter(pre_filter)
    if chain is None:
        raise ValueError("process_body needs a pre-filter")
    if measure and sample_rate_hz % 10:
        raise ValueError(f"measuring needs 100 ms blocks: {sample_rate_hz} Hz")
    _check_space(body, workdir, duration_s, channels, sample_rate_hz)
    out = workdir / "processed.f32"
    raw = RawAudio(out, sample_rate_hz, channels)
    block = sample_rate_hz // 10
    if not parallel or duration_s < MIN_SPLIT_S:
        parts = [_Part(0, None, "a")]
    else:
        # The seam on the meters' 100 ms grid, so both halves' blocks are the single run's.
        split = round(duration_s / 2 * 10) * block
        parts = [_Part(0, split, "a"), _Part(split, None, "b")]
    select = excerpt_select(duration_s) if measure else None
    frame = RawAudio.SAMPLE_BYTES * channels
    try:
        out.write_bytes(b"")
        # Each part writes its samples straight to its place in one file (no copy, no second
        # file: the disk holds the programme once).
        handles = [out.open("r+b") for _ in parts]
    except OSError as exc:
        raise EncodeFailed(f"{body}: processing failed: {exc.strerror or exc}") from None
    try:
        for handle, part in zip(handles, parts, strict=True):
            handle.seek(part.start * frame)
        jobs = [
            functools.partial(
                _run,
                body,
                _graph(workdir, part, chain, channels, sample_rate_hz, measure, true_peak, select),
                handle.fileno(),
                workdir / f"excerpt-{part.tag}.f32" if measure else None,
                duration_s=duration_s / len(parts) if part.tag == "a" else None,
                progress=progress if part.tag == "a" else None,
            )
            for part, handle in zip(parts, handles, strict=True)
        ]
        if len(jobs) == 1:
            logs = [jobs[0]()]
        else:
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                futures = [pool.submit(job) for job in jobs]
                logs = [future.result() for future in futures]
        if len(parts) == 2:
            # The first half ends where its ffmpeg left the shared file offset.
            written = os.lseek(handles[0].fileno(), 0, os.SEEK_CUR) // frame
            if written != parts[0].end:
                raise EncodeFailed(
                    f"{body}: processing failed: the first half has {written} samples, not "
                    f"{parts[0].end} (the file is shorter than it says)"
                )
    finally:
        for handle in handles:
            handle.close()
    if not measure:
        return Processed(raw, None)
    return Processed(raw, _analysis(body, parts, logs, workdir, raw))


def _graph(
    workdir: Path,
    part: _Part,
    chain: str,
    channels: int,
    rate: int,
    measure: bool,
    true_peak: bool,
    select: str | None,
) -> str:
    """The filter graph of one part: outputs [raw], and with ``measure`` [m] and [x]."""
    fmt = f"aresample={rate},aformat=sample_fmts=fltp:channel_layouts={LAYOUTS[channels]}"
    preroll = round(PREROLL_S * rate) if part.start else 0
    steps = [f"[0:a:0]{fmt}"]
    if part.start:
        steps.append(f"atrim=start_sample={part.start - preroll},asetpts=N/SR/TB")
    if part.end is not None:
        # A little past the end goes through the chain so the part's tail is not a flush.
        steps.append(f"atrim=end_sample={part.end + round(PREROLL_S * rate) - part.start}")
    steps.append(chain)
    if part.end is not None:
        steps.append(f"atrim=end_sample={part.end - part.start + preroll}")
    head = ",".join(steps)
    if not measure:
        tail = f"atrim=start_sample={preroll}" if preroll else "anull"
        return f"{head},{tail}[raw]"
    # The meter starts METER_LEAD_S before the part, so the first block the part keeps (the
    # one ending 100 ms after its start) and its 3 s short-term window are whole.
    lead = min(preroll, round(METER_LEAD_S * rate))
    # The excerpt is chosen on programme time, as media.analysis.analyse chooses it.
    keep = f"asetpts=(N+{part.start})/SR/TB,aselect='{select}'" if select else "anull"
    meter = _meter_filter(workdir, part.tag, true_peak, rate)
    return (
        f"{head},asplit=2[body][pre];"
        f"[body]atrim=start_sample={preroll},asetpts=N/SR/TB,asplit=2[raw][ex];"
        f"[pre]atrim=start_sample={preroll - lead},asetpts=N/SR/TB,{meter}[m];"
        f"[ex]{keep},asetpts=N/SR/TB[x]"
    )


def _meter_filter(workdir: Path, tag: str, true_peak: bool, rate: int) -> str:
    """ebur128 on 100 ms frames: each frame's momentary and short-term loudness and sample
    peak to files (the peaks for the limiter model, :mod:`media.limiter_model`)."""
    return (
        f"asetnsamples=n={rate // 10}:p=0,"
        f"ebur128=metadata=1:peak={'true' if true_peak else 'sample'}:framelog=verbose,"
        f"ametadata=mode=print:key=lavfi.r128.S:file={filter_path(workdir / f's-{tag}.txt')},"
        + frames_filter(workdir / f"m-{tag}.txt", workdir / f"p-{tag}.txt")
    )


def _run(
    body: Path,
    graph: str,
    raw_fd: int,
    excerpt: Path | None,
    *,
    duration_s: float | None,
    progress: Callable[[float], None] | None,
) -> list[str]:
    """Run one part: [raw] to ``raw_fd`` (as ffmpeg's stdout), with ``excerpt`` [m] and [x]."""
    args = ["-i", input_url(body), "-filter_complex", graph]
    args += ["-map", "[raw]", "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1"]
    if excerpt is not None:
        args += ["-map", "[m]", "-f", "null", "-"]
        args += ["-map", "[x]", "-c:a", "pcm_f32le", "-f", "f32le", "-y", str(excerpt)]
    return run_ffmpeg(
        args,
        path=body,
        what="processing failed",
        duration_s=duration_s,
        progress=progress,
        stdout=raw_fd,
    )


def _analysis(
    body: Path, parts: Sequence[_Part], logs: Sequence[Sequence[str]], workdir: Path, raw: RawAudio
) -> Analysis:
    """Join the parts' meters and excerpts into the normaliser's :class:`Analysis`."""
    blocks: list[tuple[float, float]] = []  # (momentary loudness, its 400 ms window's peak)
    short: list[float] = []
    peak = -math.inf
    rate = raw.sample_rate_hz
    for part, log in zip(parts, logs, strict=True):
        summaries = parse_ebur128_summaries(log)
        if not summaries:
            raise EncodeFailed(f"{body}: loudness measurement failed: ebur128 printed no summary")
        peak = max(peak, next(iter(summaries.values())).true_peak_dbtp)
        # Blocks that end inside the lead belong to the previous part (their windows' peaks
        # are taken before the lead is dropped, so the seam's blocks are whole).
        lead_blocks = round(min(PREROLL_S, METER_LEAD_S) * 10) if part.start else 0
        frames = read_frames(workdir / f"m-{part.tag}.txt", workdir / f"p-{part.tag}.txt")
        blocks += block_peaks(frames)[lead_blocks:]
        short += _values(workdir / f"s-{part.tag}.txt", "lavfi.r128.S")[lead_blocks:]
    excerpt = workdir / "excerpt.wav"
    _write_wav(excerpt, [workdir / f"excerpt-{p.tag}.f32" for p in parts], rate, raw.channels)
    frame = RawAudio.SAMPLE_BYTES * raw.channels
    excerpt_s = (excerpt.stat().st_size - _WAV_HEADER_BYTES) // frame / rate
    loudness = Loudness(integrated([(lufs, 1) for lufs, _ in blocks]), peak, loudness_range(short))
    return Analysis(
        loudness,
        excerpt,
        excerpt_s,
        raw.duration_s,
        histogram(blocks),
        tuple(_excerpt_blocks(body, excerpt, workdir)),
    )


def _excerpt_blocks(body: Path, excerpt: Path, workdir: Path) -> list[tuple[float, float]]:
    """The excerpt's blocks, metered on the excerpt file itself (frame for frame as the
    prediction's limited branches will be; a few hundredths of a second)."""
    lufs, peaks = workdir / "x-lufs.txt", workdir / "x-peak.txt"
    graph = f"[0:a:0]ebur128=metadata=1:framelog=verbose,{frames_filter(lufs, peaks)}[o]"
    run_ffmpeg(
        ["-i", str(excerpt), "-filter_complex", graph, "-map", "[o]", "-f", "null", "-"],
        path=body,
        what="loudness measurement failed",
    )
    return block_peaks(read_frames(lufs, peaks))


def _values(path: Path, key: str) -> list[float]:
    prefix = key + "="
    try:
        with path.open(encoding="ascii", errors="replace") as fh:
            return [_number(line[len(prefix) :].strip()) for line in fh if line.startswith(prefix)]
    except OSError:
        return []


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return -math.inf


def loudness_range(short_term: Sequence[float]) -> float:
    """EBU Tech 3342 LRA from the 3 s short-term loudness every 100 ms (0 when too short)."""
    blocks = [v for v in short_term if v > ABSOLUTE_GATE_LUFS]
    if not blocks:
        return 0.0
    threshold = 10 * math.log10(mean_energy([(v, 1) for v in blocks])) - 20.0
    kept = sorted(v for v in blocks if v > threshold)
    n = len(kept) - 1
    return kept[round(0.95 * n)] - kept[round(0.10 * n)]


_WAV_HEADER_BYTES = 44


def _write_wav(path: Path, parts: Sequence[Path], rate: int, channels: int) -> None:
    """A 32-bit float WAV (format 3) of the raw ``parts`` one after the other."""
    size = sum(p.stat().st_size for p in parts)
    block = RawAudio.SAMPLE_BYTES * channels
    header = b"".join(
        [
            b"RIFF",
            struct.pack("<I", 36 + size),
            b"WAVEfmt ",
            struct.pack("<IHHIIHH", 16, 3, channels, rate, rate * block, block, 32),
            b"data",
            struct.pack("<I", size),
        ]
    )
    with path.open("wb") as out:
        out.write(header)
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
            part.unlink()


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
