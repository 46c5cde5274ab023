"""Find mains hum in a recording: which of 50 or 60 Hz, its exact frequency, its harmonics.

Pure Python on a short, decimated stretch (the speech probe's excerpts): Welch's method with
1 s Hann segments, on the quietest pairs of consecutive segments only, so the cost does not
depend on the recording's length.
"""

from __future__ import annotations

import array
import math
from dataclasses import dataclass

# Mains frequencies looked for (Europe/Asia/Africa 50 Hz, the Americas 60 Hz).
MAINS_HZ = (50.0, 60.0)
# Lines are compared in the quieter segments (this percentile of per-segment power), where
# hum shows and speech (whose harmonics sweep through the same bins) mostly does not.
HUM_PERCENTILE = 0.25
# The hum is read on at most this many pairs of 1 s segments (the quietest ones).
HUM_PAIRS = 12
DIGITAL_SILENCE = 1e-10  # mean square (-100 dBFS)
MIN_LINES = 2


@dataclass(frozen=True, slots=True)
class Hum:
    """Detected mains hum: the fundamental and the harmonics that stand out of the spectrum."""

    mains_hz: float
    harmonics_hz: tuple[float, ...]
    prominence_db: tuple[float, ...]


def _windowed_tables(freq_hz: float, rate: int, n: int) -> tuple[list[float], list[float]]:
    step = 2 * math.pi * freq_hz / rate
    hann = [0.5 - 0.5 * math.cos(2 * math.pi * i / n) for i in range(n)]
    return (
        [w * math.cos(step * i) for i, w in enumerate(hann)],
        [-w * math.sin(step * i) for i, w in enumerate(hann)],
    )


def _bins(
    samples: array.array[float], rate: int, freq_hz: float, starts: list[int]
) -> list[complex]:
    """One Hann-windowed DFT bin at ``freq_hz`` for each 1 s segment starting at ``starts``."""
    cos_t, sin_t = _windowed_tables(freq_hz, rate, rate)
    out = []
    for start in starts:
        seg = samples[start : start + rate]
        out.append(
            complex(sum(map(float.__mul__, seg, cos_t)), sum(map(float.__mul__, seg, sin_t)))
        )
    return out


def _quiet_pairs(samples: array.array[float], rate: int, excerpt_s: float | None) -> list[int]:
    """Starts of the quietest pairs of consecutive 1 s segments, as [a0, a0+1s, a1, ...].

    Hum shows best where nobody speaks, and a pair gives the phase advance that pins the
    exact mains frequency. At most ``HUM_PAIRS`` pairs, so the cost does not depend on length.
    """
    n = len(samples) // rate
    per_excerpt = int(excerpt_s) if excerpt_s else 0
    power = []
    for i in range(n):
        seg = samples[i * rate : (i + 1) * rate]
        power.append(math.fsum(map(float.__mul__, seg, seg)))
    candidates = sorted(
        (power[i] + power[i + 1], i)
        for i in range(n - 1)
        if not (per_excerpt and (i + 1) % per_excerpt == 0)  # not across two excerpts
    )
    taken: set[int] = set()
    starts: list[int] = []
    for _, i in candidates:
        if i in taken or i + 1 in taken:
            continue
        taken.update((i, i + 1))
        starts += [i * rate, (i + 1) * rate]
        if len(starts) >= 2 * HUM_PAIRS:
            break
    return starts


def _power(values: list[complex]) -> float:
    """A low percentile of the segments' powers: hum is in every segment, speech is not."""
    powers = sorted(abs(v) ** 2 for v in values)
    return powers[int(HUM_PERCENTILE * (len(powers) - 1))] + 1e-30


