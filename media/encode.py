"""Loudness-normalise audio to a podcast MP3 (or AAC .m4a): measure, predict, then encode once.

Every pass is streamed by ffmpeg, so memory does not grow with episode length:

0. with a **pre-filter** (the speech chain), the body is converted to the output's rate and
   channels and filtered once, on every core, into a raw float file beside ``dst``
   (:mod:`media.prefilter`); the passes below read that file as the body;
1. **analysis** of the joined, downmixed (and pre-filtered) programme: ``ebur128`` loudness and
   sample peak, while a 20-45 s excerpt spread over the programme is written aside;
2. **prediction** on that excerpt (:mod:`media.prediction`): the limiter's loudness loss at a
   few candidate gains, and the encoder's loss and true-peak overshoot for this codec and
   bitrate, measured on this material, give the gain and limiter ceiling;
3. **encode**: gain, limiter, resample and encode (LAME CBR, or ffmpeg's AAC into a faststart
   .m4a), while a second ffmpeg decodes the very frames being written and measures them
   (``ebur128=peak=true``), and the source's true peak when asked for.

The encoded result must land within the target's tolerance with its true peak at or below the
ceiling; further than ``CORRECT_ABOVE_LU`` from the target (or over the ceiling), one
corrective encode re-solved on the measured curve follows. Otherwise
:class:`LoudnessOutOfRange`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from media.analysis import Analysis, analyse
from media.codecs import CODECS, MONO_ENCODING, AudioEncoding, encoder_args, limiter_filter
from media.cores import available_cores
from media.errors import EncodeFailed, LoudnessOutOfRange, NoAudioStream
from media.ffmpeg import run_ffmpeg_pipeline
from media.filtergraph import JoinGraph, RawAudio, build_join_graph, check_pre_filter, filter_path
from media.loudness import (
    SILENCE_LUFS,
    Loudness,
    LoudnessTarget,
    ebur128_filter,
    parse_ebur128_summaries,
    parse_true_peaks,
    read_integrated,
    true_peak_filter,
)
from media.prediction import Prediction, correct, predict
from media.prefilter import process_body
from media.probe import probe

__all__ = [
    "CORRECT_ABOVE_LU",
    "MONO_ENCODING",
    "AudioEncoding",
    "LoudnessTarget",
    "NormalizeResult",
    "normalize_audio",
]

log = logging.getLogger(__name__)

# Re-encode when the first result is further than this from the target (inside tolerance).
CORRECT_ABOVE_LU = 0.3
# Share of the progress bar spent before the encode (analysis ~0.1x, encoding ~1x) and, with
# a pre-filter, on running it (the speech chain: ~1.3x an encode, over two cores).
_MEASURE_SHARE = 0.12
_PROCESS_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class NormalizeResult:
    """Loudness of the (joined, downmixed) source and of the encoded file, and its shape.

    ``passes``: full encodes made (1, or 2 after a corrective encode; 0 when ``accept_source``
    took the source as it is and nothing was written). ``before.true_peak_dbtp`` is the
    source's true peak when ``source_true_peak`` is True, else its sample peak (see
    :func:`normalize_audio`'s argument of that name).
    """

    before: Loudness
    after: Loudness
    duration_s: float
    channels: int
    passes: int = 1
    prediction: Prediction | None = None
    source_true_peak: bool = True


def _scaled(
    progress: Callable[[float], None] | None, start: float, end: float
) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction)


def normalize_audio(
    sources: Sequence[Path],
    dst: Path,
    target: LoudnessTarget,
    encoding: AudioEncoding,
    *,
    crossfade_s: float = 1.0,
    pre_filter: str | None = None,
    body_index: int | None = None,
    accept_source: Callable[[Loudness], bool] | None = None,
    source_true_peak: bool = False,
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
            and rate and before gain and limiting. It runs once (:mod:`media.prefilter`, two
            halves on two cores); measurement and encode both read its output, which needs
            ``4 x channels x rate`` bytes a second of free disk beside ``dst`` for the length
            of the call. None: no pre-filter.
        body_index: Index of the recording in ``sources`` (gets ``pre_filter``, named in
            errors). Default: the middle of three sources, else the first; pass 1 for
            ``[intro, body]``.
        accept_source: Called with the source's loudness (true peak, measured in the
            analysis pass) before anything is encoded; when it returns True nothing is
            written and the result has ``passes=0`` (the caller uses the source as it is).
        source_true_peak: Report the source's true peak in ``before`` (measured by the
            output check on the second core, or in the analysis pass on one core: 0.2-0.3x
            of a plain encode in CPU either way); False reports its sample peak, for free.
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
    pre_filter = check_pre_filter(pre_filter)
    durations = []
    for src in sources:
        # Callers decide which containers they accept (``add`` takes audio files, the video
        # series takes videos, whose audio track is used); here an audio stream is enough.
        info = probe(src)
        if info.audio is None:
            raise NoAudioStream(f"{src}: no audio stream")
        durations.append(info.duration_s)
    cores = available_cores()
    # The source's true peak is only a record (or, with accept_source, the copy decision).
    # Where it is measured decides its cost: in the output check it rides on the second core;
    # on one core the analysis pass measures it (the check would then double its own work).
    analysis_true_peak = accept_source is not None or (source_true_peak and cores < 2)
    check_source = source_true_peak and not analysis_true_peak
    inputs: list[Path | RawAudio] = list(sources)
    # A pre-filter's processed body lives beside dst (it can be gigabytes; /tmp may be RAM).
    with _workdir(dst, near=pre_filter is not None) as workdir:
        share = 0.0
        analysis: Analysis | None = None
        if pre_filter is not None:
            # The chain runs once, over every core, into a raw file the encode reads; a body
            # without jingles is measured on the way (the chain runs inside the analysis).
            share = _PROCESS_SHARE
            processed = process_body(
                body,
                pre_filter,
                channels=encoding.channels,
                sample_rate_hz=encoding.sample_rate_hz,
                duration_s=durations[body_index],
                workdir=workdir,
                parallel=cores >= 2,
                measure=len(inputs) == 1 and encoding.sample_rate_hz % 10 == 0,
                true_peak=analysis_true_peak,
                progress=_scaled(progress, 0.0, share),
            )
            inputs[body_index] = processed.audio
            durations[body_index] = processed.audio.duration_s
            analysis = processed.analysis
        fades = [
            min(crossfade_s, durations[i - 1] / 2, durations[i] / 2) for i in range(1, len(inputs))
        ]
        duration_s = sum(durations) - sum(fades)

        def join_graph(first_input: int, label: str, *, keep_rate: bool = False) -> JoinGraph:
            return build_join_graph(
                inputs,
                channels=encoding.channels,
                sample_rate_hz=None if keep_rate else encoding.sample_rate_hz,
                crossfade_s=crossfade_s,
                durations_s=durations,
                first_input=first_input,
                label=label,
            )

        measure_end = share + (1 - share) * _MEASURE_SHARE
        if analysis is None:
            # One source is measured at its own rate (loudness does not depend on it;
            # resampling costs more than the meter); only the excerpt is resampled.
            keep_rate = len(inputs) == 1
            analysis = analyse(
                join_graph(0, "joined", keep_rate=keep_rate),
                path=body,
                workdir=workdir,
                duration_s=duration_s,
                true_peak=analysis_true_peak,
                excerpt_rate_hz=encoding.sample_rate_hz if keep_rate else None,
                progress=_scaled(progress, share, share + (measure_end - share) * 0.8),
            )
        measured = analysis.loudness
        if measured.integrated_lufs <= SILENCE_LUFS + 0.5:
            raise LoudnessOutOfRange(
                f"{body}: cannot normalise loudness: the audio is silent "
                f"({measured.integrated_lufs:.1f} LUFS)"
            )
        if accept_source is not None and accept_source(measured):
            if progress is not None:
                progress(1.0)
            return NormalizeResult(
                measured, measured, duration_s, encoding.channels, passes=0, source_true_peak=True
            )
        prediction = predict(
            analysis, target, encoding, path=body, workdir=workdir, parallel=cores >= 2
        )
        if progress is not None:
            progress(measure_end)
        log.debug("%s: %s", body, prediction)
        after, source_peak, passes = _encode_checked(
            join_graph(0, "joined"),
            join_graph(1, "src") if check_source else None,
            analysis,
            prediction,
            dst,
            target,
            encoding,
            body=body,
            duration_s=duration_s,
            workdir=workdir,
            progress=_scaled(progress, measure_end, 1.0),
        )
    if progress is not None:
        progress(1.0)
    if source_peak is None:
        source_peak = measured.true_peak_dbtp
    before = Loudness(measured.integrated_lufs, source_peak, measured.lra_lu)
    return NormalizeResult(
        before=before,
        after=after,
        duration_s=duration_s,
        channels=encoding.channels,
        passes=passes,
        prediction=prediction,
        source_true_peak=analysis_true_peak or check_source,
    )


@contextmanager
def _workdir(dst: Path, *, near: bool) -> Iterator[Path]:
    """A private folder: in the system's temp, or ``near`` dst (same disk, for big files)."""
    try:
        work = tempfile.TemporaryDirectory(
            prefix=".kotocast-loudness-" if near else "kotocast-loudness-",
            dir=dst.parent if near else None,
        )
    except OSError as exc:
        raise EncodeFailed(f"{dst}: cannot write: {exc.strerror or exc}") from None
    with work as name:
        yield Path(name)


