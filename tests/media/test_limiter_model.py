"""The block model of the limiter's loss and the true-peak tail, on hand-made numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from media.analysis import Analysis
from media.limiter_model import (
    Blocks,
    _kept_db,
    block_peaks,
    histogram,
    integrated,
    learn,
    loss_lu,
)
from media.loudness import Loudness
from media.overshoot import TAIL_MIN_DB, programme_overshoot
from media.overshoot import programme_share as _share


def test_integrated_gates_as_bs1770() -> None:
    # Half the blocks 20 LU below the rest: under the relative gate, so they do not count.
    assert integrated([(-20.0, 10), (-40.0, 10)]) == pytest.approx(-20.0)
    # Blocks under the absolute gate never count.
    assert integrated([(-23.0, 5), (-75.0, 50)]) == pytest.approx(-23.0)
    # Within 10 LU both count, energy-weighted.
    both = 10 * math.log10((10**-2.0 + 10**-2.6) / 2)
    assert integrated([(-20.0, 1), (-26.0, 1)]) == pytest.approx(both)


def test_block_peak_is_the_window_maximum() -> None:
    # A momentary block is the last 400 ms: the frame and the three before it.
    frames = [(-30.0, -20.0), (-30.0, -3.0)] + [(-30.0, -20.0)] * 4
    assert [p for _, p in block_peaks(frames)] == [-20.0, -3.0, -3.0, -3.0, -3.0, -20.0]


def _excerpt() -> tuple[list[tuple[float, float]], list[tuple[float, list[float]]]]:
    """Loud blocks (peak -6 dBFS) that keep 3 dB less at u = 10, quiet ones that keep all."""
    blocks = [(-20.0, -6.0)] * 10 + [(-26.0, -20.0)] * 10
    after = [-20.0 + 10 - 3.0] * 10 + [-26.0 + 10] * 10
    return blocks, [(10.0, after)]


def test_the_excerpt_loss_is_reproduced() -> None:
    blocks, limited = _excerpt()
    retention = learn(blocks, limited)
    measured = integrated([(-20.0, 10), (-26.0, 10)]) - integrated([(-23.0, 10), (-26.0, 10)])
    assert loss_lu(histogram(blocks), retention, 10.0) == pytest.approx(measured, abs=0.01)


def test_a_programme_with_fewer_loud_blocks_loses_less() -> None:
    # The excerpt over-represents the loud blocks 4:1 (sparse events caught by its chunks).
    blocks, limited = _excerpt()
    retention = learn(blocks, limited)
    programme = histogram([(-20.0, -6.0)] * 10 + [(-26.0, -20.0)] * 70)
    excerpt_loss = loss_lu(histogram(blocks), retention, 10.0)
    programme_loss = loss_lu(programme, retention, 10.0)
    expected = integrated([(-20.0, 10), (-26.0, 70)]) - integrated([(-23.0, 10), (-26.0, 70)])
    assert programme_loss == pytest.approx(expected, abs=0.01)
    assert programme_loss < excerpt_loss - 0.3


def test_nothing_to_model_is_nan() -> None:
    blocks, limited = _excerpt()
    assert math.isnan(loss_lu(Blocks(()), learn(blocks, limited), 10.0))
    assert math.isnan(loss_lu(histogram(blocks), learn([], limited), 10.0))


def test_extrapolation_beyond_the_learned_overshoot_is_bounded() -> None:
    curve = [(0.0, 0.0), (2.0, -1.0), (4.0, -3.0)]
    assert _kept_db(curve, -5.0) == 0.0
    assert _kept_db(curve, 3.0) == pytest.approx(-2.0)
    # Slope -1 dB/dB continues; never steeper than losing the whole excess, never a gain.
    assert _kept_db(curve, 10.0) == pytest.approx(-9.0)
    assert _kept_db([(0.0, 0.0), (1.0, -3.0)], 5.0) == pytest.approx(-7.0)
    assert _kept_db([(0.0, 0.0), (1.0, 0.5)], 5.0) == 0.0


def test_overshoot_grows_with_the_programme_and_its_tail() -> None:
    short = [0.1] * 20
    assert programme_overshoot(0.4, short, 1.0) == pytest.approx(0.4)
    assert programme_overshoot(0.4, short, 20.0) == pytest.approx(0.4 + TAIL_MIN_DB * math.log(20))
    # A long tail in the excerpt's segments: extrapolated with its own, larger scale.
    tail = [1.5, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.0, -0.2, -0.5]
    scale = sum(tail[:9]) / 9 - tail[9]
    assert scale > TAIL_MIN_DB
    assert programme_overshoot(1.5, tail, 20.0) == pytest.approx(1.5 + scale * math.log(20))


def test_programme_length_unknown_means_the_usual_share(tmp_path: Path) -> None:
    loud = Loudness(-20.0, -1.0, 5.0)
    assert _share(Analysis(loud, tmp_path, 30.0, 600.0)) == pytest.approx(20.0)
    assert _share(Analysis(loud, tmp_path, 6.0, 6.0)) == 1.0
    assert _share(Analysis(loud, tmp_path, 30.0)) == pytest.approx(20.0)
    assert _share(Analysis(loud, tmp_path, 8.0)) == 1.0
