"""Check a recording before any encode: long enough, and how far its waveform is off centre.

Everything here is cheap at any length (about a second on a two-hour file): the duration comes
from :func:`media.probe.probe`, and the DC offset and peaks are measured with ffmpeg's
``astats`` on a few evenly spaced excerpts instead of the whole file (a DC offset is a
property of the recorder or its cable, constant across a take).

DC offset is the mean of the samples; 0.25 means the waveform sits a quarter of full scale
above the centre line. It costs headroom on one side: loudness normalisation then limits the
offset side hard and misses its target. A high-pass below the speech band removes it; this
module only measures and words it (the removal belongs to the encode's pre-filter).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from media.errors import AudioTooShort, DcOffsetTooLarge, EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import input_url
from media.probe import MediaInfo

log = logging.getLogger(__name__)

# Shorter than this is not an episode, and EBU R128 needs 400 ms blocks to measure anything.
MIN_DURATION_S = 1.0
# DC offset (fraction of full scale) worth a line in the output: -40 dBFS.
DC_NOTE = 0.01
# Above this an encode without DC removal misses the loudness target or keeps an audible
# thump at every cut: refuse instead of failing after the encode. Measured: speech at -24 LUFS
# with 0.25 DC encoded to -19.3 LUFS / -0.7 dBTP (target -16 / -1) without a high-pass, and
# to -16.0 / -2.0 with ``highpass=f=40``; with 0.10 DC it landed at -16.5 LUFS, DC kept.
DC_NEEDS_REMOVAL = 0.05
# A sample this close to full scale on the offset side means the recorder clipped it.
CLIPPED = 0.999
# Excerpts measured on long files.
EXCERPTS = 5
EXCERPT_S = 3.0
WHOLE_FILE_UP_TO_S = 60.0


@dataclass(frozen=True, slots=True)
class AudioCheck:
    """What :func:`inspect_audio` measured, and the lines worth showing the producer."""

    path: Path
    duration_s: float
    dc_offset: float  # signed mean of the channel furthest off centre, full scale = 1.0
    peak: float  # largest absolute sample, full scale = 1.0
    measured_s: float  # how much audio the figures come from
    notes: tuple[str, ...]


_CHANNEL = re.compile(r"^Channel: (\d+)$")
_FIELD = re.compile(r"^(DC offset|Min level|Max level): (-?[\d.]+(?:e-?\d+)?|-?inf|nan)$")


def _excerpts(duration_s: float) -> list[tuple[float, float]]:
    if duration_s <= WHOLE_FILE_UP_TO_S:
        return [(0.0, duration_s)]
    step = (duration_s - EXCERPT_S) / (EXCERPTS - 1)
    return [(i * step, EXCERPT_S) for i in range(EXCERPTS)]


def inspect_audio(
    info: MediaInfo, *, removes_dc: bool, min_duration_s: float = MIN_DURATION_S
) -> AudioCheck:
    """Check that ``info.path`` is long enough and measure its DC offset and peak.

    Args:
        info: The probed recording (its first audio stream is checked).
        removes_dc: Whether the encode that follows removes DC (a high-pass pre-filter); the
            note then says so, and a large offset is repaired instead of refused.
        min_duration_s: The shortest acceptable recording.

    Returns:
        The measurements and one plain line per finding worth showing.

    Raises:
        AudioTooShort: shorter than ``min_duration_s``.
        DcOffsetTooLarge: the offset clipped the recording on one side, or it is large and
            nothing will remove it.
        EncodeFailed: ffmpeg could not decode the excerpts.
    """
    path = info.path
    if info.duration_s < min_duration_s:
        raise AudioTooShort(
            f"{path}: too short: {info.duration_s:.2f} s of audio; an episode needs at least "
            f"{min_duration_s:g} s"
        )
    excerpts = _excerpts(info.duration_s)
    args: list[str] = []
    for start, length in excerpts:
        args += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", input_url(path)]
    joined = "".join(f"[{i}:a:0]" for i in range(len(excerpts)))
    graph = (
        # Float samples: astats then reports levels as fractions of full scale.
        f"{joined}concat=n={len(excerpts)}:v=0:a=1,aformat=sample_fmts=fltp,"
        "astats=measure_perchannel=DC_offset+Min_level+Max_level:measure_overall=none"
    )
    lines = run_ffmpeg(
        [*args, "-filter_complex", graph, "-f", "null", "-"],
        path=path,
        what="cannot check the audio",
        error=EncodeFailed,
    )
    channels: dict[int, dict[str, float]] = {}
    current: dict[str, float] | None = None
    for raw in lines:
        line = re.sub(r"^\[[^]]+\]\s*", "", raw.strip())
        if match := _CHANNEL.match(line):
            current = channels.setdefault(int(match.group(1)), {})
        elif current is not None and (match := _FIELD.match(line)):
            current[match.group(1)] = float(match.group(2))
    if not channels:
        raise EncodeFailed(f"{path}: cannot check the audio: ffmpeg printed no statistics")
    worst = max(channels.values(), key=lambda c: abs(c.get("DC offset", 0.0)))
    dc = worst.get("DC offset", 0.0)
    peak = max(
        max(abs(c.get("Min level", 0.0)), abs(c.get("Max level", 0.0))) for c in channels.values()
    )
    offset_side = worst.get("Max level", 0.0) if dc > 0 else -worst.get("Min level", 0.0)
    measured_s = sum(length for _, length in excerpts)
    log.debug("%s: DC offset %.4f, peak %.4f over %.1f s", path, dc, peak, measured_s)

    notes: list[str] = []
    size = (
        f"DC offset {abs(dc):.2f} of full scale "
        "(the waveform sits off centre: a recorder or cable fault)"
    )
    if abs(dc) >= DC_NOTE and offset_side >= CLIPPED:
        raise DcOffsetTooLarge(
            f"{path}: {size} and it clipped the recording on one side; fix the recorder "
            "and record again, or export the take without clipping"
        )
    if abs(dc) >= DC_NEEDS_REMOVAL and not removes_dc:
        raise DcOffsetTooLarge(
            f"{path}: {size}; turn on DC removal (a high-pass filter) or fix the recording"
        )
    if abs(dc) >= DC_NOTE:
        notes.append(
            f"{path}: {size}: " + ("removed" if removes_dc else "kept (no high-pass filter)")
        )
    return AudioCheck(
        path=path,
        duration_s=info.duration_s,
        dc_offset=dc,
        peak=peak,
        measured_s=measured_s,
        notes=tuple(notes),
    )
