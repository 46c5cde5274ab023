"""Published MP4s: faststart, audio at the series loudness, video copied bit for bit or H.264."""

from __future__ import annotations

import hashlib
import struct
import subprocess
from pathlib import Path

import pytest
from mutagen.mp4 import MP4

from media.video import probe_video
from tests import mediagen

from .conftest import AR_TITLE, FI_TITLE, Series

pytestmark = pytest.mark.slow


def top_level_atoms(path: Path) -> list[str]:
    """Return the MP4's top-level box types in file order (ISO/IEC 14496-12 box headers)."""
    atoms = []
    with path.open("rb") as fh:
        size_total = path.stat().st_size
        offset = 0
        while offset < size_total:
            fh.seek(offset)
            header = fh.read(16)
            size, kind = struct.unpack(">I4s", header[:8])
            if size == 1:
                size = struct.unpack(">Q", header[8:16])[0]
            elif size == 0:
                size = size_total - offset
            atoms.append(kind.decode("latin-1"))
            offset += size
    return atoms


def video_packets_md5(path: Path) -> str:
    """MD5 of the video elementary stream, copied out as Annex B H.264."""
    out = subprocess.run(
        [
            mediagen.FFMPEG,
            "-hide_banner",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "h264",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    assert len(out) > 1000
    return hashlib.md5(out).hexdigest()


def _published(series: Series, lang: str) -> Path:
    return series.public / series.added[lang].variant.media.key


@pytest.mark.parametrize("lang", ["fi", "ar"])
def test_moov_comes_before_mdat(series: Series, lang: str) -> None:
    atoms = top_level_atoms(_published(series, lang))
    assert "moov" in atoms and "mdat" in atoms
    assert atoms.index("moov") < atoms.index("mdat"), atoms


def test_source_without_faststart_had_moov_last(series: Series) -> None:
    # The check above means something only if the source was not already faststart.
    atoms = top_level_atoms(series.sources["fi"])
    assert atoms.index("mdat") < atoms.index("moov")


@pytest.mark.parametrize("lang", ["fi", "ar"])
def test_audio_is_at_target_loudness(series: Series, lang: str) -> None:
    integrated, true_peak = mediagen.measure_ebur128(_published(series, lang))
    assert integrated == pytest.approx(-16.0, abs=0.5)
    assert true_peak <= -1.0
    source_lufs, _ = mediagen.measure_ebur128(series.sources[lang])
    assert source_lufs < -25  # the source really was quiet


def test_h264_video_is_copied_bit_identical(series: Series) -> None:
    assert series.added["fi"].video_copied
    assert video_packets_md5(_published(series, "fi")) == video_packets_md5(series.sources["fi"])


def test_vp9_video_is_reencoded_to_h264(series: Series) -> None:
    assert not series.added["ar"].video_copied
    info = probe_video(_published(series, "ar"))
    assert (info.video_codec, info.pixel_format) == ("h264", "yuv420p")
    assert info.media.audio is not None and info.media.audio.codec == "aac"
    assert (info.width, info.height) == (320, 180)


@pytest.mark.parametrize(("lang", "title"), [("fi", FI_TITLE), ("ar", AR_TITLE)])
def test_mp4_tags(series: Series, lang: str, title: str) -> None:
    tags = MP4(_published(series, lang)).tags
    assert tags is not None
    assert tags["\xa9nam"] == [title]
    assert tags["\xa9alb"] == ["Arki Suomessa"]
    # One MP4 writer (media.tags): ISO 639-2 language, covers as small JPEGs.
    assert bytes(tags["----:com.apple.iTunes:LANGUAGE"][0]) == {"fi": b"fin", "ar": b"ara"}[lang]
    assert tags["covr"] and bytes(tags["covr"][0]).startswith(b"\xff\xd8")


def test_source_files_are_never_modified(series: Series, h264_video: Path) -> None:
    assert top_level_atoms(h264_video)[-1] == "moov"  # still as generated
    assert MP4(h264_video).tags is None or "\xa9nam" not in MP4(h264_video).tags
