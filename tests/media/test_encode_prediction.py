"""The gain solver in media.prediction, on measured-curve shapes (ffmpeg only in the last)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from media.analysis import Analysis, excerpt_select
from media.loudness import Loudness, LoudnessTarget
from media.prediction import Prediction, _limited, _solve, correct
from tests import mediagen

TARGET = LoudnessTarget()


def _curve(knee: float) -> tuple[tuple[float, float], ...]:
    """Phi(u) for an excerpt at -30 LUFS: slope 1 below the knee, 0.5 above it."""
    points = []
    for u in (0.0, 4.0, 8.0, 12.0, 16.0, 20.0):
        over = max(0.0, u - knee)
        points.append((u, -30.0 + u - 0.5 * over))
    return tuple(points)


def _solved(knee: float, encoder_loss: float = 0.4) -> Prediction:
    return _solve(
        TARGET,
        encoder_loss_lu=encoder_loss,
        limit_dbfs=-2.0,
        overshoot_db=0.0,
        programme_lufs=-30.0,
        excerpt_lufs=-30.0,
        curve=_curve(knee),
    )


def test_no_limiting_means_plain_gain_plus_encoder_loss() -> None:
    p = _solved(knee=100.0)
    assert p.gain_db == pytest.approx(-16.0 + 30.0 + 0.4)
    assert p.limiter_loss_lu == pytest.approx(0.0, abs=1e-9)


def test_limiting_is_paid_for_with_more_gain() -> None:
    p = _solved(knee=12.0)
    # Phi(u) = -30 + 12 + 0.5 (u - 12) must reach -16 + 0.4 + 2 = -13.6 -> u = 20.8.
    assert p.gain_db - p.limit_dbfs == pytest.approx(20.8)
    assert p.limiter_loss_lu == pytest.approx(0.5 * (20.8 - 12.0))


def test_correction_moves_the_right_way() -> None:
    p = _solved(knee=100.0)
    louder = p.corrected(TARGET, error_lu=0.3, peak_over_db=0.0)  # came out 0.3 LU too loud
    assert louder.gain_db == pytest.approx(p.gain_db - 0.3)
    quieter = p.corrected(TARGET, error_lu=-0.3, peak_over_db=0.0)
    assert quieter.gain_db == pytest.approx(p.gain_db + 0.3)


def test_a_peak_over_the_ceiling_lowers_it_and_pays_for_the_extra_limiting() -> None:
    p = _solved(knee=12.0)
    fixed = p.corrected(TARGET, error_lu=0.0, peak_over_db=0.4)
    # Overshoot shown: -1 + 0.4 - (-2.0) = 1.4 dB; lowered by 0.4 + 0.3 + 0.3 * 1.4.
    assert fixed.limit_dbfs == pytest.approx(p.limit_dbfs - 1.12)
    assert fixed.limiter_loss_lu > p.limiter_loss_lu
    # Same loudness after limiting: the gain rises by less than the ceiling fell (slope 0.5).
    assert fixed.gain_db - p.gain_db == pytest.approx(1.12, abs=1e-6)


@pytest.mark.parametrize(
    ("duration_s", "expect_all"), [(6.0, True), (24.0, True), (600.0, False), (10800.0, False)]
)
def test_excerpt_is_everything_only_for_short_programmes(
    duration_s: float, expect_all: bool
) -> None:
    assert (excerpt_select(duration_s) is None) == expect_all


def test_correction_beyond_the_curve_measures_it_there(tmp_path: Path, speech_quiet: Path) -> None:
    # A curve measured only at small gains; a peak 2 dB over the ceiling asks for a gain far
    # beyond it: correct() must meter the excerpt there, not extrapolate.
    excerpt = tmp_path / "excerpt.wav"
    mediagen._ffmpeg("-i", str(speech_quiet), "-c:a", "pcm_f32le", str(excerpt))
    analysis = Analysis(Loudness(-30.0, -10.0, 5.0), excerpt, 6.0)
    measured = _limited(
        excerpt, [0.0, 2.0], [tmp_path / "a.txt", tmp_path / "b.txt"], path=speech_quiet
    )
    p = replace(_solved(knee=100.0), curve=tuple(measured), limit_dbfs=-2.1)
    fixed = correct(analysis, p, TARGET, 0.0, 2.0, path=speech_quiet, workdir=tmp_path)
    assert fixed.limit_dbfs == pytest.approx(-2.1 - 3.23)
    assert len(fixed.curve) == len(p.curve) + 4
    u = fixed.gain_db - fixed.limit_dbfs
    assert min(x for x, _ in fixed.curve) < u < max(x for x, _ in fixed.curve)