def _encode_checked(
    join: JoinGraph,
    check_join: JoinGraph | None,
    analysis: Analysis,
    prediction: Prediction,
    dst: Path,
    target: LoudnessTarget,
    encoding: AudioEncoding,
    *,
    body: Path,
    duration_s: float,
    workdir: Path,
    progress: Callable[[float], None] | None,
) -> tuple[Loudness, float | None, int]:
    """Encode into a temp file beside ``dst``, correct once if needed, then replace ``dst``."""
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=".kotocast-", suffix=f".{encoding.codec}.tmp", dir=dst.parent
        )
    except OSError as exc:
        raise EncodeFailed(f"{dst}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    source_peak: float | None = None
    try:
        passes = 0
        while True:
            passes += 1
            after, peak = _encode_and_measure(
                join,
                check_join,
                tmp,
                prediction.gain_db,
                prediction.limit_dbfs,
                encoding,
                body=body,
                duration_s=duration_s,
                workdir=workdir,
                progress=progress if passes == 1 else None,
            )
            source_peak = peak if peak is not None else source_peak
            error_lu = after.integrated_lufs - target.integrated_lufs
            peak_over_db = after.true_peak_dbtp - target.true_peak_dbtp
            log.info(
                "%s: pass %d: gain %+.2f dB, limit %.2f dBFS (predicted loss: limiter %.2f LU, "
                "encoder %.2f LU; expected true-peak overshoot %.2f dB) -> %.2f LUFS, %.2f dBTP",
                body,
                passes,
                prediction.gain_db,
                prediction.limit_dbfs,
                prediction.limiter_loss_lu,
                prediction.encoder_loss_lu,
                prediction.programme_overshoot_db,
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
            prediction = correct(
                analysis, prediction, target, error_lu, peak_over_db, path=body, workdir=workdir
            )
            # The source's peak is already known from the first pass.
            check_join = None if source_peak is not None else check_join
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return after, source_peak, passes


def _encode_and_measure(
    join: JoinGraph,
    check_join: JoinGraph | None,
    tmp: Path,
    gain_db: float,
    limit_dbfs: float,
    encoding: AudioEncoding,
    *,
    body: Path,
    duration_s: float,
    workdir: Path,
    progress: Callable[[float], None] | None,
) -> tuple[Loudness, float | None]:
    """Encode to ``tmp`` and measure the encoded frames; return (after, source true peak)."""
    chain = f"[{join.label}]{limiter_filter(gain_db, limit_dbfs)}[out]"
    # The tee muxer writes the same encoded frames to the file (seekable, so an MP3 gets its
    # Xing/Info header and an .m4a its moov, moved to the front) and to stdout, where the
    # checker decodes them: one encode, measured as encoded.
    # The temp name is ours ([.a-z0-9_-]) and relative to cwd, so it needs no tee escaping.
    codec = CODECS[encoding.codec]
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
        *encoder_args(encoding),
        "-f",
        "tee",
        f"[{codec.file_format}]{tmp.name}|[{codec.pipe_format}]pipe:1",
        "-y",
    ]
    meter = workdir / "output.txt"
    # Loudness from ebur128, true peak from a plain 4x oversampler (a third of the cost of
    # ebur128's own; it matters most on one core, where the check is not free).
    graph = (
        f"[0:a:0]asplit=2[lm][tpm];"
        f"[lm]{ebur128_filter(true_peak=False)}:metadata=1,"
        f"ametadata=mode=print:key=lavfi.r128.I:file={filter_path(meter)}[enc];"
        f"[tpm]{true_peak_filter(encoding.sample_rate_hz)}[tp]"
    )
    outputs = ["-map", "[enc]", "-f", "null", "-", "-map", "[tp]", "-f", "null", "-"]
    if check_join is not None:
        graph += f";{check_join.graph};[{check_join.label}]{ebur128_filter(true_peak=True)}[srcm]"
        outputs += ["-map", "[srcm]", "-f", "null", "-"]
    checker = [
        "-f",
        codec.checker_demuxer,
        "-i",
        "pipe:0",
        *(check_join.input_args if check_join is not None else ()),
        "-filter_complex",
        graph,
        *outputs,
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
    peaks = parse_true_peaks(checker_log)
    if len(summaries) != (2 if check_join is not None else 1) or len(peaks) != 1:
        raise EncodeFailed(f"{body}: encoding failed: the output check printed no loudness")
    ordered = [summaries[k] for k in sorted(summaries)]
    encoded = ordered[0]
    after = Loudness(
        read_integrated(meter, encoded.integrated_lufs),
        next(iter(peaks.values())),
        encoded.lra_lu,
    )
    return after, (ordered[1].true_peak_dbtp if check_join is not None else None)
