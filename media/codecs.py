"""Output audio codecs: how kotocast encodes MP3 and AAC, shared by the encode and its prediction.

The gain prediction (:mod:`media.prediction`) encodes a short excerpt exactly as the real
encode will, so both take their encoder arguments from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AudioEncoding:
    """Output settings (defaults: stereo MP3 podcast; mono: 1 channel, 64 kbps).

    ``codec`` is ``"mp3"`` (LAME CBR, an .mp3 file) or ``"aac"`` (ffmpeg's AAC in a faststart
    MPEG-4 audio file, .m4a, for ``podcast:alternateEnclosure`` renditions and video).
    """

    sample_rate_hz: int = 44100
    bitrate_kbps: int = 128
    channels: int = 2
    codec: str = "mp3"

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise ValueError(f"codec must be one of {', '.join(CODECS)}, not {self.codec!r}")


@dataclass(frozen=True, slots=True)
class Codec:
    """How one output codec is encoded, written to the file and streamed to a checker.

    ``min_limiter_margin_db``: the least distance between the limiter's (sample-peak) ceiling
    and the true-peak target. The encoder's own true-peak overshoot is measured on an excerpt
    of each programme (:mod:`media.prediction`); this floor covers what a 10-60 minute
    programme reaches beyond its excerpt: LAME at 128k reached -0.8 dBTP on hour-long speech
    with 0.6 dB (bench/bench_add.py), 1.1 dB held; ffmpeg's AAC overshoots the ceiling by
    1.2-1.7 dB of true peak on speech, so it starts 2 dB under.
    """

    encoder: str
    file_format: str  # tee slave options for the file
    pipe_format: str  # tee slave options for a checker's pipe
    pipe_muxer: str  # the same as a plain -f
    checker_demuxer: str
    min_limiter_margin_db: float
    typical_loss_lu: float  # only a starting point: the prediction measures it
    extra_args: tuple[str, ...] = ()
    # The least scale of the encoder's true-peak overshoot tail (media.prediction): a whole
    # programme's largest overshoot is extrapolated from its excerpt with at least this many
    # dB per e-fold of length. ffmpeg's AAC (fast coder, 96k) spikes more than LAME: on the
    # corpus its programme overshoot exceeded the excerpt's by 1.0-5.2 dB, LAME's by 0.3-1.9.
    overshoot_tail_db: float = 0.3


CODECS: dict[str, Codec] = {
    "mp3": Codec(
        "libmp3lame",
        "f=mp3:id3v2_version=0:write_id3v1=0",
        "f=mp3:id3v2_version=0:write_id3v1=0",
        "mp3",
        "mp3",
        1.1,
        0.4,
    ),
    "aac": Codec(
        "aac",
        "f=ipod:movflags=+faststart",
        "f=adts",
        "adts",
        "aac",
        1.1,
        0.05,
        ("-aac_coder", "fast"),
        overshoot_tail_db=0.5,
    ),
}


MONO_ENCODING = AudioEncoding(bitrate_kbps=64, channels=1)


def encoder_args(encoding: AudioEncoding) -> list[str]:
    """Return ffmpeg's output codec arguments for ``encoding`` (codec, bitrate, rate, layout)."""
    codec = CODECS[encoding.codec]
    return [
        "-c:a",
        codec.encoder,
        *codec.extra_args,
        "-b:a",
        f"{encoding.bitrate_kbps}k",
        "-ar",
        str(encoding.sample_rate_hz),
        "-ac",
        str(encoding.channels),
    ]


def limiter_filter(gain_db: float, limit_dbfs: float) -> str:
    """Return the gain + look-ahead limiter chain every pass uses (same attack and release).

    ``alimiter`` limits sample peaks with a 5 ms look-ahead and 50 ms release; it is
    scale-invariant (gain g with ceiling c equals gain g-c with ceiling 0 dBFS, then c), which
    the prediction relies on. Its ceiling is clamped to ffmpeg's range (-24..0 dBFS).
    """
    limit = min(1.0, max(0.0625, 10 ** (limit_dbfs / 20)))
    return (
        f"volume={gain_db:.4f}dB,"
        f"alimiter=limit={limit:.6f}:attack=5:release=50:level=false:latency=true"
    )
