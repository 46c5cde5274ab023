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
   from the excerpt's per-segment overshoots (:mod:`media.overshoot`); the ceiling is set
   that far under the true-peak target. When that moves the ceiling by more than
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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from media.analysis import Analysis, meter_filter
from media.codecs import CODECS, AudioEncoding, limiter_filter
from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.limiter_model import (
    Retention,
    learn,
    loss_lu,
    read_loudness,
)
from media.loudness import (
    SILENCE_LUFS,
    LoudnessTarget,
    parse_ebur128_summaries,
    read_integrated,
)
from media.overshoot import (
    OVERSHOOT_SAFETY_DB,
    TAIL_MIN_DB,
    encoder_probe,
    programme_overshoot,
    programme_share,
)

log = logging.getLogger(__name__)

# Candidate gains into a 0 dBFS ceiling, relative to the gain that would hit the target with
# no limiter and no encoder loss. Wide enough for a dense-transient source (3-4 LU of limiter
# loss), a lower ceiling chosen after the encoder's overshoot is known, and the deepest limiting
# (loud music intro and outro: 6 LU) for the limiter model (media.limiter_model).
CANDIDATES_DB = (0.0, 1.0, 2.0, 3.5, 5.5, 8.5)
# The first SPLIT_AT candidates run beside the plain meter, the rest in a second ffmpeg.
SPLIT_AT = 3
# The encoder probe runs again at the new ceiling only when the overshoot moved it this much
# (the encoder's loss hardly depends on the ceiling; a probe costs 0.1-0.25 s).
REPROBE_ABOVE_DB = 1.0


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
    ratio = programme_share(analysis)
    tail = max(TAIL_MIN_DB, codec.overshoot_tail_db)
    margin = max(floor, tail * math.log(ratio) + OVERSHOOT_SAFETY_DB)
    prediction = solve(codec.typical_loss_lu, margin, 0.0, 0.0)
    expected = 0.0
    for probe in range(2):
        encoder_loss, overshoot, segments = encoder_probe(
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
    parts.append(f"[b{n}]{meter_filter(plain, true_peak=False)}[o{n}]")
    for k, gain in enumerate(candidates):
        parts.append(
            f"[b{k}]{limiter_filter(gain, 0.0)},"
            f"{meter_filter(files[k], true_peak=False, frames=True)}[o{k}]"
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
            f"[b{k}]{limiter_filter(gain, 0.0)},"
            f"{meter_filter(files[k], true_peak=False, frames=True)}[o{k}]"
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
