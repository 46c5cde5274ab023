"""Predict the gain that lands an encode on target, by measuring what limiter and encoder take.

How much loudness a look-ahead limiter removes depends on the material (how often and how far
its peaks exceed the ceiling after gain), and so does what a lossy encoder removes (its
low-pass and quantisation against the K-weighting); a constant calibrated on one source misses
the next real recording. So it is measured, in two cheap steps:

1. **Analysis pass** (the whole programme, streamed): integrated loudness (full precision,
   from ``ebur128``'s frame metadata) and peak, and every 100 ms frame's momentary loudness
   and sample peak (the limiter model's blocks); at the same time an *excerpt* is written:
   a 1-second chunk every few seconds spread over the whole programme, 20-45 s in all,
   already joined, downmixed, pre-filtered and at the output rate (its frames are metered
   before the resample, in the programme's domain).
2. **Prediction** (the excerpt only): (a) the excerpt split into branches at a few candidate
   gains, each limited exactly as the encode will limit and metered frame by frame — the
   limiter's loss as a function of gain, translated to the whole programme block by block
   (:mod:`media.limiter_model`: an excerpt that caught more of the loud moments than its
   share would otherwise overstate it); (b) the excerpt limited and encoded with the real
   codec, bitrate, rate and channels, decoded and metered — the encoder's loudness loss and
   its true-peak overshoot, whose largest value over the whole programme is extrapolated
   from the excerpt's per-segment overshoots (:func:`programme_overshoot`); the ceiling is
   set that far under the true-peak target. When that moves the ceiling by more than
   :data:`REPROBE_ABOVE_DB`, (b) runs once more at the new setting. (a) is split over two
   cores when there are two.

The limiter is scale-invariant (gain ``g`` into ceiling ``c`` is gain ``g - c`` into 0 dBFS,
then ``c``), so (a) measures ``Phi(u)``, the loudness after limiting at 0 dBFS with gain ``u``,
and any ceiling can be chosen afterwards from (b)'s overshoot. The gain is where the curve,
shifted from the excerpt to the programme, meets the target plus the encoder's loss.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from media.codecs import CODECS, AudioEncoding, encoder_args, limiter_filter
from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg, run_ffmpeg_pipeline
from media.filtergraph import JoinGraph, filter_path
from media.limiter_model import (
    NO_BLOCKS,
    Blocks,
    Retention,
    block_peaks,
    histogram,
    learn,
    loss_lu,
    read_frames,
    read_loudness,
)
from media.loudness import (
    SILENCE_LUFS,
    Loudness,
    LoudnessTarget,
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
# Candidate gains into a 0 dBFS ceiling, relative to the gain that would hit the target with
# no limiter and no encoder loss. Wide enough for a dense-transient source (3-4 LU of limiter
# loss), a lower ceiling chosen after the encoder's overshoot is known, and the deepest limiting
# (loud music intro and outro: 6 LU) for the limiter model (media.limiter_model).
CANDIDATES_DB = (0.0, 1.0, 2.0, 3.5, 5.5, 8.5)
# The first SPLIT_AT candidates run beside the plain meter, the rest in a second ffmpeg.
SPLIT_AT = 3
# The encoder's true-peak overshoot on the whole programme. Each limited moment overshoots
# the ceiling by a different, largely chance amount (the same excerpt encoded 7 ms later
# overshot 0.0-0.6 dB on 5.1 film, 0.7-1.8 dB on limited music), and true peak reports the
# largest over the programme, which has about programme/excerpt times more such moments than
# the excerpt: its largest lay 0.3-1.9 dB above the excerpt's on the corpus. So the probe's
# decoded true peak is also read per SEGMENT_S segment, the tail of those overshoots is taken
# as exponential with a scale measured from the TAIL_TOP largest (at least TAIL_MIN_DB), and
# the programme's largest is extrapolated: excerpt's largest + scale * ln(programme/excerpt),
# plus OVERSHOOT_SAFETY_DB (bench/bench_corpus.py: 13 sources, MP3 and AAC).
SEGMENT_S = 0.1
TAIL_TOP = 10
TAIL_MIN_DB = 0.3
OVERSHOOT_SAFETY_DB = 0.4
# The encoder probe runs again at the new ceiling only when the overshoot moved it this much
# (the encoder's loss hardly depends on the ceiling; a probe costs 0.1-0.25 s).
REPROBE_ABOVE_DB = 1.0


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


@dataclass(frozen=True, slots=True)
class Prediction:
    """The gain and ceiling for the encode, and the measurements they were solved from.

    ``curve``: ``(u, Phi(u))`` points, the excerpt's loudness after gain ``u`` into a 0 dBFS
    limiter; ``excerpt_lufs`` its loudness without gain or limiter. ``overshoot_db``: the
    encoder's true-peak overshoot measured on the excerpt; ``programme_overshoot_db``: the
    largest expected over the whole programme (what the ceiling was chosen for).
    """

    gain_db: float
    limit_dbfs: float
    limiter_loss_lu: float
    encoder_loss_lu: float
    overshoot_db: float
    programme_lufs: float
    excerpt_lufs: float
    curve: tuple[tuple[float, float], ...]
    programme_overshoot_db: float = 0.0
    # The excerpt's own curve when ``curve`` was modelled for the programme, else empty.
    measured_curve: tuple[tuple[float, float], ...] = ()

    def corrected(self, target: LoudnessTarget, error_lu: float, peak_over_db: float) -> Prediction:
        """Re-solve after an encode missed by ``error_lu`` (and ``peak_over_db`` over the ceiling).

        The miss is taken as a better estimate of the encoder's loss; a peak over the target
        lowers the ceiling by the excess, plus 0.3 dB, plus 30 % of the overshoot the encode
        showed, at most 1 dB (it differs by that much from one encode to the next at nearly
        the same setting: AAC on 5.1 film 3.1 and 3.9 dB, on limited music 6.8 and 8.4 dB;
        more than 1 dB lower would ask heavily limited music for tens of dB more limiting,
        whose loudness the curve cannot predict), and the gain is solved again on the same
        measured limiter curve (so the extra limiting is paid for).
        """
        limit = self.limit_dbfs
        if peak_over_db > 0:
            overshoot = target.true_peak_dbtp + peak_over_db - self.limit_dbfs
            limit -= peak_over_db + 0.3 + min(1.0, 0.3 * max(0.0, overshoot))
        # Too loud by error_lu: as if the encoder had taken that much less.
        return _solve(
            target,
            encoder_loss_lu=self.encoder_loss_lu - error_lu,
            limit_dbfs=limit,
            overshoot_db=self.overshoot_db,
            programme_lufs=self.programme_lufs,
            excerpt_lufs=self.excerpt_lufs,
            curve=self.curve,
            programme_overshoot_db=self.programme_overshoot_db,
            measured_curve=self.measured_curve,
        )


def correct(
    analysis: Analysis,
    prediction: Prediction,
    target: LoudnessTarget,
    error_lu: float,
    peak_over_db: float,
    *,
    path: Path,
    workdir: Path,
) -> Prediction:
    """Re-solve after a missed encode; measure the limiter curve where it was not measured.

    A true peak far over the ceiling lowers the ceiling by several dB, which asks for a gain
    beyond the measured candidates; extrapolating the curve there missed by more than 1 LU
    (AAC on loud, heavily limited music), so the excerpt is limited and metered again around
    the new gain (four branches, a fraction of a second).
    """
    first = prediction.corrected(target, error_lu, peak_over_db)
    u = first.gain_db - first.limit_dbfs
    if not prediction.curve or u <= max(point[0] for point in prediction.curve) + 0.5:
        return first
    gains = [u - 1.0, u + 1.5, u + 4.0, u + 8.0]
    files = [workdir / f"limit-c{k}.txt" for k in range(len(gains))]
    more = _limited(analysis.excerpt, gains, files, path=path)
    measured = prediction.measured_curve or prediction.curve
    # The new points are the excerpt's, measured; where the curve was modelled for the
    # programme (media.limiter_model), they are moved by the model's offset at the last
    # modelled point, so the curve keeps the measured shape beyond it (the model
    # extrapolates r(d) there, and a corrective encode must not trust an extrapolation).
    offset = 0.0
    if prediction.measured_curve:
        top = max(prediction.measured_curve)
        offset = dict(prediction.curve).get(top[0], top[1]) - top[1]
    curve = tuple(sorted([*prediction.curve, *((u, phi + offset) for u, phi in more)]))
    return replace(
        prediction, curve=curve, measured_curve=tuple(sorted([*measured, *more]))
    ).corrected(target, error_lu, peak_over_db)


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
    keep += (
        f",{ebur128_filter(true_peak=False)}:metadata=1,{_frames(files['x-lufs'], files['x-peak'])}"
    )
    if excerpt_rate_hz is not None:
        keep += f",aresample={excerpt_rate_hz}"
    graph = (
        f"{join.graph};[{join.label}]asplit=2[whole][part];"
        f"[whole]{_meter(meter, true_peak=true_peak)},{_frames(files['p-lufs'], files['p-peak'])}"
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


def _meter(file: Path, *, true_peak: bool, frames: bool = False) -> str:
    """ebur128 whose integrated loudness also goes, at full precision, to ``file``.

    With ``frames`` every key of every 100 ms frame goes there (momentary loudness too).
    """
    key = "" if frames else ":key=lavfi.r128.I"
    return (
        f"{ebur128_filter(true_peak=true_peak)}:metadata=1,"
        f"ametadata=mode=print{key}:file={filter_path(file)}"
    )


def _frames(lufs_file: Path, peak_file: Path) -> str:
    """After an ``ebur128`` with metadata: each frame's momentary loudness and sample peak."""
    return (
        f"ametadata=mode=print:key=lavfi.r128.M:file={filter_path(lufs_file)},"
        "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level,"
        f"ametadata=mode=print:key=lavfi.astats.Overall.Peak_level:file={filter_path(peak_file)}"
    )


