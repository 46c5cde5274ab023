"""prepare_video's audio: copied when it already meets the target, else levelled; one tag writer.

Graded on the published MP4 with the independent meter in ``tests.mediagen`` and with ffprobe
packet hashes (a copied track is the source's packets byte for byte).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from mutagen.mp4 import MP4

from media.encode import NormalizeResult, normalize_audio
from media.loudness import Loudness, LoudnessTarget
from media.video import (
    VIDEO_AUDIO,
    VideoTags,
    audio_is_copyable,
    meets_target,
    prepare_video,
    probe_video,
)
from tests import mediagen

pytestmark = pytest.mark.slow

TARGET = LoudnessTarget()  # -16 LUFS, -1 dBTP, +-0.5
COPY_AUDIO_OUT = ("-map", "0:a:0", "-c", "copy", "-f", "adts", "-")
PROBE_LANGUAGES = (
    "ffprobe",
    "-v",
    "error",
    "-show_entries",
    "stream_tags=language",
    "-of",
    "csv=p=0",
)
TAGS = VideoTags(title="Terveydenhuolto", series="Arki Suomessa", artist="Hanke", language="fi")


def _video_with(audio: Path, path: Path, *, seconds: float = 6.0) -> Path:
    """H.264 test card with ``audio`` as its soundtrack, the audio stream copied."""
    mediagen._ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=320x180:rate=25:d={seconds}",
        "-i",
        str(audio),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "copy",
        "-shortest",
        str(path),
    )
    return path


def _audio_md5(path: Path) -> str:
    out = subprocess.run(
        [mediagen.FFMPEG, "-v", "error", "-i", str(path), *COPY_AUDIO_OUT],
        check=True,
        capture_output=True,
    ).stdout
    assert len(out) > 1000
    return hashlib.md5(out).hexdigest()


def _track_languages(path: Path) -> list[str]:
    out = subprocess.run(
        [*PROBE_LANGUAGES, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def on_target_video(tmp_path_factory: pytest.TempPathFactory, speech_quiet: Path) -> Path:
    """A video whose stereo AAC already sits at -16 LUFS / under -1 dBTP."""
    work = tmp_path_factory.mktemp("ontarget")
    levelled = work / "levelled.m4a"
    result: NormalizeResult = normalize_audio([speech_quiet], levelled, TARGET, VIDEO_AUDIO)
    assert abs(result.after.integrated_lufs + 16.0) <= 0.3
    return _video_with(levelled, work / "ontarget.mp4")


def test_audio_that_meets_the_target_is_copied(on_target_video: Path, tmp_path: Path) -> None:
    info = probe_video(on_target_video)
    assert audio_is_copyable(info.media)
    dst = tmp_path / "out.mp4"
    result = prepare_video(info, dst, TARGET, TAGS)
    assert result.audio_copied and result.audio_passes == 0
    assert _audio_md5(dst) == _audio_md5(on_target_video)
    integrated, true_peak = mediagen.measure_ebur128(dst)
    assert integrated == pytest.approx(-16.0, abs=0.5) and true_peak <= -1.0
    assert result.after.integrated_lufs == pytest.approx(integrated, abs=0.2)


def test_a_pre_filter_forces_the_encode(on_target_video: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    result = prepare_video(
        probe_video(on_target_video), dst, TARGET, TAGS, pre_filter="highpass=f=120"
    )
    assert not result.audio_copied and result.audio_passes == 1
    assert _audio_md5(dst) != _audio_md5(on_target_video)


def test_quiet_audio_is_levelled_in_one_encode(tmp_path: Path, speech_quiet: Path) -> None:
    quiet = tmp_path / "quiet.m4a"
    mediagen._ffmpeg("-i", str(speech_quiet), "-c:a", "aac", "-b:a", "128k", str(quiet))
    src = _video_with(quiet, tmp_path / "quiet.mp4")
    dst = tmp_path / "out.mp4"
    result = prepare_video(probe_video(src), dst, TARGET, TAGS)
    assert not result.audio_copied and result.audio_passes == 1
    integrated, true_peak = mediagen.measure_ebur128(dst)
    assert integrated == pytest.approx(-16.0, abs=0.3)
    assert true_peak <= -1.0
    assert result.before.integrated_lufs == pytest.approx(-30.0, abs=0.6)


def test_mono_aac_is_not_copied(tmp_path: Path, speech_mono: Path) -> None:
    mono = tmp_path / "mono.m4a"
    mediagen._ffmpeg("-i", str(speech_mono), "-c:a", "aac", "-b:a", "64k", str(mono))
    src = _video_with(mono, tmp_path / "mono.mp4")
    assert not audio_is_copyable(probe_video(src).media)


def test_meets_target_edges() -> None:
    assert meets_target(Loudness(-16.4, -1.0, 5.0), TARGET)
    assert not meets_target(Loudness(-16.6, -2.0, 5.0), TARGET)
    assert not meets_target(Loudness(-16.0, -0.9, 5.0), TARGET)


def test_tags_come_from_the_one_mp4_writer(on_target_video: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    cover = mediagen.make_cover(tmp_path / "cover.png", 1400).read_bytes()
    tags = VideoTags(
        title="Terveydenhuolto",
        series="Arki Suomessa",
        artist="Hanke",
        language="fi",
        description="Kuvaus.",
        date="2026-03-01",
        cover=cover,
        cover_mime="image/png",
    )
    prepare_video(probe_video(on_target_video), dst, TARGET, tags)
    mp4 = MP4(dst)
    assert mp4.tags is not None
    assert mp4.tags["\xa9nam"] == ["Terveydenhuolto"]
    assert mp4.tags["\xa9alb"] == ["Arki Suomessa"]
    assert mp4.tags["\xa9day"] == ["2026-03-01"]
    assert bytes(mp4.tags["----:com.apple.iTunes:LANGUAGE"][0]) == b"fin"
    # media.tags embeds covers as small JPEGs.
    assert bytes(mp4.tags["covr"][0]).startswith(b"\xff\xd8")
    assert _track_languages(dst) == ["fin", "fin"]
    assert not list(tmp_path.glob(".kotocast-tags-*"))
