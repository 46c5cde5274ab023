"""Measure loudness per ITU-R BS.1770 / EBU R128 with ffmpeg's ``ebur128`` filter.

``ebur128`` is used rather than ``loudnorm``'s analysis pass because it is about six times
cheaper (loudnorm resamples everything to 192 kHz); with ``peak=true`` it oversamples for true
peak itself.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import JoinGraph, build_join_graph, input_url

log = logging.getLogger(__name__)

# ebur128 reports -70 LUFS (its absolute gate) for silence; nothing can be normalised from it.
SILENCE_LUFS = -70.0


@dataclass(frozen=True, slots=True)
class Loudness:
    """Integrated loudness, true (or sample) peak and loudness range of a programme."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float


@dataclass(frozen=True, slots=True)
class LoudnessTarget:
    """Where normalisation aims: integrated loudness and the true-peak ceiling.

    -16 LUFS / -1 dBTP is Apple's podcast guidance for stereo; mono speech is usually mastered
    to -19 LUFS (it plays on two speakers about 3 dB louder than BS.1770 measures one channel).
    """

    integrated_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    tolerance_lu: float = 0.5


MONO_TARGET = LoudnessTarget(integrated_lufs=-19.0)
STEREO_TARGET = LoudnessTarget()


_SUMMARY = re.compile(r"\[Parsed_ebur128_(\d+) @ [^\]]*\] Summary:")
_FIELDS = {
    "integrated": re.compile(r"^\s*I:\s+(\S+) LUFS"),
    "lra": re.compile(r"^\s*LRA:\s+(\S+) LU"),
    "peak": re.compile(r"^\s*Peak:\s+(\S+) dBFS"),
}


def _number(text: str) -> float:
    return -math.inf if text in ("-inf", "nan") else float(text)


def parse_ebur128_summaries(stderr: Sequence[str]) -> dict[int, Loudness]:
    """Parse every ``ebur128`` summary in ffmpeg's stderr, keyed by the filter's instance number.

    The peak is whatever the filter was asked for (true peak with ``peak=true``, sample peak
    with ``peak=sample``); without a peak mode it is ``nan``.
    """
    found: dict[int, Loudness] = {}
    current: int | None = None
    values: dict[str, float] = {}

    def flush() -> None:
        if current is not None and "integrated" in values:
            found[current] = Loudness(
                integrated_lufs=values["integrated"],
                true_peak_dbtp=values.get("peak", math.nan),
                lra_lu=values.get("lra", 0.0),
            )

    for line in stderr:
        start = _SUMMARY.search(line)
        if start:
            flush()
            current, values = int(start.group(1)), {}
            continue
        if current is None:
            continue
        for key, pattern in _FIELDS.items():
            match = pattern.match(line)
            if match and key not in values:
                values[key] = _number(match.group(1))
    flush()
    return found