def _modelled(
    points: Sequence[tuple[float, float]],
    analysis: Analysis,
    retention: Retention,
    excerpt_lufs: float,
) -> list[tuple[float, float]]:
    """The curve's points with the programme's modelled limiter loss in place of the excerpt's.

    ``Phi(u) = excerpt + u - loss(u)``: the solver shifts the curve from excerpt to programme
    by their unlimited loudness, so the programme's loss enters in the excerpt's terms.
    """
    out = []
    for u, phi in points:
        loss = loss_lu(analysis.blocks, retention, u)
        out.append((u, excerpt_lufs + u - loss if math.isfinite(loss) else phi))
    return out


def predict(
    analysis: Analysis,
    target: LoudnessTarget,
    encoding: AudioEncoding,
    *,
    path: Path,
    workdir: Path,
    parallel: bool,
) -> Prediction:
    """Measure the limiter's and the encoder's loss on the excerpt and solve for the gain.

    Args:
        analysis: The analysis pass's result.
        target: Where the encode must land.
        encoding: The real output codec, bitrate, rate and channels.
        path: The body, named in errors.
        workdir: The analysis pass's directory.
        parallel: Split the limiter branches over two ffmpegs (two cores).

    Raises:
        EncodeFailed: ffmpeg failed.
    """
    programme = analysis.loudness.integrated_lufs
    codec = CODECS[encoding.codec]
    floor = codec.min_limiter_margin_db
    guess_limit = target.true_peak_dbtp - floor
    base_u = target.integrated_lufs - programme - guess_limit
    candidates = [base_u + d for d in CANDIDATES_DB]
    if parallel:
        # Two halves of the candidates, one ffmpeg each (the excerpt is small to decode twice).
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [
                pool.submit(
                    _limiter_curve,
                    analysis.excerpt,
                    part,
                    path=path,
                    workdir=workdir,
                    tag=tag,
                    plain_meter=tag == "a",
                )
                for tag, part in (("a", candidates[:SPLIT_AT]), ("b", candidates[SPLIT_AT:]))
            ]
            (excerpt_lufs, excerpt_peak, curve), (_, _, more) = (j.result() for j in jobs)
            curve += more
    else:
        excerpt_lufs, excerpt_peak, curve = _limiter_curve(
            analysis.excerpt, candidates, path=path, workdir=workdir, tag="a"
        )
    measured: list[tuple[float, float]] = []
    if excerpt_lufs <= SILENCE_LUFS + 0.5:
        # A silent excerpt (a programme that is mostly pauses): nothing to learn from it.
        curve, excerpt_lufs = [], programme
    else:
        if math.isfinite(excerpt_peak):
            # Below the ceiling the limiter does nothing: one more exact point of the curve.
            curve.append((-excerpt_peak, excerpt_lufs - excerpt_peak))
        if analysis.excerpt_blocks and analysis.blocks.bins:
            tags = (
                [("a", candidates[:SPLIT_AT]), ("b", candidates[SPLIT_AT:])]
                if parallel
                else [("a", candidates)]
            )
            limited = [
                (gain, read_loudness(workdir / f"limit-{tag}{k}.txt"))
                for tag, gains in tags
                for k, gain in enumerate(gains)
            ]
            retention = learn(analysis.excerpt_blocks, limited)
            measured, curve = curve, _modelled(curve, analysis, retention, excerpt_lufs)

    def solve(encoder_loss: float, margin: float, overshoot: float, expected: float) -> Prediction:
        return _solve(
            target,
            encoder_loss_lu=encoder_loss,
            limit_dbfs=target.true_peak_dbtp - margin,
            overshoot_db=overshoot,
            programme_lufs=programme,
            excerpt_lufs=excerpt_lufs,
            curve=tuple(sorted(curve)),
            programme_overshoot_db=expected,
            measured_curve=tuple(sorted(measured)) if measured != curve else (),
        )

    # The encoder's loss and true-peak overshoot are measured at the gain and ceiling the
    # encode will use (both change with how hard the limiter works). When the programme's
    # expected overshoot needs a much lower ceiling, the gain is solved again on the same
    # limiter curve and the excerpt encoded once more at the new setting; a small change is
    # only re-solved.
    # A second probe is a second draw of the encoder's overshoots (another gain, another
    # ceiling): the larger expectation of the two stands.
    ratio = _share(analysis)
    tail = max(TAIL_MIN_DB, codec.overshoot_tail_db)
    margin = max(floor, tail * math.log(ratio) + OVERSHOOT_SAFETY_DB)
    prediction = solve(codec.typical_loss_lu, margin, 0.0, 0.0)
    expected = 0.0
    for probe in range(2):
        encoder_loss, overshoot, segments = _encoder_probe(
            analysis.excerpt,
            prediction.gain_db,
            prediction.limit_dbfs,
            encoding,
            path=path,
            workdir=workdir,
        )
        expected = max(expected, programme_overshoot(overshoot, segments, ratio, tail_db=tail))
        needed = max(floor, expected + OVERSHOOT_SAFETY_DB)
        prediction = solve(encoder_loss, needed, overshoot, expected)
        log.debug(
            "%s: probe %d at margin %.2f dB: overshoot %.2f dB on the excerpt, %.2f dB expected "
            "on the programme -> margin %.2f dB",
            path,
            probe + 1,
            margin,
            overshoot,
            expected,
            needed,
        )
        if abs(needed - margin) <= REPROBE_ABOVE_DB:
            break
        margin = needed
    return prediction


