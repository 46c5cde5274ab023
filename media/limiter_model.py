"""How much loudness the limiter takes from the whole programme, learned on its excerpt.

The excerpt (1 s chunks, 5 % of the programme) is metered after the limiter at a few gains;
taking its loss in LU as the programme's assumes the excerpt holds the same share of loud
peaks. With sparse events it does not: on a quiet phone call with one loud knock a minute the
excerpt's limiter took 1.31 LU where the programme lost 0.88, and the encode landed 0.45 LU
too loud. So the loss is modelled per loudness block instead:

* the analysis pass meters every 100 ms frame of the programme (``ebur128``'s momentary
  loudness, the 400 ms blocks its integrated loudness is gated over, and ``astats``'s sample
  peak), and the same for the excerpt's frames before they are resampled;
* the limiter is scale-invariant, so how much of a block's energy survives depends mostly on
  how far its peak ``P`` goes over the ceiling, ``d = P + u`` at gain ``u`` into 0 dBFS. That
  retention ``r(d)`` is learned from the excerpt's blocks at the measured candidate gains;
* the programme's loudness after limiting is then its blocks' energies times ``r(P + u)``,
  gated again as BS.1770 gates (absolute -70 LUFS, relative -10 LU).

On the corpus the model's programme loss matched the programme's measured loss within
0.02 LU (phone call: 0.88 vs 0.88; music intro and outro limited by 6 LU: 6.03 vs 6.02).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Frames of ebur128's metadata output are 100 ms; its momentary block is the last 4 of them.
BLOCK_FRAMES = 4
# Histogram resolution of the programme's blocks (peak and loudness, dB) and of r(d).
BIN_DB = 0.25
RETENTION_BIN_DB = 1.0
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = 10.0


@dataclass(frozen=True, slots=True)
class Blocks:
    """A programme's loudness blocks as a histogram: ``(peak dBFS, loudness LUFS, count)``."""

    bins: tuple[tuple[float, float, int], ...]


@dataclass(frozen=True, slots=True)
class Retention:
    """Energy kept by the limiter per 1 dB bin of overshoot ``d``: ``(d, sum E*r, sum E)``."""

    bins: tuple[tuple[float, float, float], ...]

    def merged(self, other: Retention) -> Retention:
        """Return the bins of both (sums added)."""
        sums: dict[float, list[float]] = {}
        for d, kept, total in (*self.bins, *other.bins):
            entry = sums.setdefault(d, [0.0, 0.0])
            entry[0] += kept
            entry[1] += total
        return Retention(tuple(sorted((d, k, t) for d, (k, t) in sums.items())))


NO_BLOCKS = Blocks(())
NO_RETENTION = Retention(())


def read_frames(loudness_file: Path, peak_file: Path) -> list[tuple[float, float]]:
    """Pair each frame's momentary loudness (LUFS) with its sample peak (dBFS).

    Both files are ``ametadata=mode=print`` output, one key each, frame by frame. Missing or
    unreadable files give no frames (the caller then keeps the excerpt's measured loss).
    """
    loudness = _values(loudness_file, "lavfi.r128.M=")
    peaks = _values(peak_file, "lavfi.astats.Overall.Peak_level=")
    return list(zip(loudness, peaks, strict=False))


def read_loudness(meter_file: Path) -> list[float]:
    """Each frame's momentary loudness from a meter file that printed every ebur128 key."""
    return _values(meter_file, "lavfi.r128.M=")


def _values(file: Path, prefix: str) -> list[float]:
    try:
        text = file.read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    values = []
    for line in text.splitlines():
        if line.startswith(prefix):
            number = line[len(prefix) :].strip()
            values.append(-math.inf if number in ("-inf", "nan") else float(number))
    return values