def read_integrated(meter_file: Path, fallback: float) -> float:
    """Return the last ``lavfi.r128.I`` an ``ametadata=mode=print`` wrote to ``meter_file``.

    ebur128's summary rounds to 0.1 LU; its frame metadata has three decimals, which the gain
    prediction needs (it subtracts several measurements). ``fallback`` (the summary's value)
    when the file is missing or holds no value (a programme shorter than one 400 ms block).
    """
    try:
        with open(meter_file, "rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 4096))
            tail = fh.read().decode("ascii", "replace")
    except OSError:
        return fallback
    for line in reversed(tail.splitlines()):
        key, _, value = line.partition("=")
        if key == "lavfi.r128.I":
            number = _number(value.strip())
            return number if math.isfinite(number) else fallback
    return fallback


# BS.1770-4 true peak: the signal oversampled 4x (at least 12 taps per phase; 16 here) and
# its largest sample. ebur128's own meter resamples to 192 kHz with swresample's 32-tap
# default (a 4.35x fractional ratio from 44.1 kHz), which costs 1.7 s on 10 minutes of
# decoded stereo MP3; an integer 4x with 16 taps costs 0.6 s and read the same -4.34 dBTP.
TRUE_PEAK_TAPS = 16
_ASTATS_PEAK = re.compile(r"\[Parsed_astats_(\d+) @ [^\]]*\] Peak level dB:\s+(\S+)")


def true_peak_filter(sample_rate_hz: int) -> str:
    """A 4x-oversampling peak meter for audio at ``sample_rate_hz`` (read with
    :func:`parse_true_peaks`): cheaper than ``ebur128=peak=true`` and to the same figure."""
    return (
        # Float all the way: an integer format would clip what lies over full scale.
        f"aformat=sample_fmts=fltp,"
        f"aresample={4 * sample_rate_hz}:filter_size={TRUE_PEAK_TAPS}:linear_interp=0,"
        "aformat=sample_fmts=fltp,astats=measure_perchannel=none:measure_overall=Peak_level"
    )


def parse_true_peaks(stderr: Sequence[str]) -> dict[int, float]:
    """Every :func:`true_peak_filter` result in ffmpeg's stderr (dBTP), by astats instance."""
    found: dict[int, float] = {}
    for line in stderr:
        match = _ASTATS_PEAK.search(line)
        if match:
            found[int(match.group(1))] = _number(match.group(2))
    return found


def ebur128_filter(*, true_peak: bool) -> str:
    """Return the ebur128 filter with per-frame logging off (only the summary is printed)."""
    return f"ebur128=peak={'true' if true_peak else 'sample'}:framelog=verbose"


def measure_loudness(
    path: Path,
    *,
    sources: Sequence[Path] = (),
    channels: int | None = None,
    crossfade_s: float = 1.0,
    sample_rate_hz: int | None = None,
    true_peak: bool = True,
    duration_s: float | None = None,
    pre_filter: str | None = None,
    body_index: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Loudness:
    """Measure integrated loudness, true peak and loudness range of a file (or of a join).

    Args:
        path: The file to measure; named in errors.
        sources: When given, measure these files joined with crossfades (``[intro, body,
            outro]``) exactly as :func:`media.encode.normalize_audio` joins them, instead
            of ``path`` alone.
        channels: Down/up-mix to 1 or 2 channels before measuring (measure what listeners
            hear); None measures the file's own channels.
        crossfade_s: Crossfade between ``sources``.
        sample_rate_hz: Common rate for a join (default 48 kHz); a single file keeps its own.
        true_peak: Measure true peak (4x oversampled, about twice the cost); False reports
            the sample peak in ``true_peak_dbtp``.
        duration_s: Length of what is measured, for progress.
        pre_filter: An ffmpeg audio filter chain applied to the body exactly as
            :func:`media.encode.normalize_audio` applies it; forces the conversion to
            ``channels`` (default 2).
        body_index: Index of the body in ``sources`` (default: the middle of three, else
            the first).
        progress: Called with a fraction 0..1.

    Raises:
        EncodeFailed: ffmpeg could not decode or measure.
        FfmpegNotFound: ffmpeg is missing.
    """
    path = Path(path)
    files = list(sources) or [path]
    if channels is None and len(files) == 1 and not pre_filter:
        join = JoinGraph(("-i", input_url(files[0])), "[0:a:0]anull[joined]", "joined")
    else:
        join = build_join_graph(
            files,
            channels=channels or 2,
            sample_rate_hz=None if len(files) == 1 else (sample_rate_hz or 48000),
            crossfade_s=crossfade_s,
            pre_filter=pre_filter,
            pre_filter_index=(
                body_index
                if body_index is not None
                else (len(files) // 2 if len(files) == 3 else 0)
            ),
        )
    return measure_join(
        join, path=path, true_peak=true_peak, duration_s=duration_s, progress=progress
    )


def measure_join(
    join: JoinGraph,
    *,
    path: Path,
    true_peak: bool = True,
    duration_s: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> Loudness:
    """Measure the output of a :class:`~media.filtergraph.JoinGraph` (see measure_loudness)."""
    graph = f"{join.graph};[{join.label}]{ebur128_filter(true_peak=true_peak)}[m]"
    stderr = run_ffmpeg(
        [*join.input_args, "-filter_complex", graph, "-map", "[m]", "-f", "null", "-"],
        path=path,
        what="loudness measurement failed",
        duration_s=duration_s,
        progress=progress,
    )
    summaries = parse_ebur128_summaries(stderr)
    if not summaries:
        raise EncodeFailed(f"{path}: loudness measurement failed: ebur128 printed no summary")
    loudness = next(iter(summaries.values()))
    log.debug("measured %s: %s", path, loudness)
    return loudness