def _share(analysis: Analysis) -> float:
    """How many times longer the programme is than its excerpt.

    Unknown programme length (an :class:`Analysis` built without it): an excerpt of at least
    :data:`EXCERPT_MIN_S` is taken to be the usual share, the most a programme has beyond it.
    """
    if analysis.excerpt_s <= 0:
        return 1.0
    if analysis.programme_s > 0:
        return max(1.0, analysis.programme_s / analysis.excerpt_s)
    return 1.0 / EXCERPT_SHARE if analysis.excerpt_s >= EXCERPT_MIN_S - 0.5 else 1.0


def programme_overshoot(
    excerpt_db: float, segments_db: Sequence[float], ratio: float, *, tail_db: float = TAIL_MIN_DB
) -> float:
    """Extrapolate the largest true-peak overshoot of a programme ``ratio`` times the excerpt.

    ``excerpt_db``: the largest overshoot measured on the encoded excerpt; ``segments_db``:
    each segment's. The largest of n draws from an exponential tail of scale b grows as
    b ln n, so a programme with ``ratio`` times as many limited moments reaches about
    ``excerpt_db + b ln(ratio)``; b is the mean excess of the :data:`TAIL_TOP` largest
    segments over the smallest of them, at least ``tail_db`` (a few segments do not
    show a long tail that the programme may still have: 5.1 film's largest overshoot was
    0.45 dB above its second).
    """
    top = sorted((s for s in segments_db if math.isfinite(s)), reverse=True)[:TAIL_TOP]
    scale = tail_db
    if len(top) >= 3:
        scale = max(scale, sum(top[:-1]) / (len(top) - 1) - top[-1])
    return max(0.0, excerpt_db) + scale * math.log(max(1.0, ratio))


