"""Encode one variant's media: the medium decides the encoder, and nothing else.

Audio: levelled MP3 (and an AAC rendition when configured), by :mod:`media.encode` through
``add``'s speech chain; video: the picture copied (H.264) or re-encoded, the audio levelled to
AAC, the MP4 tagged (:mod:`media.video`). Both return a :class:`Made`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from episodes.errors import FieldInvalid
from episodes.model import Asset, LoudnessRecord, Show
from media.artwork import Artwork
from media.encode import AudioEncoding, LoudnessTarget
from media.loudness import Loudness
from media.probe import MediaInfo, probe, require_audio_input
from media.video import VideoTags, prepare_video, probe_video

from .assets import Staging

Progress = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Made:
    """The processed media file in the staging folder and what was measured on it."""

    path: Path
    mime_type: str
    duration_s: float
    bitrate_kbps: int | None
    loudness: LoudnessRecord
    alternates: tuple[Asset, ...] = ()
    width: int | None = None
    height: int | None = None
    video_copied: bool | None = None


def process_video(
    workspace: Path,
    show: Show,
    title: str,
    description: str,
    language: str,
    publish_at: datetime | None,
    source: Path,
    artwork: Artwork | None,
    stage: Staging,
    progress: Progress | None,
) -> Made:
    """Copy the picture (H.264) or re-encode it, level the audio to AAC, tag the MP4."""
    info = probe_video(source)
    target = LoudnessTarget(
        integrated_lufs=show.loudness.target_lufs, true_peak_dbtp=show.loudness.true_peak_dbtp
    )
    cover, cover_mime = video_cover(workspace, show)
    tags = VideoTags(
        title=title,
        series=show.titles.get(language, show.title),
        artist=show.author,
        language=language,
        description=description,
        date=(publish_at or datetime.now()).date().isoformat(),
        cover=cover,
        cover_mime=cover_mime,
    )
    out = stage.path("video.mp4")
    result = prepare_video(info, out, target, tags, progress=progress)
    size = out.stat().st_size
    return Made(
        path=out,
        mime_type="video/mp4",
        duration_s=result.duration_s,
        bitrate_kbps=round(size * 8 / result.duration_s / 1000) if result.duration_s else None,
        loudness=loudness_record(result.before, result.after, true_peak=result.source_true_peak),
        width=result.width,
        height=result.height,
        video_copied=result.video_copied,
    )


def video_cover(workspace: Path, show: Show) -> tuple[bytes | None, str | None]:
    """The show artwork's bytes for the MP4 ``covr`` atom, if it is a JPEG or PNG."""
    if not show.image:
        return None, None
    try:
        data = (workspace / show.image).read_bytes()
    except OSError:
        raise FieldInvalid(
            "kotocast.toml: show.image", f"{workspace / show.image} is not a file"
        ) from None
    if data.startswith(b"\x89PNG"):
        return data, "image/png"
    if data.startswith(b"\xff\xd8"):
        return data, "image/jpeg"
    return None, None


def loudness_record(before: Loudness, after: Loudness, *, true_peak: bool) -> LoudnessRecord:
    """What the catalog keeps: ``true_peak`` says whether ``before``'s peak is a true peak."""
    peak = round(before.true_peak_dbtp, 2)
    return LoudnessRecord(
        input_lufs=round(before.integrated_lufs, 2),
        input_true_peak_dbtp=peak if true_peak else None,
        output_lufs=round(after.integrated_lufs, 2),
        output_true_peak_dbtp=round(after.true_peak_dbtp, 2),
        input_sample_peak_dbfs=None if true_peak else peak,
    )


def choose_audio_settings(show: Show, info: MediaInfo) -> tuple[LoudnessTarget, AudioEncoding]:
    """Pick output channels, loudness target and bitrate for a source.

    ``channels = "auto"`` keeps a mono source mono (64 kbps, mastered to the mono target,
    -19 LUFS by default, because one channel on two speakers sounds ~3 dB louder than
    BS.1770 measures it) and makes everything else stereo at the stereo target.
    """
    assert info.audio is not None
    enc = show.encoding
    mono = enc.channels == "mono" or (enc.channels == "auto" and info.audio.channels == 1)
    target = LoudnessTarget(
        integrated_lufs=show.loudness.mono_target_lufs if mono else show.loudness.target_lufs,
        true_peak_dbtp=show.loudness.true_peak_dbtp,
    )
    encoding = AudioEncoding(
        sample_rate_hz=enc.sample_rate_hz,
        bitrate_kbps=enc.mono_bitrate_kbps if mono else enc.bitrate_kbps,
        channels=1 if mono else 2,
    )
    return target, encoding


def jingle(workspace: Path, name: str | None, key: str) -> list[Path]:
    if not name:
        return []
    path = (workspace / name).resolve()
    if not path.is_file():
        raise FieldInvalid(f"kotocast.toml: {key}", f"{path} is not a file")
    require_audio_input(probe(path))
    return [path]
