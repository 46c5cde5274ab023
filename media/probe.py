"""Probe media files: what container and streams they hold, and whether they are intact."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media.errors import NoAudioStream, ProbeFailed, UnsupportedMedia
from media.ffmpeg import clean_stderr, run_ffprobe

log = logging.getLogger(__name__)

# How much audio to decode at the head and the tail of a file as an integrity check. Decoding a
# few seconds is cheap at any length and catches what a header read misses: bytes that only
# look like MP3 frames, and files cut short (a Xing/Info header, an MP4 moov or FLAC STREAMINFO
# still declare the full length, but the data ends early).
_CHECK_SECONDS = 1.5
# The decoded tail may end this much before the declared duration (frame granularity,
# encoder padding) before the file counts as truncated.
_TRUNCATION_TOLERANCE_S = 0.5


@dataclass(frozen=True, slots=True)
class AudioStream:
    """The first audio stream of a file."""

    codec: str
    sample_rate_hz: int
    channels: int
    bitrate_kbps: int | None


@dataclass(frozen=True, slots=True)
class VideoStream:
    """The first video stream of a file (an MP3's cover art shows up as ``attached_pic``)."""

    codec: str
    width: int
    height: int
    attached_pic: bool


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What :func:`probe` found in a file."""

    path: Path
    container: str
    duration_s: float
    size_bytes: int
    audio: AudioStream | None
    video: VideoStream | None

    @property
    def has_real_video(self) -> bool:
        """Whether the file carries moving pictures (not just cover art)."""
        return self.video is not None and not self.video.attached_pic


# Accepted audio inputs, by container (ffprobe's demuxer, normalised) and codec. Declarative
# so adding a format is adding a row; the file extension plays no part.
ACCEPTED_AUDIO: dict[str, frozenset[str]] = {
    "wav": frozenset(
        {
            "pcm_s16le",
            "pcm_s24le",
            "pcm_s32le",
            "pcm_f32le",
            "pcm_f64le",
            "pcm_u8",
            "pcm_mulaw",
            "pcm_alaw",
        }
    ),
    "flac": frozenset({"flac"}),
    "mp3": frozenset({"mp3"}),
    "mp4": frozenset({"aac", "alac"}),
    "aac": frozenset({"aac"}),
    "ogg": frozenset({"opus", "vorbis", "flac"}),
}


def _container_name(format_name: str) -> str:
    names = format_name.split(",")
    if "mp4" in names or "mov" in names:
        return "mp4"
    if "matroska" in names:
        return "matroska"
    return names[0]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_file(path: Path) -> int:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ProbeFailed(f"{path}: cannot read media: no such file") from None
    except OSError as exc:
        raise ProbeFailed(f"{path}: cannot read media: {exc.strerror or exc}") from None
    if path.is_dir():
        raise ProbeFailed(f"{path}: cannot read media: is a directory, not a file")
    if stat.st_size == 0:
        raise ProbeFailed(f"{path}: cannot read media: file is empty (0 bytes)")
    return stat.st_size


def _first_line_without_path(output: str, path: Path) -> str:
    for line in output.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix(f"{path}: ")
    return ""


def probe(path: Path) -> MediaInfo:
    """Read a media file's container, duration and streams, and check that it decodes.

    Args:
        path: The file to probe. It is only read.

    Returns:
        What the file holds. Cover art in an MP3/M4A is reported as a video stream with
        ``attached_pic=True``.

    Raises:
        ProbeFailed: missing file, directory, empty file, not media, undecodable or truncated.
        NoAudioStream: a readable video without audio.
        FfmpegNotFound: ffprobe is not installed.
    """
    path = Path(path)
    size_bytes = _check_file(path)
    try:
        raw, _ = run_ffprobe(
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            path=path,
            what="cannot read media",
            error=ProbeFailed,
        )
    except ProbeFailed as exc:
        # ffprobe's own words ("Invalid data found when processing input") are the "why";
        # the command is noise for a producer who handed us a text file.
        why = str(exc).split(": ", 2)[-1].split(" (command:")[0].split(" | ")[0]
        raise ProbeFailed(
            f"{path}: cannot read media: not an audio or video file ({why})"
        ) from None
    data = json.loads(raw or "{}")
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    if not fmt or not streams:
        raise ProbeFailed(f"{path}: cannot read media: no audio or video streams found")

    audio: AudioStream | None = None
    video: VideoStream | None = None
    audio_index: int | None = None
    for stream in streams:
        kind = stream.get("codec_type")
        if kind == "audio" and audio is None:
            bit_rate = _int(stream.get("bit_rate"))
            audio = AudioStream(
                codec=str(stream.get("codec_name", "unknown")),
                sample_rate_hz=_int(stream.get("sample_rate")) or 0,
                channels=_int(stream.get("channels")) or 0,
                bitrate_kbps=bit_rate // 1000 if bit_rate else None,
            )
            audio_index = _int(stream.get("index"))
        elif kind == "video":
            attached = bool((stream.get("disposition") or {}).get("attached_pic"))
            # Prefer a real video stream over cover art when both exist.
            if video is None or (video.attached_pic and not attached):
                video = VideoStream(
                    codec=str(stream.get("codec_name", "unknown")),
                    width=_int(stream.get("width")) or 0,
                    height=_int(stream.get("height")) or 0,
                    attached_pic=attached,
                )

    duration_s = _float(fmt.get("duration"))
    if duration_s is None:
        durations = [_float(s.get("duration")) for s in streams]
        duration_s = max((d for d in durations if d is not None), default=None)
    container = _container_name(str(fmt.get("format_name", "unknown")))
    if audio is None:
        if video is not None and not video.attached_pic:
            if container.startswith("image") or container.endswith("_pipe"):
                raise NoAudioStream(f"{path}: no audio stream: the file is a {video.codec} image")
            raise NoAudioStream(f"{path}: no audio stream: the file is {video.codec} video only")
        raise ProbeFailed(f"{path}: cannot read media: no audio stream found ({container})")
    if duration_s is None or duration_s <= 0:
        raise ProbeFailed(f"{path}: cannot read media: duration unknown or zero")
    if audio.sample_rate_hz <= 0 or audio.channels <= 0:
        raise ProbeFailed(f"{path}: cannot read media: audio stream has no sample rate or channels")

    _check_decodes(path, audio_index or 0, duration_s)
    info = MediaInfo(
        path=path,
        container=container,
        duration_s=duration_s,
        size_bytes=size_bytes,
        audio=audio,
        video=video,
    )
    log.debug("probed %s: %s", path, info)
    return info


def _check_decodes(path: Path, stream_index: int, duration_s: float) -> None:
    """Decode the first and last seconds; raise ProbeFailed on errors or a short tail."""
    tail_start = max(0.0, duration_s - _CHECK_SECONDS)
    raw, errors = run_ffprobe(
        [
            "-v",
            "error",
            "-select_streams",
            str(stream_index),
            "-read_intervals",
            f"%+{_CHECK_SECONDS},{tail_start:.3f}%",
            "-show_entries",
            "frame=best_effort_timestamp_time,pkt_duration_time,duration_time",
            "-print_format",
            "json",
            str(path),
        ],
        path=path,
        what="cannot decode audio",
        error=ProbeFailed,
    )
    # ffprobe reports decode errors on stderr but still exits 0.
    errors = clean_stderr(errors)
    if errors:
        raise ProbeFailed(f"{path}: cannot decode audio: {errors[-1]}")
    frames = (json.loads(raw or "{}").get("frames")) or []
    if not frames:
        raise ProbeFailed(f"{path}: cannot decode audio: no audio frames could be decoded")
    ends = []
    for frame in frames:
        start = _float(frame.get("best_effort_timestamp_time"))
        length = _float(frame.get("duration_time")) or _float(frame.get("pkt_duration_time")) or 0.0
        if start is not None:
            ends.append(start + length)
    decoded_to = max(ends, default=0.0)
    if decoded_to < duration_s - max(_TRUNCATION_TOLERANCE_S, 0.01 * duration_s):
        raise ProbeFailed(
            f"{path}: truncated: the header declares {duration_s:.1f} s "
            f"but audio ends at {decoded_to:.1f} s"
        )


def require_audio_input(info: MediaInfo) -> None:
    """Accept WAV, FLAC, MP3, M4A/AAC and Ogg Opus/Vorbis audio; refuse everything else.

    The decision is made on the probed container and codec, never on the file name.

    Raises:
        NoAudioStream: the file has no audio.
        UnsupportedMedia: another container or codec, or a file with real video.
    """
    if info.audio is None:
        raise NoAudioStream(f"{info.path}: no audio stream")
    if info.has_real_video:
        assert info.video is not None
        raise UnsupportedMedia(
            f"{info.path}: unsupported media: contains {info.video.codec} video; "
            "give an audio file (WAV, FLAC, MP3, M4A/AAC, Ogg Opus/Vorbis)"
        )
    codecs = ACCEPTED_AUDIO.get(info.container)
    if codecs is None or info.audio.codec not in codecs:
        raise UnsupportedMedia(
            f"{info.path}: unsupported media: {info.audio.codec} audio in {info.container}; "
            "accepted are WAV, FLAC, MP3, M4A/AAC and Ogg Opus/Vorbis"
        )