def _limiter_curve(
    excerpt: Path,
    candidates: Sequence[float],
    *,
    path: Path,
    workdir: Path,
    tag: str,
    plain_meter: bool = True,
) -> tuple[float, float, list[tuple[float, float]]]:
    """Meter the excerpt as is and after each candidate gain into a 0 dBFS limiter.

    Without ``plain_meter`` the excerpt's own loudness and peak come back as NaN.
    """
    n = len(candidates)
    files = [workdir / f"limit-{tag}{k}.txt" for k in range(n)]
    plain = workdir / f"excerpt-{tag}.txt"
    if not plain_meter:
        plain_curve = _limited(excerpt, candidates, files, path=path)
        return math.nan, math.nan, plain_curve
    parts = [f"[0:a:0]asplit={n + 1}" + "".join(f"[b{k}]" for k in range(n + 1))]
    parts.append(f"[b{n}]{_meter(plain, true_peak=False)}[o{n}]")
    for k, gain in enumerate(candidates):
        parts.append(
            f"[b{k}]{limiter_filter(gain, 0.0)},{_meter(files[k], true_peak=False, frames=True)}"
            f"[o{k}]"
        )
    outputs: list[str] = []
    for k in range(n + 1):
        outputs += ["-map", f"[o{k}]", "-f", "null", "-"]
    stderr = run_ffmpeg(
        ["-i", str(excerpt), "-filter_complex", ";".join(parts), *outputs],
        path=path,
        what="limiter prediction failed",
    )
    summaries = parse_ebur128_summaries(stderr)
    if len(summaries) != n + 1:
        raise EncodeFailed(f"{path}: limiter prediction failed: ebur128 printed no summary")
    by_order = [summaries[k] for k in sorted(summaries)]
    # ebur128 instances are numbered in graph order: the plain meter was added first.
    plain_summary, limited = by_order[0], by_order[1:]
    excerpt_lufs = read_integrated(plain, plain_summary.integrated_lufs)
    curve = [
        (gain, read_integrated(file, summary.integrated_lufs))
        for gain, file, summary in zip(candidates, files, limited, strict=True)
    ]
    return excerpt_lufs, plain_summary.true_peak_dbtp, curve


