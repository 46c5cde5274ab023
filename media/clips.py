"""Render short clips (soundbite teasers) from an episode.

ffmpeg cuts just the clip (``-ss``/``-t`` before ``-i``: it seeks, never decodes the whole
episode) to a temporary WAV, whose real length is probed (a clip past the end of the episode
comes out short), then fades it in and out and encodes the MP3. Both steps go through
:mod:`media.ffmpeg`, so the children die with kotocast like every other ffmpeg.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from media.errors import EncodeFailed, MediaError
from media.ffmpeg import run_ffmpeg
from media.filtergraph import input_url
from media.probe import probe

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
        EncodeFailed: bad times, a clip past the end of ``src``, or ffmpeg failing.
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
            got_s = probe(wav).duration_s
        except MediaError:
            got_s = 0.0
        if got_s < duration_s - 0.25:  # a frame or two of slack
            raise EncodeFailed(
                f"{src}: cannot render teaser: {start_s:g}+{duration_s:g} s runs past the end "
                f"of the audio (got {got_s:.1f} s)"
            )
        fade = min(fade_s, got_s / 3)
        tmp_mp3 = Path(tmpdir) / "teaser.mp3"
        run_ffmpeg(
            [
                "-i",
                input_url(wav),
                "-af",
                f"afade=t=in:d={fade:.3f},afade=t=out:st={got_s - fade:.3f}:d={fade:.3f}",
                "-c:a",
                "libmp3lame",
                "-b:a",
                f"{bitrate_kbps}k",
                "-id3v2_version",
                "3",
                "-y",
                str(tmp_mp3),
            ],
            path=src,
            what="cannot render teaser",
        )
        os.replace(tmp_mp3, dst)
    log.debug("rendered teaser %s from %s at %g+%g s", dst, src, start_s, duration_s)
    return dst
