"""Prepare a video for podcast apps: H.264 in MP4, audio at the series loudness, faststart.

What podcast apps play everywhere is H.264 (8-bit 4:2:0) video with AAC audio in an MP4 whose
``moov`` atom comes before ``mdat`` (so playback starts before the download ends). A source that
already carries such video keeps it bit for bit (``-c:v copy``); anything else — VP9, ProRes,
MPEG-4 Part 2, 10-bit or 4:2:2 H.264 — is re-encoded with libx264.

The audio track goes through :func:`media.encode.normalize_audio` like podcast audio (EBU R128:
measure after the downmix to stereo, predict the limiter's and the AAC encoder's loss on an
excerpt, then gain + limiter + AAC, the *encoded* frames measured while they are written).
The checked AAC is then muxed with the video by stream copy, so what was measured is exactly
what is published. When the source's audio already meets the target — integrated loudness
within the tolerance, true peak under the ceiling, stereo AAC at 44.1 or 48 kHz, which every
podcast app plays — it is copied as it is: the measurement is then the only audio work.

Tags go through :func:`media.tags.write_mp4_tags` (atomic, read back), the same writer as the
AAC audio renditions; track languages come from :mod:`media.languages`.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from media.encode import AudioEncoding, normalize_audio
from media.errors import ProbeFailed, UnsupportedMedia
from media.ffmpeg import run_ffmpeg, run_ffprobe
from media.filtergraph import input_url
from media.languages import iso639_2t
from media.loudness import Loudness, LoudnessTarget
from media.probe import MediaInfo, probe
from media.tags import AudioTags, write_mp4_tags

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

# Containers a producer's video may come in (ffprobe demuxer names, see media.probe).
ACCEPTED_VIDEO_CONTAINERS = frozenset({"mp4", "matroska", "avi", "mpegts"})
# H.264 that every podcast app and browser decodes: 8-bit 4:2:0.
PLAYABLE_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
# The audio track of every published video: stereo AAC, 48 kHz, 128 kbps.
VIDEO_AUDIO = AudioEncoding(sample_rate_hz=48000, bitrate_kbps=128, channels=2, codec="aac")
# Source audio copied as it is when it meets the target: what every podcast app plays in MP4.
COPYABLE_AUDIO_CODECS = frozenset({"aac"})
COPYABLE_AUDIO_RATES_HZ = frozenset({44100, 48000})


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a video file holds, beyond :class:`media.probe.MediaInfo`."""

    media: MediaInfo
    format_name: str
    video_codec: str
    pixel_format: str
    width: int
    height: int

    @property
    def needs_video_encode(self) -> bool:
        """Whether the video stream must be re-encoded for podcast apps."""
        return not (self.video_codec == "h264" and self.pixel_format in PLAYABLE_PIXEL_FORMATS)


@dataclass(frozen=True, slots=True)
class VideoTags:
    """MP4 metadata of a video episode (written by :func:`media.tags.write_mp4_tags`)."""

    title: str
    series: str
    artist: str
    language: str
    description: str = ""
    date: str | None = None
    cover: bytes | None = None
    cover_mime: str | None = None


@dataclass(frozen=True, slots=True)
class VideoResult:
    """What :func:`prepare_video` produced."""

    duration_s: float
    width: int
    height: int
    video_copied: bool
    before: Loudness
    after: Loudness
    audio_passes: int
    audio_copied: bool = False
    source_true_peak: bool = True  # before.true_peak_dbtp is a true peak (else a sample peak)


def probe_video(path: Path) -> VideoInfo:
    """Probe a producer's video and refuse what kotocast cannot publish.

    Raises:
        ProbeFailed: missing, empty, corrupt or truncated file.
        NoAudioStream: video without an audio track.
        UnsupportedMedia: no moving picture (audio only, an image) or an unknown container.
    """
    path = Path(path)
    info = probe(path)
    if not info.has_real_video:
        raise UnsupportedMedia(
            f"{path}: unsupported media: no video stream ({info.container} audio only); "
            "give a video file (MP4, MOV, MKV, WebM)"
        )
    if info.container not in ACCEPTED_VIDEO_CONTAINERS:
        raise UnsupportedMedia(
            f"{path}: unsupported media: {info.container} container; "
            "accepted are MP4/M4V/MOV, MKV/WebM, AVI and MPEG-TS"
        )
    raw, _ = run_ffprobe(
        [
            "-v",
            "error",
            "-select_streams",
            "V:0",
            "-print_format",
            "json",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height:format=format_name",
            str(path),
        ],
        path=path,
        what="cannot read video",
        error=ProbeFailed,
    )
    data = json.loads(raw or "{}")
    streams = data.get("streams") or []
    if not streams:
        raise UnsupportedMedia(f"{path}: unsupported media: no video stream")
    stream = streams[0]
    return VideoInfo(
        media=info,
        format_name=str((data.get("format") or {}).get("format_name", "")),
        video_codec=str(stream.get("codec_name", "unknown")),
        pixel_format=str(stream.get("pix_fmt", "unknown")),
        width=int(stream.get("width") or 0),
        height=int(stream.get("height") or 0),
    )