def _limited(
    excerpt: Path, candidates: Sequence[float], files: Sequence[Path], *, path: Path
) -> list[tuple[float, float]]:
    """Only the limited branches of :func:`_limiter_curve` (the other core's half)."""
    n = len(candidates)
    parts = [f"[0:a:0]asplit={n}" + "".join(f"[b{k}]" for k in range(n))]
    for k, gain in enumerate(candidates):
        parts.append(
            f"[b{k}]{limiter_filter(gain, 0.0)},{_meter(files[k], true_peak=False, frames=True)}"
            f"[o{k}]"
        )
    outputs: list[str] = []
    for k in range(n):
        outputs += ["-map", f"[o{k}]", "-f", "null", "-"]
    stderr = run_ffmpeg(
        ["-i", str(excerpt), "-filter_complex", ";".join(parts), *outputs],
        path=path,
        what="limiter prediction failed",
    )
    summaries = parse_ebur128_summaries(stderr)
    if len(summaries) != n:
        raise EncodeFailed(f"{path}: limiter prediction failed: ebur128 printed no summary")
    return [
        (gain, read_integrated(file, summaries[key].integrated_lufs))
        for gain, file, key in zip(candidates, files, sorted(summaries), strict=True)
    ]


def _encoder_probe(
    excerpt: Path,
    gain_db: float,
    limit_dbfs: float,
    encoding: AudioEncoding,
    *,
    path: Path,
    workdir: Path,
) -> tuple[float, float, list[float]]:
    """Limit and encode the excerpt like the real encode; measure what the encoder did.

    Returns:
        The loudness loss (LU), the decoded true peak's overshoot above the limiter's output
        sample peak (dB), and the same overshoot per :data:`SEGMENT_S` segment (decoded peak
        at 4x the rate, ``astats``), for :func:`programme_overshoot`.
    """
    before, after = workdir / "pre-encode.txt", workdir / "encoded.txt"
    segments = workdir / "segments.txt"
    rate = 4 * encoding.sample_rate_hz
    codec = CODECS[encoding.codec]
    producer = [
        "-i",
        str(excerpt),
        "-filter_complex",
        f"[0:a:0]{limiter_filter(gain_db, limit_dbfs)},asplit[e][p];"
        f"[p]{_meter(before, true_peak=False)}[m]",
        "-map",
        "[m]",
        "-f",
        "null",
        "-",
        "-map",
        "[e]",
        *encoder_args(encoding),
        "-f",
        codec.pipe_muxer,
        "pipe:1",
    ]
    checker = [
        "-f",
        codec.checker_demuxer,
        "-i",
        "pipe:0",
        "-filter_complex",
        f"[0:a:0]asplit[a][b];[a]{_meter(after, true_peak=True)}[m];"
        f"[b]aresample={rate},asetnsamples=n={round(rate * SEGMENT_S)}:p=0,"
        "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level,"
        f"ametadata=mode=print:key=lavfi.astats.Overall.Peak_level:file={filter_path(segments)}"
        "[s]",
        "-map",
        "[m]",
        "-f",
        "null",
        "-",
        "-map",
        "[s]",
        "-f",
        "null",
        "-",
    ]
    prod_log, check_log = run_ffmpeg_pipeline(
        producer, checker, path=path, what="encoder prediction failed"
    )
    pre = parse_ebur128_summaries(prod_log)
    post = parse_ebur128_summaries(check_log)
    if not pre or not post:
        raise EncodeFailed(f"{path}: encoder prediction failed: ebur128 printed no summary")
    pre_s, post_s = next(iter(pre.values())), next(iter(post.values()))
    loss = read_integrated(before, pre_s.integrated_lufs) - read_integrated(
        after, post_s.integrated_lufs
    )
    if not math.isfinite(loss) or pre_s.integrated_lufs <= SILENCE_LUFS + 0.5:
        loss = CODECS[encoding.codec].typical_loss_lu
    overshoot = post_s.true_peak_dbtp - pre_s.true_peak_dbtp
    if not math.isfinite(overshoot):
        overshoot = 0.0
    per_segment = [peak - pre_s.true_peak_dbtp for peak in _read_values(segments)]
    return loss, max(0.0, overshoot), per_segment