def detect_hum(
    samples: array.array[float],
    rate: int,
    *,
    max_harmonics: int = 8,
    min_prominence_db: float = 10.0,
    excerpt_s: float | None = None,
) -> Hum | None:
    """Find mains hum: narrow lines at multiples of 50 or 60 Hz standing out of the spectrum.

    Welch's method with 1 s Hann segments (the quietest pairs, see :func:`_quiet_pairs`): a
    harmonic's line power is compared with the median
    of the bins 3 and 5 Hz either side (speech, music and noise are broad there; hum is a line),
    both in the quieter segments (see ``HUM_PERCENTILE``). The
    mains family with more prominence wins; its exact frequency (mains drift and recorder
    clocks put it off by a fraction of a hertz, which would defeat a narrow notch) comes from
    the phase advance of the strongest lines from one segment to the next.

    Args:
        samples: Mono audio at ``rate`` (1024 Hz is enough for harmonics up to 8 x 60 Hz).
        excerpt_s: Length of the concatenated excerpts, so no segment pair straddles two
            excerpts; None for one continuous stretch.

    Returns:
        The hum, or None when no harmonic stands ``min_prominence_db`` above its neighbours.
    """
    if len(samples) < 2 * rate:
        return None
    starts = _quiet_pairs(samples, rate, excerpt_s)
    if not starts:
        return None
    quietest = samples[starts[0] : starts[0] + rate]
    if math.fsum(map(float.__mul__, quietest, quietest)) / rate < DIGITAL_SILENCE:
        # Mains hum is continuous: a second of digital silence proves there is none (and
        # speech harmonics around it would otherwise pass for lines).
        return None
    best: tuple[float, float, list[tuple[float, float, list[complex]]]] | None = None
    for mains in MAINS_HZ:
        found = _lines(samples, rate, mains, max_harmonics, min_prominence_db, starts)
        score = sum(p for _, p, _ in found)
        # One line alone is more likely a held note or a steady voice than mains hum, which
        # always brings harmonics along.
        if len(found) >= MIN_LINES and (best is None or score > best[0]):
            best = (score, mains, found)
    if best is None:
        return None
    _, mains, found = best
    fundamental = mains + _drift_hz(found, mains)
    # Look again exactly where the lines are: off-bin harmonics lose a few dB to the window.
    found = _lines(samples, rate, fundamental, max_harmonics, min_prominence_db, starts) or found
    harmonics = tuple(round(f, 3) for f, _, _ in found)
    return Hum(round(fundamental, 3), harmonics, tuple(round(p, 1) for _, p, _ in found))


def _lines(
    samples: array.array[float],
    rate: int,
    mains: float,
    max_harmonics: int,
    min_db: float,
    starts: list[int],
) -> list[tuple[float, float, list[complex]]]:
    """Harmonics of ``mains`` whose line stands ``min_db`` over its neighbours."""
    found = []
    for k in range(1, max_harmonics + 1):
        freq = mains * k
        if freq + 5 >= rate / 2:
            break
        line = _bins(samples, rate, freq, starts)
        sides = sorted(_power(_bins(samples, rate, freq + d, starts)) for d in (-5, -3, 3, 5))
        prominence = 10 * math.log10(_power(line) / sides[len(sides) // 2])
        if prominence >= min_db:
            found.append((freq, prominence, line))
    return found


def _drift_hz(found: list[tuple[float, float, list[complex]]], mains: float) -> float:
    """Estimate how far the real mains frequency is from nominal (phase advance per second).

    Bins come in pairs of consecutive 1 s segments, so a line's phase advance within a pair,
    in turns, is its offset from the bin in Hz, modulo 1. Harmonic k is offset k times as far
    as the fundamental, so the lowest harmonic found fixes the estimate (unambiguous within
    +-0.5/k Hz) and the higher ones, unwrapped against it, refine it.
    """
    estimate: float | None = None
    weighted = total = 0.0
    for freq, _, line in sorted(found):
        acc = sum((line[i + 1] * line[i].conjugate() for i in range(0, len(line) - 1, 2)), 0j)
        if abs(acc) == 0:
            continue
        harmonic = round(freq / mains)
        offset = math.atan2(acc.imag, acc.real) / (2 * math.pi)
        if estimate is not None:
            offset += round(harmonic * estimate - offset)
        weighted += abs(acc) * offset / harmonic
        total += abs(acc)
        estimate = weighted / total
    return estimate or 0.0