def block_peaks(frames: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """``(loudness, peak)`` per block: each frame's momentary loudness, its window's peak."""
    out = []
    for i, (lufs, _) in enumerate(frames):
        window = frames[max(0, i - BLOCK_FRAMES + 1) : i + 1]
        out.append((lufs, max(peak for _, peak in window)))
    return out


def histogram(blocks: Iterable[tuple[float, float]]) -> Blocks:
    """Bin blocks above the absolute gate by peak and loudness (:data:`BIN_DB`)."""
    counts: dict[tuple[float, float], int] = {}
    for lufs, peak in blocks:
        if not (math.isfinite(lufs) and lufs > ABSOLUTE_GATE_LUFS and math.isfinite(peak)):
            continue
        key = (round(peak / BIN_DB) * BIN_DB, round(lufs / BIN_DB) * BIN_DB)
        counts[key] = counts.get(key, 0) + 1
    return Blocks(tuple(sorted((p, m, n) for (p, m), n in counts.items())))


def learn(
    excerpt: Sequence[tuple[float, float]], limited: Iterable[tuple[float, Sequence[float]]]
) -> Retention:
    """Learn r(d) from the excerpt's blocks and their loudness after each candidate gain.

    Args:
        excerpt: The excerpt's ``(loudness, peak)`` per block (:func:`block_peaks`).
        limited: ``(u, loudness per frame after gain u into a 0 dBFS limiter)``.
    """
    sums: dict[float, list[float]] = {}
    for u, after in limited:
        for (lufs, peak), out in zip(excerpt, after, strict=False):
            if not (lufs > ABSOLUTE_GATE_LUFS and math.isfinite(out) and math.isfinite(peak)):
                continue
            energy = 10 ** (lufs / 10)
            kept = 10 ** ((out - u - lufs) / 10)
            d = round((peak + u) / RETENTION_BIN_DB) * RETENTION_BIN_DB
            entry = sums.setdefault(d, [0.0, 0.0])
            entry[0] += energy * min(kept, 1.0)
            entry[1] += energy
    return Retention(tuple(sorted((d, k, t) for d, (k, t) in sums.items() if t > 0)))


def loss_lu(blocks: Blocks, retention: Retention, u: float) -> float:
    """The programme's integrated loudness lost to gain ``u`` into a 0 dBFS limiter (LU).

    NaN when there is nothing to model (no blocks or no learned retention).
    """
    if not blocks.bins or not retention.bins:
        return math.nan
    curve = [(d, 10 * math.log10(k / t)) for d, k, t in retention.bins if k > 0]
    if not curve:
        return math.nan
    before = integrated([(lufs, n) for _, lufs, n in blocks.bins])
    after = integrated([(lufs + _kept_db(curve, peak + u), n) for peak, lufs, n in blocks.bins])
    return before - after


def _kept_db(curve: Sequence[tuple[float, float]], d: float) -> float:
    """r(d) in dB: interpolated; 0 below the first bin that loses; extrapolated on top."""
    if d <= curve[0][0]:
        return min(0.0, curve[0][1]) if d > 0 else 0.0
    for (d0, r0), (d1, r1) in itertools.pairwise(curve):
        if d <= d1:
            return min(0.0, r0 + (r1 - r0) * (d - d0) / (d1 - d0))
    # Beyond the excerpt's deepest limiting (a programme's rare loudest events): continue the
    # last bins' slope, between keeping the excess (0) and losing all of it (-1 dB per dB).
    (d0, r0), (d1, r1) = curve[-2:] if len(curve) > 1 else ((curve[0][0] - 1, 0.0), curve[0])
    slope = min(0.0, max(-1.0, (r1 - r0) / (d1 - d0)))
    return min(0.0, r1 + slope * (d - d1))


def integrated(blocks: Sequence[tuple[float, int]]) -> float:
    """BS.1770 gated integrated loudness of ``(block loudness, count)`` (-70 when all are
    under the absolute gate)."""
    gated = [(lufs, n) for lufs, n in blocks if lufs > ABSOLUTE_GATE_LUFS]
    if not gated:
        return ABSOLUTE_GATE_LUFS
    mean = mean_energy(gated)
    relative = 10 * math.log10(mean) - RELATIVE_GATE_LU
    kept = [(lufs, n) for lufs, n in gated if lufs > relative]
    return 10 * math.log10(mean_energy(kept or gated))


def mean_energy(blocks: Sequence[tuple[float, int]]) -> float:
    total = sum(n for _, n in blocks)
    return sum(n * 10 ** (lufs / 10) for lufs, n in blocks) / total
