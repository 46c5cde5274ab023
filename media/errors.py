"""Errors raised by the media package.

Every message is one line of the form ``"<path>: <what failed>: <why>"`` so the CLI
can print it as is.
"""

from __future__ import annotations


class MediaError(Exception):
    """Base of every error the media package raises on purpose."""


class FfmpegNotFound(MediaError):
    """ffmpeg or ffprobe is not installed (or FFMPEG_PATH / FFPROBE_PATH is wrong)."""


class ProbeFailed(MediaError):
    """A file could not be read as media (missing, corrupt, truncated, not media)."""


class UnsupportedMedia(MediaError):
    """A readable file whose container or codecs kotocast does not accept."""


class NoAudioStream(UnsupportedMedia):
    """A media file with no audio stream."""


class EncodeFailed(MediaError):
    """ffmpeg could not measure, filter or encode a file."""


class LoudnessOutOfRange(MediaError):
    """The encoded output missed the loudness target by more than the tolerance."""


class TagWriteFailed(MediaError):
    """Tags could not be written to, or read back from, an encoded file."""


class ArtworkInvalid(MediaError):
    """Cover art that is not an image, or cannot be made square RGB JPEG/PNG."""


class AudioTooShort(MediaError):
    """A recording too short to be an episode (and too short to measure its loudness)."""


class DcOffsetTooLarge(MediaError):
    """A recording whose waveform sits off centre (DC offset) more than can be repaired."""
