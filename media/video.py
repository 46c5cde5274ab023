"""Prepare a video for podcast apps: H.264 in MP4, audio at the series loudness, faststart.

What podcast apps play everywhere is H.264 (8-bit 4:2:0) video with AAC audio in an MP4 whose
``moov`` atom comes before ``mdat`` (so playback starts before the download ends). A source that
already carries such video keeps it bit for bit (``-c:v copy``); anything else — VP9, ProRes,
MPEG-4 Part 2, 10-bit or 4:2:2 H.264 — is re-encoded with libx264.

The audio track goes through :func:`media.encode.normalize_audio` like podcast audio (EBU R128:
measure after the downmix to stereo, then gain + limiter + AAC, the *encoded* frames measured
while they are written, corrected once if they missed). ffmpeg's AAC encoder overshoots the
limiter's ceiling by 1.2-1.7 dB of true peak, so AAC's limiter sits 2 dB under the target. Only
the audio is encoded; the checked AAC is then muxed with the video by stream copy, so what was
measured is exactly what is published.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from media.encode import AudioEncoding, normalize_audio
from media.errors import ProbeFailed, TagWriteFailed, UnsupportedMedia
from media.ffmpeg import run_ffmpeg, run_ffprobe
from media.filtergraph import input_url
from media.loudness import Loudness, LoudnessTarget
from media.probe import MediaInfo, probe

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

# Containers a producer's video may come in (ffprobe demuxer names, see media.probe).
ACCEPTED_VIDEO_CONTAINERS = frozenset({"mp4", "matroska", "avi", "mpegts"})
# H.264 that every podcast app and browser decodes: 8-bit 4:2:0.
PLAYABLE_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
# The audio track of every published video: stereo AAC, 48 kHz, 128 kbps.
VIDEO_AUDIO = AudioEncoding(sample_rate_hz=48000, bitrate_kbps=128, channels=2, codec="aac")


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
    """MP4 metadata written with mutagen: our field -> iTunes atom (see :data:`MP4_ATOMS`)."""

    title: str
    series: str
    artist: str
    language: str
    description: str = ""
    date: str | None = None
    cover: bytes | None = None
    cover_mime: str | None = None


# Declarative tag table: VideoTags field -> MP4 (iTunes) atom.
MP4_ATOMS: dict[str, str] = {
    "title": "\xa9nam",
    "series": "\xa9alb",
    "artist": "\xa9ART",
    "description": "desc",
    "date": "\xa9day",
    "language": "----:com.apple.iTunes:LANGUAGE",
}


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
            and limiting in both passes (see :func:`media.encode.normalize_audio`).
        progress: Called with a fraction 0..1.

    Returns:
        Duration, size of the picture, whether the video was copied, loudness before/after.

    Raises:
        EncodeFailed: ffmpeg failed.
        LoudnessOutOfRange: silent audio, or the encoded audio missed the target.
        TagWriteFailed: the tags could not be written.
    """
    src = info.media.path
    report = progress or (lambda _f: None)
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".video-") as tmp:
        audio = Path(tmp) / "audio.m4a"
        # The same measure -> gain + limiter -> encode-and-check path as podcast audio, with
        # AAC's lower limiter ceiling; what was measured is exactly what gets muxed.
        result = normalize_audio(
            [src],
            audio,
            target,
            VIDEO_AUDIO,
            crossfade_s=0.0,
            pre_filter=pre_filter,
            progress=lambda f: report(0.8 * f),
        )
        _mux(info, audio, dst, tags.language)
    report(0.95)
    write_mp4_tags(dst, tags)
    report(1.0)
    return VideoResult(
        duration_s=round(_duration(dst), 3),
        width=info.width,
        height=info.height,
        video_copied=not info.needs_video_encode,
        before=result.before,
        after=result.after,
        audio_passes=result.passes,
    )


def _mux(info: VideoInfo, audio: Path, dst: Path, language: str) -> None:
    """Mux the video (copied when playable) with the checked AAC, moov first."""
    if info.needs_video_encode:
        # libx264 defaults (preset medium), CRF 20: visually transparent for explainers.
        video = ["-c:v", "libx264", "-crf", "20", "-pix_fmt", "yuv420p", "-profile:v", "high"]
    else:
        video = ["-c:v", "copy"]
    iso639_2 = ISO639_2.get(language.split("-")[0].lower(), "und")
    run_ffmpeg(
        [
            "-y",
            "-i",
            input_url(info.media.path),
            "-i",
            input_url(audio),
            "-map",
            "0:V:0",
            "-map",
            "1:a:0",
            *video,
            "-c:a",
            "copy",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-metadata:s:a:0",
            f"language={iso639_2}",
            "-metadata:s:v:0",
            f"language={iso639_2}",
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


def write_mp4_tags(path: Path, tags: VideoTags) -> None:
    """Write title, series, artist, language, description and cover into an MP4 (mutagen).

    mutagen grows ``moov`` in place and fixes the chunk offsets, so a faststart file stays
    faststart.

    Raises:
        TagWriteFailed: mutagen could not read or save the file.
    """
    from mutagen import MutagenError
    from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

    try:
        mp4 = MP4(path)
        if mp4.tags is None:
            mp4.add_tags()
        assert mp4.tags is not None
        for field_name, atom in MP4_ATOMS.items():
            value = getattr(tags, field_name)
            if not value:
                continue
            if atom.startswith("----"):
                mp4.tags[atom] = [MP4FreeForm(value.encode("utf-8"))]
            else:
                mp4.tags[atom] = [value]
        mp4.tags["stik"] = [10]  # iTunes media kind: 10 = TV show / episode video
        if tags.cover:
            kind = MP4Cover.FORMAT_PNG if tags.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
            mp4.tags["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
        mp4.save()
    except (MutagenError, OSError) as exc:
        raise TagWriteFailed(f"{path}: writing MP4 tags failed: {exc}") from None


# ISO 639-1 -> ISO 639-2/T for the MP4 track language (mdhd); the series' languages and kin.
ISO639_2: dict[str, str] = {
    "fi": "fin",
    "sv": "swe",
    "en": "eng",
    "ar": "ara",
    "so": "som",
    "fa": "fas",
    "ru": "rus",
    "uk": "ukr",
    "et": "est",
    "de": "deu",
    "fr": "fra",
    "es": "spa",
    "tr": "tur",
    "ku": "kur",
    "ti": "tir",
    "am": "amh",
    "ps": "pus",
    "ur": "urd",
    "zh": "zho",
    "vi": "vie",
    "th": "tha",
    "no": "nor",
    "da": "dan",
    "pl": "pol",
    "ro": "ron",
    "sq": "sqi",
    "bs": "bos",
    "hr": "hrv",
    "sr": "srp",
    "se": "sme",
    "prs": "prs",
}
