"""The analysis pass: the whole programme measured, and its excerpt written, in one stream.

Integrated loudness at full precision (``ebur128``'s frame metadata), peak, and every 100 ms
frame's momentary loudness and sample peak (the limiter model's blocks,
:mod:`media.limiter_model`); at the same time an *excerpt* is written: a 1-second chunk every
few seconds spread over the programme, 20-45 s in all, already joined, downmixed,
pre-filtered and at the output rate, on which :mod:`media.prediction` measures what the
limiter and the encoder will take. With a speech chain the same is measured while the chain
runs (:mod:`media.prefilter`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import JoinGraph, filter_path
from media.limiter_model import NO_BLOCKS, Blocks, block_peaks, histogram, read_frames
from media.loudness import (
    Loudness,
    ebur128_filter,
    parse_ebur128_summaries,
    read_integrated,
)

log = logging.getLogger(__name__)

# The excerpt: chunks of this length, spread evenly, EXCERPT_SHARE of the programme but at
# least EXCERPT_MIN_S and at most EXCERPT_MAX_S (the whole programme when that is shorter).
CHUNK_S = 1.0
EXCERPT_SHARE = 0.05
EXCERPT_MIN_S = 20.0
EXCERPT_MAX_S = 45.0


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the analysis pass measured: the whole programme, and where its excerpt is."""

    loudness: Loudness
    excerpt: Path
    excerpt_s: float
    programme_s: float = 0.0  # 0: unknown (taken as the excerpt's length)
    # Loudness blocks (media.limiter_model) of the programme and of the excerpt; empty when
    # not measured (the excerpt's own limiter loss is then taken as the programme's).
    blocks: Blocks = NO_BLOCKS
    excerpt_blocks: tuple[tuple[float, float], ...] = ()


def excerpt_select(duration_s: float) -> str | None:
    """Return the ``aselect`` expression that keeps the excerpt, or None for everything."""
    want = min(EXCERPT_MAX_S, max(EXCERPT_MIN_S, EXCERPT_SHARE * duration_s))
    if want >= 0.8 * duration_s:
        return None
    period = duration_s * CHUNK_S / want
    return f"lt(mod(t,{period:.3f}),{CHUNK_S:.3f})"


def analyse(
    join: JoinGraph,
    *,
    path: Path,
    workdir: Path,
    duration_s: float,
    true_peak: bool,
    excerpt_rate_hz: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Analysis:
    """Measure the whole (joined, downmixed) programme and write its excerpt, in one pass.

    Args:
        join: The graph both passes share (with any pre-filter in it).
        path: The body, named in errors.
        workdir: A private directory for the excerpt and the meters' files.
        duration_s: Programme length (picks the excerpt's spacing; progress).
        true_peak: Meter true peak (4x oversampled, about three times the cost of the
            loudness alone) instead of the sample peak.
        excerpt_rate_hz: Resample the excerpt (only) to this rate, for a ``join`` that keeps
            the source's rate (resampling the whole programme to measure it costs more than
            the meter).
        progress: Called with a fraction 0..1.

    Raises:
        EncodeFailed: ffmpeg could not decode or measure.
    """
    meter = workdir / "programme.txt"
    excerpt = workdir / "excerpt.wav"
    files = {name: workdir / f"{name}.txt" for name in ("p-lufs", "p-peak", "x-lufs", "x-peak")}
    select = excerpt_select(duration_s)
    keep = f"aselect='{select}',asetpts=N/SR/TB" if select else "anull"
    # Every 100 ms frame's momentary loudness and sample peak, of the programme and of the
    # excerpt (before it is resampled: peaks compared in the same domain), for the limiter
    # model (media.limiter_model).
    x_frames = frames_filter(files["x-lufs"], files["x-peak"])
    keep += f",{ebur128_filter(true_peak=False)}:metadata=1,{x_frames}"
    if excerpt_rate_hz is not None:
        keep += f",aresample={excerpt_rate_hz}"
    p_frames = frames_filter(files["p-lufs"], files["p-peak"])
    graph = (
        f"{join.graph};[{join.label}]asplit=2[whole][part];"
        f"[whole]{meter_filter(meter, true_peak=true_peak)},{p_frames}"
        f"[m];[part]{keep}[x]"
    )
    stderr = run_ffmpeg(
        [
            *join.input_args,
            "-filter_complex",
            graph,
            "-map",
            "[m]",
            "-f",
            "null",
            "-",
            "-map",
            "[x]",
            "-c:a",
            "pcm_f32le",
            "-f",
            "wav",
            "-y",
            str(excerpt),
        ],
        path=path,
        what="loudness measurement failed",
        duration_s=duration_s,
        progress=progress,
    )
    summaries = parse_ebur128_summaries(stderr)
    if not summaries:
        raise EncodeFailed(f"{path}: loudness measurement failed: ebur128 printed no summary")
    # The programme's meter comes first in the graph (ebur128 instances are numbered in order).
    summary = summaries[min(summaries)]
    loudness = Loudness(
        read_integrated(meter, summary.integrated_lufs), summary.true_peak_dbtp, summary.lra_lu
    )
    excerpt_s = duration_s if select is None else _excerpt_length(duration_s)
    blocks = histogram(block_peaks(read_frames(files["p-lufs"], files["p-peak"])))
    excerpt_blocks = tuple(block_peaks(read_frames(files["x-lufs"], files["x-peak"])))
    log.debug("analysed %s: %s (excerpt %.0f s)", path, loudness, excerpt_s)
    return Analysis(loudness, excerpt, excerpt_s, duration_s, blocks, excerpt_blocks)


def _excerpt_length(duration_s: float) -> float:
    return min(EXCERPT_MAX_S, max(EXCERPT_MIN_S, EXCERPT_SHARE * duration_s))


def meter_filter(file: Path, *, true_peak: bool, frames: bool = False) -> str:
    """ebur128 whose integrated loudness also goes, at full precision, to ``file``.

    With ``frames`` every key of every 100 ms frame goes there (momentary loudness too).
    """
    key = "" if frames else ":key=lavfi.r128.I"
    return (
        f"{ebur128_filter(true_peak=true_peak)}:metadata=1,"
        f"ametadata=mode=print{key}:file={filter_path(file)}"
    )


def frames_filter(lufs_file: Path, peak_file: Path) -> str:
    """After an ``ebur128`` with metadata: each frame's momentary loudness and sample peak."""
    return (
        f"ametadata=mode=print:key=lavfi.r128.M:file={filter_path(lufs_file)},"
        "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level,"
        f"ametadata=mode=print:key=lavfi.astats.Overall.Peak_level:file={filter_path(peak_file)}"
    )