def _read_values(meter_file: Path) -> list[float]:
    """Every ``key=value`` number an ``ametadata=mode=print:key=...`` wrote (none if missing)."""
    try:
        text = meter_file.read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    values = []
    for line in text.splitlines():
        if line.startswith("lavfi."):
            try:
                values.append(float(line.partition("=")[2]))
            except ValueError:
                continue
    return values


def _solve(
    target: LoudnessTarget,
    *,
    encoder_loss_lu: float,
    limit_dbfs: float,
    overshoot_db: float,
    programme_lufs: float,
    excerpt_lufs: float,
    curve: tuple[tuple[float, float], ...],
    programme_overshoot_db: float = 0.0,
    measured_curve: tuple[tuple[float, float], ...] = (),
) -> Prediction:
    """Find the gain whose limited, encoded programme lands on the target.

    The limiter's loss measured on the excerpt is taken to be the programme's:
    ``programme + g - (excerpt + u - Phi(u)) - encoder_loss = target`` with ``u = g - c``,
    i.e. ``Phi(u) = target + encoder_loss - c + excerpt - programme``.
    """
    wanted = target.integrated_lufs + encoder_loss_lu - limit_dbfs + excerpt_lufs - programme_lufs
    u = _inverse(curve, wanted, excerpt_lufs)
    limiter_loss = excerpt_lufs + u - _forward(curve, u, excerpt_lufs) if curve else 0.0
    return Prediction(
        gain_db=u + limit_dbfs,
        limit_dbfs=limit_dbfs,
        limiter_loss_lu=limiter_loss,
        encoder_loss_lu=encoder_loss_lu,
        overshoot_db=overshoot_db,
        programme_lufs=programme_lufs,
        excerpt_lufs=excerpt_lufs,
        curve=curve,
        programme_overshoot_db=programme_overshoot_db,
        measured_curve=measured_curve,
    )