def prepare_video(
    info: VideoInfo,
    dst: Path,
    target: LoudnessTarget,
    tags: VideoTags,
    *,
    pre_filter: str | None = None,
    progress: Progress | None = None,
) -> VideoResult:
    """Write ``dst``: a faststart MP4 with playable video and audio at ``target``, tagged.

    Args:
        info: The probed source (only read, never modified).
        dst: The MP4 to write (overwritten).
        target: Integrated loudness and true-peak ceiling of the audio track.
        tags: MP4 metadata.
        pre_filter: An ffmpeg audio filter chain for the audio track, applied before gain
            and limiting in both passes (see :func:`media.encode.normalize_audio`); with one,
            the audio is always re-encoded.
        progress: Called with a fraction 0..1.

    Returns:
        Duration, size of the picture, whether video and audio were copied, loudness
        before/after (the same when the audio was copied).

    Raises:
        EncodeFailed: ffmpeg failed.
        LoudnessOutOfRange: silent audio, or the encoded audio missed the target.
        TagWriteFailed: the tags could not be written.
    """
    src = info.media.path
    report = progress or (lambda _f: None)
    accept = None
    if pre_filter is None and audio_is_copyable(info.media):
        accept = partial(meets_target, target=target)
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".video-") as tmp:
        audio = Path(tmp) / "audio.m4a"
        # The same measure -> predict -> gain + limiter -> encode-and-check path as podcast
        # audio; what was measured is exactly what gets muxed (or copied, when it already
        # meets the target).
        result = normalize_audio(
            [src],
            audio,
            target,
            VIDEO_AUDIO,
            crossfade_s=0.0,
            pre_filter=pre_filter,
            accept_source=accept,
            progress=lambda f: report(0.8 * f),
        )
        copied = result.passes == 0
        _mux(info, None if copied else audio, dst, tags.language)
    report(0.95)
    write_mp4_tags(dst, _audio_tags(tags))
    report(1.0)
    return VideoResult(
        duration_s=round(_duration(dst), 3),
        width=info.width,
        height=info.height,
        video_copied=not info.needs_video_encode,
        before=result.before,
        after=result.after,
        audio_passes=result.passes,
        audio_copied=copied,
        source_true_peak=result.source_true_peak,
    )


def audio_is_copyable(media: MediaInfo) -> bool:
    """Whether a source's audio stream could go into the published MP4 unchanged.

    Stereo AAC at 44.1 or 48 kHz: what every podcast app plays; a mono or 5.1 track would be
    measured differently from how it is heard (see :mod:`media.filtergraph`).
    """
    audio = media.audio
    return (
        audio is not None
        and audio.codec in COPYABLE_AUDIO_CODECS
        and audio.channels == VIDEO_AUDIO.channels
        and audio.sample_rate_hz in COPYABLE_AUDIO_RATES_HZ
    )


def meets_target(loudness: Loudness, target: LoudnessTarget) -> bool:
    """Whether measured audio is already within the target's tolerance and under its ceiling."""
    return (
        abs(loudness.integrated_lufs - target.integrated_lufs) <= target.tolerance_lu
        and loudness.true_peak_dbtp <= target.true_peak_dbtp
    )


def _audio_tags(tags: VideoTags) -> AudioTags:
    """Map a video's tags onto the one MP4 tag writer's fields (series -> album)."""
    return AudioTags(
        title=tags.title,
        artist=tags.artist,
        album=tags.series,
        date=tags.date or "",
        description=tags.description,
        language=tags.language or None,
        cover=tags.cover,
        cover_mime=tags.cover_mime,
    )


def _mux(info: VideoInfo, audio: Path | None, dst: Path, language: str) -> None:
    """Mux the video (copied when playable) with the checked AAC (or the source's), moov first."""
    if info.needs_video_encode:
        # libx264 defaults (preset medium), CRF 20: visually transparent for explainers.
        video = ["-c:v", "libx264", "-crf", "20", "-pix_fmt", "yuv420p", "-profile:v", "high"]
    else:
        video = ["-c:v", "copy"]
    iso639 = iso639_2t(language) or "und"
    audio_input = ["-i", input_url(audio)] if audio is not None else []
    run_ffmpeg(
        [
            "-y",
            "-i",
            input_url(info.media.path),
            *audio_input,
            "-map",
            "0:V:0",
            "-map",
            "1:a:0" if audio is not None else "0:a:0",
            *video,
            "-c:a",
            "copy",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-metadata:s:a:0",
            f"language={iso639}",
            "-metadata:s:v:0",
            f"language={iso639}",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(dst),
        ],
        path=info.media.path,
        what="video mux failed",
        duration_s=info.media.duration_s,
    )


def _duration(path: Path) -> float:
    raw, _ = run_ffprobe(
        ["-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        path=path,
        what="cannot read output",
        error=ProbeFailed,
    )
    return float((json.loads(raw).get("format") or {}).get("duration") or 0.0)
