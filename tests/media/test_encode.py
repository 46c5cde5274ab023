"""normalize_audio on generated speech, graded by an independent ebur128 measurement.

``tests.mediagen.measure_ebur128`` runs ffmpeg's ``ebur128=peak=true`` on the *published*
file and parses the summary itself: media.loudness never grades its own work here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from media.encode import MONO_ENCODING, AudioEncoding, NormalizeResult, normalize_audio
from media.errors import LoudnessOutOfRange, ProbeFailed
from media.loudness import MONO_TARGET, LoudnessTarget
from tests import mediagen

pytestmark = pytest.mark.slow

STEREO = LoudnessTarget()  # -16 LUFS, -1 dBTP


def _streams(path: Path) -> dict[str, str]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=codec_name,sample_rate,channels,bit_rate:format=duration",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    return {**data["streams"][0], "duration": data["format"]["duration"]}


def _assert_on_target(path: Path, result: NormalizeResult, target: LoudnessTarget) -> None:
    integrated, true_peak = mediagen.measure_ebur128(path)
    assert integrated == pytest.approx(target.integrated_lufs, abs=0.5)
    assert true_peak <= target.true_peak_dbtp
    # What normalize_audio reports is what an independent meter reads on the file.
    assert result.after.integrated_lufs == pytest.approx(integrated, abs=0.15)
    assert result.after.true_peak_dbtp == pytest.approx(true_peak, abs=0.15)


@pytest.fixture(scope="session")
def normalized_quiet(
    tmp_path_factory: pytest.TempPathFactory, speech_quiet: Path
) -> tuple[Path, NormalizeResult]:
    dst = tmp_path_factory.mktemp("norm") / "quiet.mp3"
    return dst, normalize_audio([speech_quiet], dst, STEREO, AudioEncoding(), source_true_peak=True)


def test_quiet_speech_reaches_minus_16(
    normalized_quiet: tuple[Path, NormalizeResult], speech_quiet: Path
) -> None:
    dst, result = normalized_quiet
    _assert_on_target(dst, result, STEREO)
    assert result.before.integrated_lufs == pytest.approx(-30.0, abs=0.5)
    assert result.before.true_peak_dbtp == pytest.approx(
        mediagen.measure_ebur128(speech_quiet)[1], abs=0.3
    )


def test_output_is_44k1_stereo_cbr_128(normalized_quiet: tuple[Path, NormalizeResult]) -> None:
    dst, result = normalized_quiet
    info = _streams(dst)
    assert (info["codec_name"], info["sample_rate"], info["channels"]) == ("mp3", "44100", 2)
    assert info["bit_rate"] == "128000"
    assert float(info["duration"]) == pytest.approx(6.0, abs=0.1)
    assert result.duration_s == pytest.approx(6.0, abs=0.01)
    assert result.channels == 2


def test_loud_clipped_speech_reaches_minus_16(
    tmp_path: Path, speech_loud_clipped: Path, unchanged: Callable[[Path], Callable[[], None]]
) -> None:
    before_integrated, before_peak = mediagen.measure_ebur128(speech_loud_clipped)
    assert before_integrated == pytest.approx(-8.0, abs=0.5) and before_peak > 0.0  # clipped
    check = unchanged(speech_loud_clipped)
    dst = tmp_path / "loud.mp3"
    result = normalize_audio([speech_loud_clipped], dst, STEREO, AudioEncoding())
    _assert_on_target(dst, result, STEREO)
    check()


def test_mono_source_gets_the_mono_target(tmp_path: Path, speech_mono: Path) -> None:
    dst = tmp_path / "mono.mp3"
    result = normalize_audio([speech_mono], dst, MONO_TARGET, MONO_ENCODING)
    _assert_on_target(dst, result, MONO_TARGET)
    info = _streams(dst)
    assert (info["channels"], info["bit_rate"]) == (1, "64000")
    assert result.channels == 1


def test_surround_is_downmixed_before_measuring(tmp_path: Path, speech_51: Path) -> None:
    dst = tmp_path / "surround.mp3"
    result = normalize_audio([speech_51], dst, STEREO, AudioEncoding())
    _assert_on_target(dst, result, STEREO)
    assert _streams(dst)["channels"] == 2


def test_intro_and_outro_are_joined_with_crossfades(
    tmp_path: Path, speech_quiet: Path, intro_jingle: Path, outro_jingle: Path
) -> None:
    dst = tmp_path / "joined.mp3"
    result = normalize_audio(
        [intro_jingle, speech_quiet, outro_jingle], dst, STEREO, AudioEncoding(), crossfade_s=1.0
    )
    expected = 3.0 + 6.0 + 2.0 - 2 * 1.0
    assert result.duration_s == pytest.approx(expected, abs=0.05)
    assert float(_streams(dst)["duration"]) == pytest.approx(expected, abs=0.1)
    _assert_on_target(dst, result, STEREO)


def test_progress_is_monotonic_and_ends_at_one(tmp_path: Path, speech_mp3: Path) -> None:
    seen: list[float] = []
    normalize_audio([speech_mp3], tmp_path / "p.mp3", STEREO, AudioEncoding(), progress=seen.append)
    assert seen and seen == sorted(seen)
    assert seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen)


def test_only_the_output_appears_in_its_directory(tmp_path: Path, speech_mp3: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    normalize_audio([speech_mp3], out_dir / "episode.mp3", STEREO, AudioEncoding())
    assert [p.name for p in out_dir.iterdir()] == ["episode.mp3"]


def test_silence_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    mediagen._ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", str(silence))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(LoudnessOutOfRange, match=r"silence\.wav: cannot normalise loudness"):
        normalize_audio([silence], out_dir / "episode.mp3", STEREO, AudioEncoding())
    assert list(out_dir.iterdir()) == []


def test_unreadable_source_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio\n" * 100)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(ProbeFailed, match=r"notes\.mp3: "):
        normalize_audio([text], out_dir / "episode.mp3", STEREO, AudioEncoding())
    assert list(out_dir.iterdir()) == []


def test_existing_output_is_replaced_atomically(tmp_path: Path, speech_mp3: Path) -> None:
    dst = tmp_path / "episode.mp3"
    dst.write_bytes(b"old")
    normalize_audio([speech_mp3], dst, STEREO, AudioEncoding())
    assert dst.read_bytes()[:3] != b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
