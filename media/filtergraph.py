"""Build the ffmpeg filter graph that joins and downmixes sources (shared by measure and encode).

Both passes of the loudness normalisation must hear exactly the same signal, so the graph that
turns ``[intro?, body, outro?]`` into one stream in the output's channel layout is built here,
once. Measuring after the downmix is what EBU R128 practice asks for: a 5.1 source measured as
5.1 and then folded down by the encoder lands several LU off and clips.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

LAYOUTS: dict[int, str] = {1: "mono", 2: "stereo"}


@dataclass(frozen=True, slots=True)
class JoinGraph:
    """ffmpeg input arguments plus a filter graph whose output pad is ``label``."""

    input_args: tuple[str, ...]
    graph: str
    label: str


@dataclass(frozen=True, slots=True)
class RawAudio:
    """Headerless 32-bit float little-endian samples, interleaved (ffmpeg's ``f32le``).

    What :mod:`media.prefilter` writes; a source like any file for :func:`build_join_graph`.
    """

    path: Path
    sample_rate_hz: int
    channels: int

    SAMPLE_BYTES: ClassVar[int] = 4

    @property
    def input_args(self) -> tuple[str, ...]:
        """ffmpeg's arguments for reading it as one input."""
        return (
            "-f",
            "f32le",
            "-ar",
            str(self.sample_rate_hz),
            "-ac",
            str(self.channels),
            "-i",
            input_url(self.path),
        )

    @property
    def duration_s(self) -> float:
        """Its length, from its size."""
        frame = self.SAMPLE_BYTES * self.channels
        return self.path.stat().st_size // frame / self.sample_rate_hz


def input_url(path: Path) -> str:
    """Return ``path`` as an ffmpeg input URL (``file:`` so names with ``:`` stay files)."""
    return f"file:{Path(path).resolve()}"


def filter_path(path: Path) -> str:
    """Escape a file name for a filter option inside a ``-filter_complex`` graph.

    Two levels, as ffmpeg-filters "Notes on filtergraph escaping" describes: the option value
    (``\\ ' :``), then the graph description (``\\ ' [ ] , ;``).
    """
    value = re.sub(r"([\\':])", r"\\\1", str(path))
    return re.sub(r"([\\'\[\],;])", r"\\\1", value)


def check_pre_filter(pre_filter: str | None) -> str | None:
    """Return a pre-filter chain stripped (None when empty); refuse graph syntax in it.

    A pre-filter is one linear chain of ffmpeg audio filters (``name=opts,name=opts``) that is
    spliced into our graphs; pad labels (``[x]``) and graph separators (``;``) would rewire them.

    Raises:
        ValueError: the chain contains ``[``, ``]`` or ``;``.
    """
    if pre_filter is None or not pre_filter.strip():
        return None
    if any(ch in pre_filter for ch in "[];"):
        raise ValueError(
            f"pre_filter must be one audio filter chain without '[', ']' or ';': {pre_filter!r}"
        )
    return pre_filter.strip().strip(",")


def build_join_graph(
    sources: Sequence[Path | RawAudio],
    *,
    channels: int,
    sample_rate_hz: int | None,
    crossfade_s: float,
    durations_s: Sequence[float] | None = None,
    first_input: int = 0,
    label: str = "joined",
    pre_filter: str | None = None,
    pre_filter_index: int = 0,
) -> JoinGraph:
    """Join ``sources`` with triangular crossfades, converted to ``channels`` (and rate).

    Args:
        sources: Files in playing order, e.g. ``[intro, body, outro]`` (a body already
            processed by :mod:`media.prefilter` is a :class:`RawAudio`).
        channels: Output channel count (1 or 2); every source is down/up-mixed to it first.
        sample_rate_hz: Resample to this rate, or None to keep the first source's rate
            (only allowed for a single source: crossfades need one rate).
        crossfade_s: Crossfade length; clamped to half the shorter neighbour.
        durations_s: Source durations, used to clamp the crossfade.
        first_input: ffmpeg input index of ``sources[0]`` (when other inputs come first).
        label: Name of the output pad.
        pre_filter: An ffmpeg audio filter chain (``"highpass=f=80,afftdn"``) applied to
            ``sources[pre_filter_index]`` only, after its conversion to ``channels`` and the
            rate (float planar) and before the join; see :func:`check_pre_filter`.
        pre_filter_index: Which source gets ``pre_filter`` (the body, not the jingles).
    """
    if not sources:
        raise ValueError("at least one source is needed")
    if channels not in LAYOUTS:
        raise ValueError(f"channels must be 1 or 2, not {channels}")
    if sample_rate_hz is None and len(sources) > 1:
        raise ValueError("joining sources needs a common sample rate")
    pre_filter = check_pre_filter(pre_filter)
    fmt = f"aformat=sample_fmts=fltp:channel_layouts={LAYOUTS[channels]}"
    if sample_rate_hz is not None:
        # soxr is not always built in; swr's default resampler is what `-ar` uses.
        fmt = f"aresample={sample_rate_hz},{fmt}"
    inputs: list[str] = []
    parts: list[str] = []
    for i, src in enumerate(sources):
        inputs += src.input_args if isinstance(src, RawAudio) else ["-i", input_url(src)]
        chain = f"{fmt},{pre_filter}" if pre_filter and i == pre_filter_index else fmt
        parts.append(f"[{first_input + i}:a:0]{chain}[{label}_in{i}]")
    current = f"{label}_in0"
    for i in range(1, len(sources)):
        fade = crossfade_s
        if durations_s is not None:
            fade = min(fade, durations_s[i - 1] / 2, durations_s[i] / 2)
        out = label if i == len(sources) - 1 else f"{label}_x{i}"
        if fade >= 0.01:
            parts.append(f"[{current}][{label}_in{i}]acrossfade=d={fade:.3f}:c1=tri:c2=tri[{out}]")
        else:
            parts.append(f"[{current}][{label}_in{i}]concat=n=2:v=0:a=1[{out}]")
        current = out
    if len(sources) == 1:
        parts[0] = parts[0].replace(f"[{label}_in0]", f"[{label}]")
    return JoinGraph(tuple(inputs), ";".join(parts), label)
