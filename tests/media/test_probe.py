"""probe() and require_audio_input() on real generated media and on every bad input."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from media.errors import MediaError, NoAudioStream, ProbeFailed, UnsupportedMedia
from media.probe import describe_source, probe, require_audio_input
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


# --- Recordings from video calls and screen recorders --------------------------------------


def _recording(
    dst: Path, speech: Path, vcodec: str, acodec: str, *extra: str, rate: int = 48000, ch: int = 2
) -> Path:
    """A short talking-head stand-in: test pattern video + the speech as its audio track."""
    mediagen._ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=15",
        "-i",
        str(speech),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c:v",
        vcodec,
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        acodec,
        "-ar",
        str(rate),
        "-ac",
        str(ch),
        "-shortest",
        *extra,
        str(dst),
    )
    return dst


@pytest.fixture(scope="session")
def recordings(media_dir: Path, speech_quiet: Path) -> dict[str, Path]:
    base = media_dir / "recordings"
    base.mkdir(exist_ok=True)
    out = {
        # Zoom / Teams: H.264 + AAC, Zoom's 32 kHz mono.
        "zoom.mp4": _recording(base / "zoom.mp4", speech_quiet, "libx264", "aac", rate=32000, ch=1),
        # OBS: H.264 + Opus in Matroska.
        "obs.mkv": _recording(base / "obs.mkv", speech_quiet, "libx264", "libopus"),
        "meet.webm": _recording(base / "meet.webm", speech_quiet, "libvpx-vp9", "libopus"),
        "quicktime.mov": _recording(base / "quicktime.mov", speech_quiet, "libx264", "aac"),
    }
    # A browser's MediaRecorder writes WebM as a stream: no duration, no cues in the header.
    streamed = base / "browser.webm"
    done = mediagen._run(
        [
            "bash",
            "-c",
            f"{mediagen.FFMPEG} -v error -f lavfi -i testsrc2=size=160x120:rate=15 -i "
            f"'{speech_quiet}' -map 0:v -map 1:a -c:v libvpx -c:a libopus -shortest "
            f"-f webm pipe:1 > '{streamed}'",
        ]
    )
    assert done.returncode == 0
    out["browser.webm"] = streamed
    # Two audio tracks (e.g. a host and a guest recorded separately).
    two = base / "two-tracks.mp4"
    mediagen._ffmpeg(
        "-i",
        str(out["zoom.mp4"]),
        "-f",
        "lavfi",
        "-i",
        "sine=f=500:d=6",
        "-map",
        "0:v",
        "-map",
        "0:a",
        "-map",
        "1:a",
        "-c:v",
        "copy",
        "-c:a",
        "aac",
        str(two),
    )
    out["two-tracks.mp4"] = two
    return out


@pytest.mark.parametrize(
    ("name", "container", "audio", "video"),
    [
        ("zoom.mp4", "mp4", "aac", "h264"),
        ("obs.mkv", "matroska", "opus", "h264"),
        ("meet.webm", "matroska", "opus", "vp9"),
        ("browser.webm", "matroska", "opus", "vp8"),
        ("quicktime.mov", "mp4", "aac", "h264"),
    ],
)
def test_video_recordings_are_audio_sources_when_allowed(
    recordings: dict[str, Path], name: str, container: str, audio: str, video: str
) -> None:
    info = probe(recordings[name])
    assert (info.container, info.audio and info.audio.codec) == (container, audio)
    assert info.video is not None and info.video.codec == video and info.has_real_video
    assert info.duration_s == pytest.approx(6.0, abs=0.15)
    require_audio_input(info, allow_video=True)
    with pytest.raises(UnsupportedMedia, match=f"contains {video} video"):
        require_audio_input(info)  # a file published as it is must still be audio
    assert info.audio is not None
    assert describe_source(info) == (
        f"{recordings[name]}: video recording: using its audio ({audio}, "
        f"{info.audio.channels} ch, {info.audio.sample_rate_hz} Hz); the {video} video is ignored"
    )


def test_zoom_recording_reports_its_mono_32k_audio(recordings: dict[str, Path]) -> None:
    info = probe(recordings["zoom.mp4"])
    assert info.audio is not None
    assert (info.audio.channels, info.audio.sample_rate_hz) == (1, 32000)


def test_several_audio_streams_the_first_is_used_and_named(recordings: dict[str, Path]) -> None:
    info = probe(recordings["two-tracks.mp4"])
    assert info.audio_streams == 2
    assert info.audio is not None and info.audio.channels == 1  # the speech, not the tone
    note = describe_source(info)
    assert note is not None and "using audio stream 1 of 2 (aac, 1 ch, 32000 Hz)" in note


def test_plain_audio_needs_no_note(good_files: dict[str, Path]) -> None:
    assert describe_source(probe(good_files["mp3+art"])) is None


# --- Damaged and cut-short files in plain words ---------------------------------------------

JARGON = ("moov", "atom", "backstep", "EBML", "0x", "decode_frame", "PCM packet", "(command:")


def _cut(src: Path, dst: Path, fraction: float = 0.5, even: bool = False) -> Path:
    data = src.read_bytes()
    end = int(len(data) * fraction)
    dst.write_bytes(data[: end & ~1 if even else end])
    return dst


@pytest.fixture(scope="session")
def cut_files(
    media_dir: Path, good_files: dict[str, Path], recordings: dict[str, Path]
) -> dict[str, Path]:
    base = media_dir / "cut"
    base.mkdir(exist_ok=True)
    # Recorders write the MP4 index (moov) last: a recording cut short has none.
    return {
        "zoom.mp4": _cut(recordings["zoom.mp4"], base / "zoom.mp4"),
        "voice.m4a": _cut(good_files["m4a"], base / "voice.m4a"),
        "obs.mkv": _cut(recordings["obs.mkv"], base / "obs.mkv"),
        "browser.webm": _cut(recordings["browser.webm"], base / "browser.webm"),
        "take.wav": _cut(good_files["wav"], base / "take.wav", even=True),
        "take-odd.wav": _cut(good_files["wav"], base / "take-odd.wav"),
        "take.flac": _cut(good_files["flac"], base / "take.flac"),
        "episode.mp3": _cut(good_files["mp3"], base / "episode.mp3"),
    }


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("zoom.mp4", "the file is incomplete (the recording may not have finished saving)"),
        ("voice.m4a", "the file is incomplete (the recording may not have finished saving)"),
        ("obs.mkv", "cut short"),
        ("browser.webm", "cut short"),
        ("take.wav", "truncated: the file is cut short"),
        ("take-odd.wav", "truncated: the file is cut short"),
        ("take.flac", "cut short"),
        ("episode.mp3", "cut short"),
    ],
)
def test_cut_short_files_are_named_in_plain_words(
    cut_files: dict[str, Path], name: str, words: str
) -> None:
    path = cut_files[name]
    with pytest.raises(ProbeFailed) as caught:
        probe(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and words in message, message
    assert "\n" not in message
    assert not [j for j in JARGON if j in message], message
