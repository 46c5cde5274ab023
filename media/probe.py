"""Probe media files: what container and streams they hold, and whether they are intact."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from media.errors import NoAudioStream, ProbeFailed, UnsupportedMedia
from media.ffmpeg import PLAIN_REASONS, clean_stderr, plain_reason, run_ffprobe

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
    """What :func:`probe` found in a file.

    ``audio`` is the first audio stream, the one every encode uses (``0:a:0``);
    ``audio_streams`` counts them all (a recording may carry one per participant or language).
    """

    path: Path
    container: str
    duration_s: float
    size_bytes: int
    audio: AudioStream | None
    video: VideoStream | None
    audio_streams: int = 1

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
_PCM = frozenset({"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_s16be", "pcm_s24be"})
# Recordings from video calls and screen recorders (Teams and Zoom MP4, OBS MKV, browser and
# Meet WebM, QuickTime MOV): their audio track can make an audio episode (``allow_video``).
VIDEO_RECORDING_AUDIO: dict[str, frozenset[str]] = {
    "mp4": frozenset({"aac", "alac", "mp3", "opus", "flac"}) | _PCM,
    "matroska": frozenset({"aac", "opus", "vorbis", "flac", "mp3"}) | _PCM,
}
ACCEPTED_NAMES = "WAV, FLAC, MP3, M4A/AAC, Ogg Opus/Vorbis"


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


def _clock(value: Any) -> float | None:
    """Parse Matroska's ``HH:MM:SS.nnnnnnnnn`` stream DURATION tag."""
    if not isinstance(value, str) or value.count(":") != 2:
        return None
    hours, minutes, seconds = value.split(":")
    try:
        total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return total if math.isfinite(total) and total > 0 else None


# One add probes its recording three or four times (checks, speech chain, normaliser), two
# ffprobes each: results are kept per file identity and version for the life of the process.
_CACHE: dict[tuple[str, int, int, int, int], MediaInfo] = {}
_CACHE_SIZE = 32


def _identity(path: Path) -> tuple[str, int, int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


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
    key = _identity(path)
    cached = _CACHE.get(key) if key is not None else None
    if cached is not None:
        return replace(cached, path=path)
    try:
        raw, _ = run_ffprobe(
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            path=path,
            what="cannot read media",
            error=ProbeFailed,
        )
    except ProbeFailed as exc:
        # The runner already put known complaints ("moov atom not found") in plain words;
        # otherwise ffprobe's first line is the "why" and the command is noise for a producer
        # who handed us a text file.
        why = str(exc).removeprefix(f"{path}: cannot read media: ").split(" (command:")[0]
        if why not in {words for _, words in PLAIN_REASONS}:
            why = f"not an audio or video file ({why.split(' | ')[0]})"
        raise ProbeFailed(f"{path}: cannot read media: {why}") from None
    data = json.loads(raw or "{}")
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    if not fmt or not streams:
        raise ProbeFailed(f"{path}: cannot read media: no audio or video streams found")

    audio: AudioStream | None = None
    video: VideoStream | None = None
    audio_index: int | None = None
    audio_streams = 0
    audio_duration_s: float | None = None
    for stream in streams:
        kind = stream.get("codec_type")
        audio_streams += kind == "audio"
        if kind == "audio" and audio is None:
            bit_rate = _int(stream.get("bit_rate"))
            audio = AudioStream(
                codec=str(stream.get("codec_name", "unknown")),
                sample_rate_hz=_int(stream.get("sample_rate")) or 0,
                channels=_int(stream.get("channels")) or 0,
                bitrate_kbps=bit_rate // 1000 if bit_rate else None,
            )
            audio_index = _int(stream.get("index"))
            audio_duration_s = _float(stream.get("duration")) or _clock(
                (stream.get("tags") or {}).get("DURATION")
            )
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
    if video is not None and not video.attached_pic and audio_duration_s:
        # In a recording the picture often runs on after the sound stops (or starts before
        # it); an audio episode is as long as its audio.
        duration_s = audio_duration_s
    if audio is None:
        if video is not None and not video.attached_pic:
            if container.startswith("image") or container.endswith("_pipe"):
                raise NoAudioStream(f"{path}: no audio stream: the file is a {video.codec} image")
            raise NoAudioStream(f"{path}: no audio stream: the file is {video.codec} video only")
        raise ProbeFailed(f"{path}: cannot read media: no audio stream found ({container})")
    if audio.sample_rate_hz <= 0 or audio.channels <= 0:
        raise ProbeFailed(f"{path}: cannot read media: audio stream has no sample rate or channels")
    if duration_s is None or duration_s <= 0:
        # Browser recordings (MediaRecorder WebM) and files written to a pipe carry no
        # duration in their header: read the audio packets' timestamps to the end instead.
        duration_s = _duration_from_packets(path, audio_index or 0)
    if duration_s is None or duration_s <= 0:
        raise ProbeFailed(f"{path}: cannot read media: the audio has no length (no audio data)")

    if container == "wav":
        _check_wav_length(path, size_bytes)
    _check_decodes(path, audio_index or 0, duration_s)
    info = MediaInfo(
        path=path,
        container=container,
        duration_s=duration_s,
        size_bytes=size_bytes,
        audio=audio,
        video=video,
        audio_streams=audio_streams,
    )
    log.debug("probed %s: %s", path, info)
    if key is not None and key == _identity(path):  # unchanged while it was read
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = info
    return info


def _check_wav_length(path: Path, size_bytes: int) -> None:
    """Refuse a WAV whose ``data`` chunk declares more bytes than the file holds.

    ffmpeg plays such a file (a copy or download cut short) as a shorter one without a word.
    Recorders that stopped abruptly write a size of 0 or 0xFFFFFFFF: those are not judged.
    """
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    offset, byte_rate = 12, 0
    while offset + 8 <= len(head):
        chunk, size = (
            head[offset : offset + 4],
            int.from_bytes(head[offset + 4 : offset + 8], "little"),
        )
        body = offset + 8
        if chunk == b"fmt " and body + 12 <= len(head):
            byte_rate = int.from_bytes(head[body + 8 : body + 12], "little")
        elif chunk == b"data":
            missing = body + size - size_bytes
            if size in (0, 0xFFFFFFFF) or missing <= 0 or byte_rate <= 0:
                return
            raise ProbeFailed(
                f"{path}: truncated: the file is cut short (an unfinished copy or download?): "
                f"its header says {size / byte_rate:.1f} s but the file holds "
                f"{(size_bytes - body) / byte_rate:.1f} s"
            )
        offset = body + size + (size & 1)


def _duration_from_packets(path: Path, stream_index: int) -> float | None:
    """Return where the last audio packet ends, read from packet timestamps (no decoding)."""
    raw, _ = run_ffprobe(
        [
            "-v",
            "error",
            "-select_streams",
            str(stream_index),
            "-show_entries",
            "packet=pts_time,duration_time",
            "-print_format",
            "csv=p=0",
            str(path),
        ],
        path=path,
        what="cannot read media",
        error=ProbeFailed,
    )
    end: float | None = None
    for line in raw.splitlines():
        fields = [_float(f) for f in line.split(",")]
        if fields and fields[0] is not None:
            length = fields[1] if len(fields) > 1 and fields[1] is not None else 0.0
            end = max(end or 0.0, fields[0] + length)
    return end


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
        log.debug("%s: decode check: %s", path, " | ".join(errors))
        plain = plain_reason(errors) or f"the audio data is damaged ({errors[-1]})"
        raise ProbeFailed(f"{path}: cannot decode audio: {plain}")
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
            f"{path}: truncated: the file is cut short (an unfinished copy or download?): "
            f"its header says {duration_s:.1f} s but the audio ends at {decoded_to:.1f} s"
        )


