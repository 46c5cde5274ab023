"""Loudness-normalise audio to a podcast MP3 (or AAC .m4a): measure, then gain + limiter + encode.

Two passes, both streamed by ffmpeg so memory does not grow with episode length:

1. measure the joined, downmixed programme (``ebur128``, sample peak: half the cost of true
   peak, and the integrated loudness is all the gain needs);
2. apply gain, limit, resample and encode (LAME CBR, or ffmpeg's AAC into a faststart .m4a),
   while a second ffmpeg on the other core decodes the very frames being written and measures
   them (``ebur128=peak=true``), plus the source's true peak for the record.

The encoded result must land within the target's tolerance with its true peak at or below the
ceiling. The limiter and LAME each take a little loudness away (about 0.2 LU and 0.4 LU on
speech), so the gain anticipates that; if the first encode still misses, one corrective encode
with the measured error applied follows. Otherwise :class:`LoudnessOutOfRange`.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from media.errors import EncodeFailed, LoudnessOutOfRange, NoAudioStream
from media.ffmpeg import run_ffmpeg_pipeline
from media.filtergraph import JoinGraph, build_join_graph
from media.loudness import (
    SILENCE_LUFS,
    Loudness,
    LoudnessTarget,
    ebur128_filter,
    measure_join,
    parse_ebur128_summaries,
)
from media.probe import probe

log = logging.getLogger(__name__)

# Calibrated on espeak-ng speech over a music bed (see tests/media/test_encode.py): what LAME
# CBR takes away from integrated loudness, and the limiter's ceiling below the true-peak target
# (alimiter limits sample peaks; inter-sample peaks and the MP3 decode sit above them).
ENCODER_LOSS_LU = 0.35
# Measured (bench/bench_add.py, 60-minute speech): with the limiter 0.6 dB under the ceiling,
# LAME's inter-sample peaks reached -0.8 dBTP, over a -1 dBTP target, and forced a second full
# encode (2.1x the plain encode instead of ~1.25x); 1.1 dB landed at -1.5 dBTP in one pass.
LIMITER_MARGIN_DB = 1.1
# ffmpeg's AAC encoder overshoots the limiter's ceiling by 1.2-1.7 dB of true peak on speech,
# so AAC gets a lower ceiling still; its loudness loss is small.
AAC_LIMITER_MARGIN_DB = 2.0
AAC_ENCODER_LOSS_LU = 0.1
# Re-encode when the first result is further than this from the target (inside tolerance).
CORRECT_ABOVE_LU = 0.3
# Share of the progress bar spent measuring (measuring costs ~0.1x, encoding ~1x).
_MEASURE_SHARE = 0.12


@dataclass(frozen=True, slots=True)
class AudioEncoding:
    """Output settings (defaults: stereo MP3 podcast; mono: 1 channel, 64 kbps).

    ``codec`` is ``"mp3"`` (LAME CBR, an .mp3 file) or ``"aac"`` (ffmpeg's AAC in a faststart
    MPEG-4 audio file, .m4a, for ``podcast:alternateEnclosure`` renditions).
    """

    sample_rate_hz: int = 44100
    bitrate_kbps: int = 128
    channels: int = 2
    codec: str = "mp3"

    def __post_init__(self) -> None:
        if self.codec not in _CODECS:
            raise ValueError(f"codec must be one of {', '.join(_CODECS)}, not {self.codec!r}")


@dataclass(frozen=True, slots=True)
class _Codec:
    """How one output codec is encoded, written to the file and streamed to the checker."""

    encoder: str
    file_format: str  # tee slave options for the file
    pipe_format: str  # tee slave options for the checker's pipe
    checker_demuxer: str
    limiter_margin_db: float
    encoder_loss_lu: float


_CODECS = {
    "mp3": _Codec(
        "libmp3lame",
        "f=mp3:id3v2_version=0:write_id3v1=0",
        "f=mp3:id3v2_version=0:write_id3v1=0",
        "mp3",
        LIMITER_MARGIN_DB,
        ENCODER_LOSS_LU,
    ),
    "aac": _Codec(
        "aac",
        "f=ipod:movflags=+faststart",
        "f=adts",
        "aac",
        AAC_LIMITER_MARGIN_DB,
        AAC_ENCODER_LOSS_LU,
    ),
}

MONO_ENCODING = AudioEncoding(bitrate_kbps=64, channels=1)


@dataclass(frozen=True, slots=True)
class NormalizeResult:
    """Loudness of the (joined, downmixed) source and of the encoded file, and its shape."""

    before: Loudness
    after: Loudness
    duration_s: float
    channels: int
    passes: int = 1


def _scaled(
    progress: Callable[[float], None] | None, start: float, end: float
) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction)


def _limiter_loss_lu(sample_peak_dbfs: float, gain_db: float, limit_dbfs: float) -> float:
    """Estimate the loudness the limiter will take away (it only acts above the ceiling)."""
    overshoot = sample_peak_dbfs + gain_db - limit_dbfs
    if overshoot <= 0 or not math.isfinite(overshoot):
        return 0.0
    return min(1.0, 0.08 * overshoot)


def normalize_audio(
    sources: Sequence[Path],
    dst: Path,
    target: LoudnessTarget,
    encoding: AudioEncoding,
    *,
    crossfade_s: float = 1.0,
    pre_filter: str | None = None,
    body_index: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> NormalizeResult:
    """Join, loudness-normalise and encode ``sources`` into ``dst`` (MP3, or AAC .m4a).

    Args:
        sources: ``[intro?, body, outro?]`` in playing order, usually just ``[body]``; joined
            with triangular crossfades before measuring.
        dst: The file to write (atomically: temp file in the same directory + ``os.replace``).
        target: Integrated loudness and true-peak ceiling; the encoded file must meet them.
        encoding: Codec, output rate, bitrate and channels (the caller picks mono or stereo).
        crossfade_s: Crossfade between joined sources (clamped to half the shorter one).
        pre_filter: An ffmpeg audio filter chain (``"highpass=f=80,afftdn=nr=12"``) applied
            to the body only (not intro/outro), after its conversion to the output's channels
            and rate and before gain and limiting, identically in the measurement and the
            encode pass (so it must be deterministic). None: no pre-filter.
        body_index: Index of the recording in ``sources`` (gets ``pre_filter``, named in
            errors). Default: the middle of three sources, else the first; pass 1 for
            ``[intro, body]``.
        progress: Called with a fraction 0..1.

    Returns:
        Loudness before (the joined, downmixed source) and after (the encoded file).

    Raises:
        ProbeFailed, NoAudioStream, UnsupportedMedia: a source is not acceptable audio.
        LoudnessOutOfRange: silent input, or the target could not be reached.
        EncodeFailed: ffmpeg failed, or ``dst`` cannot be written.
    """
    sources = [Path(s) for s in sources]
    dst = Path(dst)
    if not sources:
        raise ValueError("normalize_audio needs at least one source")
    if body_index is None:
        body_index = len(sources) // 2 if len(sources) == 3 else 0
    if not 0 <= body_index < len(sources):
        raise ValueError(f"body_index {body_index} is outside the {len(sources)} sources")
    body = sources[body_index]
    durations = []
    for src in sources:
        # Callers decide which containers they accept (``add`` takes audio files, the video
        # series takes videos, whose audio track is used); here an audio stream is enough.
        info = probe(src)
        if info.audio is None:
            raise NoAudioStream(f"{src}: no audio stream")
        durations.append(info.duration_s)
    fades = [
        min(crossfade_s, durations[i - 1] / 2, durations[i] / 2) for i in range(1, len(sources))
    ]
    duration_s = sum(durations) - sum(fades)
    join = build_join_graph(
        sources,
        channels=encoding.channels,
        sample_rate_hz=encoding.sample_rate_hz,
        crossfade_s=crossfade_s,
        durations_s=durations,
        pre_filter=pre_filter,
        pre_filter_index=body_index,
    )
    # The same join again, as inputs 1.. of the checker (input 0 is the encoded stream).
    check_join = build_join_graph(
        sources,
        channels=encoding.channels,
        sample_rate_hz=encoding.sample_rate_hz,
        crossfade_s=crossfade_s,
        durations_s=durations,
        first_input=1,
        label="src",
        pre_filter=pre_filter,
        pre_filter_index=body_index,
    )

    measured = measure_join(
        join,
        path=body,
        true_peak=False,
        duration_s=duration_s,
        progress=_scaled(progress, 0.0, _MEASURE_SHARE),
    )
    if measured.integrated_lufs <= SILENCE_LUFS + 0.5:
        raise LoudnessOutOfRange(
            f"{body}: cannot normalise loudness: the audio is silent "
            f"({measured.integrated_lufs:.1f} LUFS)"
        )
    codec = _CODECS[encoding.codec]
    limit_dbfs = target.true_peak_dbtp - codec.limiter_margin_db
    gain_db = target.integrated_lufs - measured.integrated_lufs + codec.encoder_loss_lu
    gain_db += _limiter_loss_lu(measured.true_peak_dbtp, gain_db, limit_dbfs)

    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=".kotocast-", suffix=f".{encoding.codec}.tmp", dir=dst.parent
        )
    except OSError as exc:
        raise EncodeFailed(f"{dst}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        passes = 0
        while True:
            passes += 1
            after, source_peak = _encode_and_measure(
                join,
                check_join,
                tmp,
                gain_db,
                limit_dbfs,
                encoding,
                body=body,
                duration_s=duration_s,
                progress=_scaled(progress, _MEASURE_SHARE, 1.0) if passes == 1 else None,
            )
            error_lu = after.integrated_lufs - target.integrated_lufs
            peak_over_db = after.true_peak_dbtp - target.true_peak_dbtp
            log.info(
                "%s: pass %d: gain %+.2f dB, limit %.2f dBFS -> %.2f LUFS, %.2f dBTP",
                body,
                passes,
                gain_db,
                limit_dbfs,
                after.integrated_lufs,
                after.true_peak_dbtp,
            )
            within = abs(error_lu) <= target.tolerance_lu and peak_over_db <= 0
            if within and (abs(error_lu) <= CORRECT_ABOVE_LU or passes == 2):
                break
            if passes == 2:
                raise LoudnessOutOfRange(
                    f"{body}: cannot normalise loudness: encoded to "
                    f"{after.integrated_lufs:.1f} LUFS / {after.true_peak_dbtp:.1f} dBTP, target "
                    f"{target.integrated_lufs:.1f} ± {target.tolerance_lu} LUFS / "
                    f"<= {target.true_peak_dbtp:.1f} dBTP"
                )
            gain_db -= error_lu
            if peak_over_db > 0:
                limit_dbfs -= peak_over_db + 0.3
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)
    before = Loudness(measured.integrated_lufs, source_peak, measured.lra_lu)
    return NormalizeResult(
        before=before,
        after=after,
        duration_s=duration_s,
        channels=encoding.channels,
        passes=passes,
    )


def _encode_and_measure(
    join: JoinGraph,
    check_join: JoinGraph,
    tmp: Path,
    gain_db: float,
    limit_dbfs: float,
    encoding: AudioEncoding,
    *,
    body: Path,
    duration_s: float,
    progress: Callable[[float], None] | None,
) -> tuple[Loudness, float]:
    """Encode to ``tmp`` and measure the encoded frames; return (after, source true peak)."""
    limit = min(1.0, max(0.0625, 10 ** (limit_dbfs / 20)))
    chain = (
        f"[{join.label}]volume={gain_db:.3f}dB,"
        f"alimiter=limit={limit:.5f}:attack=5:release=50:level=false:latency=true[out]"
    )
    # The tee muxer writes the same encoded frames to the file (seekable, so an MP3 gets its
    # Xing/Info header and an .m4a its moov, moved to the front) and to stdout, where the
    # checker decodes them: one encode, measured as encoded.
    # The temp name is ours ([.a-z0-9_-]) and relative to cwd, so it needs no tee escaping.
    codec = _CODECS[encoding.codec]
    producer = [
        *join.input_args,
        "-filter_complex",
        f"{join.graph};{chain}",
        "-map",
        "[out]",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-c:a",
        codec.encoder,
        "-b:a",
        f"{encoding.bitrate_kbps}k",
        "-ar",
        str(encoding.sample_rate_hz),
        "-ac",
        str(encoding.channels),
        "-f",
        "tee",
        f"[{codec.file_format}]{tmp.name}|[{codec.pipe_format}]pipe:1",
        "-y",
    ]
    checker = [
        "-f",
        codec.checker_demuxer,
        "-i",
        "pipe:0",
        *check_join.input_args,
        "-filter_complex",
        f"[0:a:0]{ebur128_filter(true_peak=True)}[enc];{check_join.graph};"
        f"[{check_join.label}]{ebur128_filter(true_peak=True)}[srcm]",
        "-map",
        "[enc]",
        "-f",
        "null",
        "-",
        "-map",
        "[srcm]",
        "-f",
        "null",
        "-",
    ]
    _, checker_log = run_ffmpeg_pipeline(
        producer,
        checker,
        path=body,
        what="encoding failed",
        cwd=tmp.parent,
        duration_s=duration_s,
        progress=progress,
    )
    summaries = parse_ebur128_summaries(checker_log)
    if len(summaries) != 2:
        raise EncodeFailed(f"{body}: encoding failed: the output check printed no loudness")
    encoded, source = (summaries[k] for k in sorted(summaries))
    return encoded, source.true_peak_dbtp
