"""probe() and require_audio_input() on real generated media and on every bad input."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from media.errors import MediaError, NoAudioStream, ProbeFailed, UnsupportedMedia
from media.probe import probe, require_audio_input
from tests import mediagen

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def good_files(media_dir: Path, speech_quiet: Path) -> dict[str, Path]:
    """The same speech in every accepted container."""
    out = {"wav": speech_quiet}
    for suffix in ("flac", "mp3", "m4a", "ogg", "opus"):
        dst = media_dir / f"good.{suffix}"
        mediagen._ffmpeg(
            "-i", str(speech_quiet), "-c:a", mediagen._codec_for(f".{suffix}"), str(dst)
        )
        out[suffix] = dst
    # An MP3 carrying cover art, which ffprobe shows as an attached-picture video stream.
    with_art = media_dir / "with-art.mp3"
    mediagen._ffmpeg(
        "-i",
        str(out["mp3"]),
        "-i",
        str(mediagen.make_cover(media_dir / "art.jpg", 1400)),
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-c",
        "copy",
        "-disposition:v",
        "attached_pic",
        "-id3v2_version",
        "3",
        str(with_art),
    )
    out["mp3+art"] = with_art
    # A phone recording: 8 kHz mu-law WAV; and a misleading name (extension plays no part).
    phone = media_dir / "phone.wav"
    mediagen._ffmpeg(
        "-i", str(speech_quiet), "-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw", str(phone)
    )
    out["phone"] = phone
    misnamed = media_dir / "actually-flac.mp3"
    misnamed.write_bytes(out["flac"].read_bytes())
    out["misnamed"] = misnamed
    return out


@pytest.mark.parametrize(
    ("kind", "container", "codec"),
    [
        ("wav", "wav", "pcm_s16le"),
        ("flac", "flac", "flac"),
        ("mp3", "mp3", "mp3"),
        ("m4a", "mp4", "aac"),
        ("ogg", "ogg", "vorbis"),
        ("opus", "ogg", "opus"),
        ("mp3+art", "mp3", "mp3"),
        ("phone", "wav", "pcm_mulaw"),
        ("misnamed", "flac", "flac"),
    ],
)
def test_accepted_audio_probes_and_passes(
    good_files: dict[str, Path], kind: str, container: str, codec: str
) -> None:
    info = probe(good_files[kind])
    require_audio_input(info)
    assert info.container == container
    assert info.audio is not None and info.audio.codec == codec
    assert info.duration_s == pytest.approx(6.0, abs=0.1)
    assert info.size_bytes == good_files[kind].stat().st_size


def test_cover_art_is_an_attached_picture_not_video(good_files: dict[str, Path]) -> None:
    info = probe(good_files["mp3+art"])
    assert info.video is not None and info.video.attached_pic
    assert not info.has_real_video


def test_stream_details(good_files: dict[str, Path]) -> None:
    info = probe(good_files["mp3"])
    assert info.audio is not None
    assert (info.audio.sample_rate_hz, info.audio.channels, info.audio.bitrate_kbps) == (
        48000,
        2,
        128,
    )
    phone = probe(good_files["phone"])
    assert phone.audio is not None
    assert (phone.audio.sample_rate_hz, phone.audio.channels) == (8000, 1)


def _bad_inputs(base: Path, speech_mp3: Path) -> dict[str, tuple[Path, type[MediaError]]]:
    base.mkdir(exist_ok=True)
    text = base / "notes.mp3"
    text.write_text("Tämä ei ole ääntä, vaan tekstiä.\n" * 50, encoding="utf-8")
    truncated = mediagen.truncate_file(speech_mp3, base / "truncated.mp3", 0.5)
    empty = base / "empty.mp3"
    empty.write_bytes(b"")
    random_bytes = base / "random.mp3"
    random_bytes.write_bytes(os.urandom(64 * 1024))
    directory = base / "folder.mp3"
    directory.mkdir(exist_ok=True)
    silent_video = mediagen.make_video(base / "silent.mp4", 2.0, with_audio=False)
    return {
        "text named .mp3": (text, ProbeFailed),
        "truncated MP3": (truncated, ProbeFailed),
        "zero-byte": (empty, ProbeFailed),
        "random bytes": (random_bytes, ProbeFailed),
        "missing": (base / "missing.wav", ProbeFailed),
        "directory": (directory, ProbeFailed),
        "video without audio": (silent_video, NoAudioStream),
    }


BAD = [
    "text named .mp3",
    "truncated MP3",
    "zero-byte",
    "random bytes",
    "missing",
    "directory",
    "video without audio",
]


@pytest.fixture(scope="session")
def bad_inputs(media_dir: Path, speech_mp3: Path) -> dict[str, tuple[Path, type[MediaError]]]:
    return _bad_inputs(media_dir / "bad", speech_mp3)


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_one_line_error_naming_the_file(
    bad_inputs: dict[str, tuple[Path, type[MediaError]]],
    case: str,
    unchanged: Callable[[Path], Callable[[], None]],
) -> None:
    path, error = bad_inputs[case]
    check = unchanged(path)
    with pytest.raises(error) as caught:
        require_audio_input(probe(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    assert "Traceback" not in message
    check()


def test_truncated_mp3_names_the_truncation(
    bad_inputs: dict[str, tuple[Path, type[MediaError]]],
) -> None:
    with pytest.raises(ProbeFailed, match="truncated"):
        probe(bad_inputs["truncated MP3"][0])


def test_video_with_audio_is_not_an_audio_input(media_dir: Path) -> None:
    video = mediagen.make_video(media_dir / "talk.mp4", 2.0, with_audio=True)
    info = probe(video)
    assert info.has_real_video and info.audio is not None
    with pytest.raises(UnsupportedMedia, match=r"talk\.mp4: unsupported media: contains h264"):
        require_audio_input(info)


def test_other_containers_are_refused_by_content(media_dir: Path, speech_quiet: Path) -> None:
    mka = media_dir / "speech.mka"
    mediagen._ffmpeg("-i", str(speech_quiet), "-c:a", "pcm_s16le", str(mka))
    with pytest.raises(UnsupportedMedia, match=r"speech\.mka: unsupported media: pcm_s16le"):
        require_audio_input(probe(mka))


def test_an_image_has_no_audio(cover_png: Path) -> None:
    with pytest.raises(NoAudioStream, match="image"):
        probe(cover_png)