def require_audio_input(info: MediaInfo, *, allow_video: bool = False) -> None:
    """Accept WAV, FLAC, MP3, M4A/AAC and Ogg Opus/Vorbis audio; refuse everything else.

    The decision is made on the probed container and codec, never on the file name.

    Args:
        info: What :func:`probe` found.
        allow_video: Also accept a video recording (MP4/MOV, MKV, WebM) whose first audio
            stream will be re-encoded into an audio episode and its video ignored. Callers
            that publish the file as it is (``import --keep-audio``) leave this False.

    Raises:
        NoAudioStream: the file has no audio.
        UnsupportedMedia: another container or codec, or (without ``allow_video``) a file
            with real video.
    """
    if info.audio is None:
        raise NoAudioStream(f"{info.path}: no audio stream")
    if info.has_real_video and not allow_video:
        assert info.video is not None
        raise UnsupportedMedia(
            f"{info.path}: unsupported media: contains {info.video.codec} video; "
            f"give an audio file ({ACCEPTED_NAMES})"
        )
    codecs = ACCEPTED_AUDIO.get(info.container, frozenset())
    if allow_video:
        codecs = codecs | VIDEO_RECORDING_AUDIO.get(info.container, frozenset())
    if info.audio.codec not in codecs:
        also = ", and MP4, MKV or WebM recordings" if allow_video else ""
        raise UnsupportedMedia(
            f"{info.path}: unsupported media: {info.audio.codec} audio in {info.container}; "
            f"accepted are {ACCEPTED_NAMES}{also}"
        )


def describe_source(info: MediaInfo) -> str | None:
    """Return one line on what of a video recording becomes the episode, or None for audio.

    For example ``"talk.mp4: video recording: using its audio (aac, 1 ch, 32000 Hz); the h264
    video is ignored"``, naming the stream when there are several.
    """
    if info.audio is None:
        return None
    audio = info.audio
    detail = f"{audio.codec}, {audio.channels} ch, {audio.sample_rate_hz} Hz"
    which = (
        f"audio stream 1 of {info.audio_streams} ({detail})"
        if info.audio_streams > 1
        else f"its audio ({detail})"
    )
    if info.has_real_video:
        assert info.video is not None
        return (
            f"{info.path}: video recording: using {which}; the {info.video.codec} video is ignored"
        )
    if info.audio_streams > 1:
        return f"{info.path}: using {which}"
    return None
