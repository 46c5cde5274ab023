"""Render short clips (soundbite teasers) from an episode.

ffmpeg cuts just the clip (``-ss``/``-t`` before ``-i``: it seeks, never decodes the whole
episode) to a temporary WAV; pydub then applies the fades and exports the MP3. pydub holds
audio in memory (~56 MB per minute of 48 kHz stereo), which is fine for a clip and never
acceptable for an episode: hence the length cap.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pydub import AudioSegment
from pydub.exceptions import CouldntEncodeError, PydubException

from media.errors import EncodeFailed
from media.ffmpeg import ffmpeg_binary, run_ffmpeg
from media.filtergraph import input_url

log = logging.getLogger(__name__)

# A teaser is for social media; anything longer belongs in the streamed encode path.
MAX_CLIP_S = 300.0


def render_teaser(
    src: Path,
    dst: Path,
    start_s: float,
    duration_s: float,
    *,
    fade_s: float = 0.5,
    bitrate_kbps: int = 128,
) -> Path:
    """Cut ``duration_s`` seconds from ``start_s`` of ``src`` into an MP3 with fade-in/out.

    Args:
        src: The episode (any format ffmpeg reads); only read.
        dst: The teaser MP3, written atomically.
        start_s: Where the clip starts, in seconds.
        duration_s: Clip length, at most :data:`MAX_CLIP_S`.
        fade_s: Fade-in and fade-out length (clamped to a third of the clip).
        bitrate_kbps: CBR bitrate of the teaser.

    Returns:
        ``dst``.

    Raises:
        EncodeFailed: bad times, a clip past the end of ``src``, or ffmpeg/pydub failing.
    """
    src, dst = Path(src), Path(dst)
    if start_s < 0 or duration_s <= 0 or duration_s > MAX_CLIP_S:
        raise EncodeFailed(
            f"{src}: cannot render teaser: clip {start_s:g}+{duration_s:g} s must start at 0 s "
            f"or later and last 0-{MAX_CLIP_S:g} s"
        )
    with tempfile.TemporaryDirectory(prefix=".kotocast-clip-", dir=dst.parent) as tmpdir:
        wav = Path(tmpdir) / "clip.wav"
        run_ffmpeg(
            [
                "-ss",
                f"{start_s:.3f}",
                "-t",
                f"{duration_s:.3f}",
                "-i",
                input_url(src),
                "-map",
                "0:a:0",
                "-map_metadata",
                "-1",
                "-c:a",
                "pcm_s16le",
                "-y",
                str(wav),
            ],
            path=src,
            what="cannot render teaser",
        )
        try:
            clip = AudioSegment.from_wav(wav)
        except (PydubException, OSError, ValueError) as exc:
            raise EncodeFailed(f"{src}: cannot render teaser: {exc}") from None
        if len(clip) < duration_s * 1000 - 250:  # a frame or two of slack
            raise EncodeFailed(
                f"{src}: cannot render teaser: {start_s:g}+{duration_s:g} s runs past the end "
                f"of the audio (got {len(clip) / 1000:.1f} s)"
            )
        fade_ms = int(min(fade_s, duration_s / 3) * 1000)
        clip = clip.fade_in(fade_ms).fade_out(fade_ms)
        tmp_mp3 = Path(tmpdir) / "teaser.mp3"
        # pydub spawns ffmpeg itself; point it at the same binary (FFMPEG_PATH) as we use.
        AudioSegment.converter = ffmpeg_binary()
        try:
            clip.export(
                tmp_mp3,
                format="mp3",
                codec="libmp3lame",
                bitrate=f"{bitrate_kbps}k",
                parameters=["-id3v2_version", "3"],
            )
        except (CouldntEncodeError, PydubException, OSError) as exc:
            raise EncodeFailed(f"{src}: cannot render teaser: {exc}") from None
        os.replace(tmp_mp3, dst)
    log.debug("rendered teaser %s from %s at %g+%g s", dst, src, start_s, duration_s)
    return dst
