"""Prepare a video for podcast apps: H.264 in MP4, audio at the series loudness, faststart.

What podcast apps play everywhere is H.264 (8-bit 4:2:0) video with AAC audio in an MP4 whose
``moov`` atom comes before ``mdat`` (so playback starts before the download ends). A source that
already carries such video keeps it bit for bit (``-c:v copy``); anything else — VP9, ProRes,
MPEG-4 Part 2, 10-bit or 4:2:2 H.264 — is re-encoded with libx264.

The audio track is normalised in two passes (EBU R128): measure the source after the downmix to
stereo, then gain + a sample-peak limiter + AAC encode. ffmpeg's AAC encoder overshoots the
limiter's ceiling by 1.2-1.7 dB of true peak, so the limiter sits 2 dB under the true-peak target
and the *encoded* audio is measured (on the second core, while it is written); if it missed, the
audio — only the audio, a fraction of the cost — is encoded again with corrected gain and ceiling.
The checked AAC stream is then muxed with the video by stream copy, so what was measured is
exactly what is published.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from media.errors import LoudnessOutOfRange, ProbeFailed, TagWriteFailed, UnsupportedMedia
from media.ffmpeg import run_ffmpeg, run_ffmpeg_pipeline, run_ffprobe
from media.filtergraph import input_url
from media.loudness import (
    SILENCE_LUFS,
    Loudness,
    LoudnessTarget,
    ebur128_filter,
    measure_loudness,
    parse_ebur128_summaries,
)
from media.probe import MediaInfo, probe

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

# Containers a producer's video may come in (ffprobe demuxer names, see media.probe).
ACCEPTED_VIDEO_CONTAINERS = frozenset({"mp4", "matroska", "avi", "mpegts"})
# H.264 that every podcast app and browser decodes: 8-bit 4:2:0.
PLAYABLE_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
# AAC's true-peak overshoot over a sample-peak limiter (REFERENCE: 1.2-1.7 dB) plus margin.
AAC_CEILING_MARGIN_DB = 2.0
AUDIO_BITRATE_KBPS = 128
AUDIO_SAMPLE_RATE_HZ = 48000
MAX_AUDIO_PASSES = 3


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
        ["-v", "error", "-select_streams", "V:0", "-print_format", "json",
         "-show_entries", "stream=codec_name,pix_fmt,width,height:format=format_name", str(path)],
        path=path, what="cannot read video", error=ProbeFailed,
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
    progress: Progress | None = None,
) -> VideoResult:
    """Write ``dst``: a faststart MP4 with playable video and audio at ``target``, tagged.

    Args:
        info: The probed source (only read, never modified).
        dst: The MP4 to write (overwritten).
        target: Integrated loudness and true-peak ceiling of the audio track.
        tags: MP4 metadata.
        progress: Called with a fraction 0..1.

    Returns:
        Duration, size of the picture, whether the video was copied, loudness before/after.

    Raises:
        EncodeFailed: ffmpeg failed.
        LoudnessOutOfRange: the encoded audio missed the target after every correction.
        TagWriteFailed: the tags could not be written.
    """
    src = info.media.path
    report = progress or (lambda _f: None)
    before = measure_loudness(src, channels=2, duration_s=info.media.duration_s)
    if not math.isfinite(before.integrated_lufs) or before.integrated_lufs <= SILENCE_LUFS:
        raise UnsupportedMedia(f"{src}: unsupported media: the audio track is silent")
    report(0.2)
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".video-") as tmp:
        audio = Path(tmp) / "audio.aac"
        after, passes = _encode_audio(src, audio, before, target, info.media.duration_s)
        report(0.6)
        _mux(info, audio, dst, tags.language)
    report(0.95)
    write_mp4_tags(dst, tags)
    report(1.0)
    return VideoResult(
        duration_s=round(_duration(dst), 3), width=info.width, height=info.height,
        video_copied=not info.needs_video_encode, before=before, after=after,
        audio_passes=passes,
    )


def _encode_audio(
    src: Path, out: Path, before: Loudness, target: LoudnessTarget, duration_s: float
) -> tuple[Loudness, int]:
    """Gain + limiter + AAC to ADTS, measured while written; correct and redo if it missed."""
    gain_db = target.integrated_lufs - before.integrated_lufs
    ceiling_db = target.true_peak_dbtp - AAC_CEILING_MARGIN_DB
    after: Loudness | None = None
    for attempt in range(1, MAX_AUDIO_PASSES + 1):
        limit = 10 ** (ceiling_db / 20)
        chain = (
            f"aresample={AUDIO_SAMPLE_RATE_HZ},"
            "aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"volume={gain_db:.3f}dB,"
            f"alimiter=limit={limit:.5f}:level=false:attack=5:release=50"
        )
        # The tee muxer writes the same AAC frames to the file and to stdout, where the
        # checker decodes and measures them: one encode, measured as encoded. The file name is
        # ours and relative to cwd, so it needs no tee escaping.
        _, measured = run_ffmpeg_pipeline(
            ["-i", input_url(src), "-map", "0:a:0", "-af", chain, "-map_metadata", "-1",
             "-c:a", "aac", "-b:a", f"{AUDIO_BITRATE_KBPS}k",
             "-f", "tee", f"[f=adts]{out.name}|[f=adts]pipe:1", "-y"],
            ["-f", "aac", "-i", "pipe:0", "-filter:a", ebur128_filter(true_peak=True),
             "-f", "null", "-"],
            path=src, what="audio normalisation failed", cwd=out.parent,
            duration_s=duration_s,
        )
        summaries = parse_ebur128_summaries(measured)
        if not summaries:
            raise LoudnessOutOfRange(f"{src}: audio normalisation failed: no measurement")
        after = next(iter(summaries.values()))
        loud_miss = target.integrated_lufs - after.integrated_lufs
        peak_over = after.true_peak_dbtp - target.true_peak_dbtp
        log.info("audio pass %d: gain %.2f dB, ceiling %.2f dB -> %.2f LUFS, %.2f dBTP",
                 attempt, gain_db, ceiling_db, after.integrated_lufs, after.true_peak_dbtp)
        if abs(loud_miss) <= target.tolerance_lu and peak_over <= 0:
            return after, attempt
        gain_db += loud_miss
        if peak_over > 0:
            ceiling_db -= peak_over + 0.3
    assert after is not None
    raise LoudnessOutOfRange(
        f"{src}: audio normalisation failed: {after.integrated_lufs:.1f} LUFS, "
        f"{after.true_peak_dbtp:.1f} dBTP after {MAX_AUDIO_PASSES} passes "
        f"(target {target.integrated_lufs:.1f} LUFS, <= {target.true_peak_dbtp:.1f} dBTP)"
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
        ["-y", "-i", input_url(info.media.path), "-f", "aac", "-i", input_url(audio),
         "-map", "0:V:0", "-map", "1:a:0", *video, "-c:a", "copy",
         "-map_metadata", "-1", "-map_chapters", "-1",
         "-metadata:s:a:0", f"language={iso639_2}", "-metadata:s:v:0", f"language={iso639_2}",
         "-movflags", "+faststart", "-f", "mp4", str(dst)],
        path=info.media.path, what="video mux failed", duration_s=info.media.duration_s,
    )


def _duration(path: Path) -> float:
    raw, _ = run_ffprobe(
        ["-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        path=path, what="cannot read output", error=ProbeFailed,
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
    "fi": "fin", "sv": "swe", "en": "eng", "ar": "ara", "so": "som", "fa": "fas", "ru": "rus",
    "uk": "ukr", "et": "est", "de": "deu", "fr": "fra", "es": "spa", "tr": "tur", "ku": "kur",
    "ti": "tir", "am": "amh", "ps": "pus", "ur": "urd", "zh": "zho", "vi": "vie", "th": "tha",
    "no": "nor", "da": "dan", "pl": "pol", "ro": "ron", "sq": "sqi", "bs": "bos", "hr": "hrv",
    "sr": "srp", "se": "sme", "prs": "prs",
}