def _forward(curve: Sequence[tuple[float, float]], u: float, unlimited: float) -> float:
    """Phi(u) by piecewise-linear interpolation (the unlimited line left of the curve)."""
    if not curve or u <= curve[0][0]:
        return unlimited + u if not curve else curve[0][1] - (curve[0][0] - u)
    for (u0, p0), (u1, p1) in itertools.pairwise(curve):
        if u <= u1:
            return p0 + (p1 - p0) * (u - u0) / (u1 - u0) if u1 > u0 else p1
    (u0, p0), (u1, p1) = curve[-2:] if len(curve) > 1 else (curve[0], curve[0])
    slope = (p1 - p0) / (u1 - u0) if u1 > u0 else 1.0
    return p1 + max(slope, 0.05) * (u - u1)


def _inverse(curve: Sequence[tuple[float, float]], wanted: float, unlimited: float) -> float:
    """The gain ``u`` with ``Phi(u) = wanted`` (Phi rises with u; measured points may jitter)."""
    if not curve:
        return wanted - unlimited
    if wanted <= curve[0][1]:
        return curve[0][0] - (curve[0][1] - wanted)
    for (u0, p0), (u1, p1) in itertools.pairwise(curve):
        if wanted <= p1:
            return u0 + (u1 - u0) * (wanted - p0) / (p1 - p0) if p1 > p0 else u1
    (u0, p0), (u1, p1) = curve[-2:] if len(curve) > 1 else (curve[0], curve[0])
    slope = max((p1 - p0) / (u1 - u0) if u1 > u0 else 1.0, 0.05)
    return u1 + (wanted - p1) / slope
