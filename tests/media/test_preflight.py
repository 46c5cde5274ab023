"""inspect_audio: too-short recordings and DC offset, measured on real generated audio."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from media.errors import AudioTooShort, DcOffsetTooLarge
from media.preflight import EXCERPT_S, EXCERPTS, inspect_audio
from media.probe import probe
from tests import mediagen

pytestmark = pytest.mark.slow


def _shifted(src: Path, dst: Path, dc: float, codec: str = "pcm_s16le") -> Path:
    """``src`` with ``dc`` (fraction of full scale) added to every sample."""
    mediagen._ffmpeg("-i", str(src), "-af", f"dcshift={dc}", "-c:a", codec, str(dst))
    return dst


@pytest.fixture(scope="module")
def speech(media_dir: Path) -> Path:
    return mediagen.make_speech(media_dir / "preflight-speech.wav", 6.0, -24.0)


def test_clean_speech_has_no_notes(speech: Path) -> None:
    check = inspect_audio(probe(speech), removes_dc=False)
    assert abs(check.dc_offset) < 0.002
    assert 0.05 < check.peak < 1.0
    assert check.notes == ()


def test_dc_offset_025_is_named_before_any_encode(speech: Path, tmp_path: Path) -> None:
    src = _shifted(speech, tmp_path / "offset.wav", 0.25)
    with pytest.raises(DcOffsetTooLarge) as caught:
        inspect_audio(probe(src), removes_dc=False)
    message = str(caught.value)
    assert message.startswith(f"{src}: DC offset 0.25 of full scale")
    assert "LUFS" not in message and "\n" not in message


def test_dc_offset_is_reported_as_removed_when_the_encode_removes_it(
    speech: Path, tmp_path: Path
) -> None:
    src = _shifted(speech, tmp_path / "offset.flac", 0.25, codec="flac")
    check = inspect_audio(probe(src), removes_dc=True)
    assert check.dc_offset == pytest.approx(0.25, abs=0.005)
    assert check.notes == (
        f"{src}: DC offset 0.25 of full scale (the waveform sits off centre: a recorder or "
        "cable fault): removed",
    )


def test_small_dc_offset_is_a_note_not_an_error(speech: Path, tmp_path: Path) -> None:
    src = _shifted(speech, tmp_path / "small.wav", -0.02)
    check = inspect_audio(probe(src), removes_dc=False)
    assert check.dc_offset == pytest.approx(-0.02, abs=0.002)
    assert len(check.notes) == 1 and "DC offset 0.02" in check.notes[0]
    assert check.notes[0].endswith("kept (no high-pass filter)")


def test_dc_offset_that_clipped_the_take_is_refused_even_with_removal(
    media_dir: Path, tmp_path: Path
) -> None:
    hot = mediagen.make_speech(tmp_path / "hot.wav", 4.0, -12.0)
    src = _shifted(hot, tmp_path / "hot-offset.wav", 0.5)  # s16: clips at +1.0
    with pytest.raises(DcOffsetTooLarge, match="clipped the recording on one side"):
        inspect_audio(probe(src), removes_dc=True)


def test_a_tenth_of_a_second_is_too_short_not_silent(speech: Path, tmp_path: Path) -> None:
    clip = tmp_path / "blip.wav"
    mediagen._ffmpeg("-i", str(speech), "-t", "0.1", str(clip))
    with pytest.raises(AudioTooShort) as caught:
        inspect_audio(probe(clip), removes_dc=True)
    message = str(caught.value)
    assert message == f"{clip}: too short: 0.10 s of audio; an episode needs at least 1 s"
    assert "silent" not in message


def test_long_files_are_measured_on_excerpts(tmp_path: Path) -> None:
    # Five minutes of a low tone with 0.1 DC, MP3 (seeking by bitrate, like most episodes).
    src = tmp_path / "long.mp3"
    mediagen._ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=f=200:d=300:r=16000",
        "-af",
        "volume=0.3,dcshift=0.1",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "32k",
        str(src),
    )
    started = time.monotonic()
    check = inspect_audio(probe(src), removes_dc=True)
    elapsed = time.monotonic() - started
    assert check.measured_s == pytest.approx(EXCERPTS * EXCERPT_S)
    assert check.dc_offset == pytest.approx(0.1, abs=0.01)
    assert elapsed < 5.0, elapsed
