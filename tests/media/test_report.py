"""The loudness picture: curves measured on real files, pixels that follow the data."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from PIL import Image

from media.encode import AudioEncoding, normalize_audio
from media.loudness import LoudnessTarget
from media.report import (
    AFTER,
    BEFORE,
    BOTTOM,
    CEILING_LUFS,
    FLOOR_LUFS,
    HEIGHT,
    LEFT,
    RIGHT,
    SPEAKER_COLOURS,
    TARGET,
    TOP,
    WIDTH,
    LoudnessCurve,
    Turn,
    measure_curve,
    render_report,
)
from media.speech import prepare_speech, speech_settings
from tests.media import speechgen

PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _y(lufs: float) -> int:
    return TOP + round((CEILING_LUFS - lufs) / (CEILING_LUFS - FLOOR_LUFS) * PLOT_H)


def _x(seconds: float, duration: float) -> int:
    return LEFT + round(seconds / duration * PLOT_W)


def _near(img: Image.Image, x: int, y: int, colour: tuple[int, int, int], radius: int = 2) -> bool:
    return any(
        img.getpixel((x + dx, y + dy)) == colour
        for dx in range(-radius, radius + 1)
        for dy in range(-radius, radius + 1)
    )


def _flat(level: float | None, duration: float = 60.0, n: int = 600) -> LoudnessCurve:
    return LoudnessCurve(duration, duration / n, tuple([level] * n))


def test_pixels_follow_the_curves_target_and_turns(tmp_path: Path) -> None:
    before = LoudnessCurve(60.0, 0.1, tuple([-30.0] * 300 + [-22.0] * 300))
    after = _flat(-16.5)
    turns = [Turn(0.0, 20.0, "Host"), Turn(22.0, 40.0, "Guest"), Turn(42.0, 60.0, "Host")]
    dst = render_report(
        tmp_path / "r.png", before, after, target_lufs=-16.0, turns=turns, title="ep1"
    )
    img = Image.open(dst)
    assert (img.size, img.mode) == ((WIDTH, HEIGHT), "RGB")
    assert _near(img, _x(15, 60), _y(-30.0), BEFORE)
    assert _near(img, _x(45, 60), _y(-22.0), BEFORE)
    assert not _near(img, _x(15, 60), _y(-22.0), BEFORE)
    assert _near(img, _x(30, 60), _y(-16.5), AFTER)
    assert _near(img, _x(31, 60) + 3, _y(-16.0), TARGET, radius=4)
    lane = TOP + PLOT_H + 26 + 7
    host, guest = SPEAKER_COLOURS[1], SPEAKER_COLOURS[0]  # colours follow sorted names
    assert img.getpixel((_x(10, 60), lane)) == host
    assert img.getpixel((_x(30, 60), lane)) == guest
    assert img.getpixel((_x(50, 60), lane)) == host
    assert img.getpixel((_x(41, 60), lane)) != host


def test_silent_stretches_draw_nothing(tmp_path: Path) -> None:
    after = LoudnessCurve(60.0, 0.1, tuple([None] * 300 + [-16.0] * 300))
    img = Image.open(render_report(tmp_path / "r.png", _flat(None), after, target_lufs=-16.0))
    assert not _near(img, _x(15, 60), _y(-16.0), AFTER)
    assert _near(img, _x(45, 60), _y(-16.0), AFTER)


def test_unwritable_destination_is_a_media_error(tmp_path: Path) -> None:
    from media.errors import EncodeFailed

    with pytest.raises(EncodeFailed, match="cannot write report"):
        render_report(tmp_path / "missing" / "r.png", _flat(-20), _flat(-16), target_lufs=-16)


@pytest.mark.slow
def test_report_of_a_processed_interview(tmp_path: Path) -> None:
    iv = speechgen.make_interview(tmp_path / "iv.wav")
    chain = prepare_speech(iv.path, speech_settings("interview"), duration_s=iv.duration_s)
    mp3 = tmp_path / "iv.mp3"
    normalize_audio([iv.path], mp3, LoudnessTarget(), AudioEncoding(), pre_filter=chain.filter)
    before = measure_curve(iv.path, duration_s=iv.duration_s)
    after = measure_curve(mp3, duration_s=iv.duration_s)
    assert len(after.lufs) == round(iv.duration_s / 0.1)  # short: one bin per 100 ms
    # The curve agrees with an independent reading of the same file's short-term loudness.
    independent = speechgen.short_term_lufs(mp3, tmp_path)
    for start, end, _ in iv.turns[1:]:
        mid = (start + end) / 2 + 1.0
        column = after.lufs[int(mid / after.step_s)]
        reading = statistics.mean(v for t, v in independent if abs(t - mid) <= after.step_s)
        assert column == pytest.approx(reading, abs=0.5)

    # Before: B's turns are quieter than A's; after: they are level.
    def turn_mean(curve: LoudnessCurve, who: str) -> float:
        return statistics.mean(
            v
            for s, e, w in iv.turns[1:]
            if w == who
            for i, v in enumerate(curve.lufs)
            if v is not None and s + 3 <= i * curve.step_s <= e
        )

    assert turn_mean(before, "A") - turn_mean(before, "B") > 6
    assert abs(turn_mean(after, "A") - turn_mean(after, "B")) < 1.5
    turns = [Turn(s, e, w) for s, e, w in iv.turns]
    png = render_report(tmp_path / "report.png", before, after, target_lufs=-16.0, turns=turns)
    img = Image.open(png)
    assert _near(img, _x(30, iv.duration_s), _y(after.lufs[int(30 / after.step_s)] or -16), AFTER)
