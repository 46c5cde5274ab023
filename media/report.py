"""A picture of what processing did: short-term loudness over time, before and after.

:func:`measure_curve` runs ffmpeg's ``ebur128`` (EBU R128 short-term loudness, 3 s window) over
a file and keeps one value per pixel column, so memory does not grow with length;
:func:`render_report` draws the before and after curves, the loudness target and the speakers'
turns into a PNG with Pillow.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg
from media.filtergraph import input_url

WIDTH, HEIGHT = 1200, 520
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 40, 110
FLOOR_LUFS, CEILING_LUFS = -50.0, -5.0
BACKGROUND = (255, 255, 255)
GRID = (225, 225, 225)
TEXT = (40, 40, 40)
BEFORE = (150, 150, 150)
AFTER = (31, 119, 180)
TARGET = (214, 39, 40)
SPEAKER_COLOURS = ((255, 127, 14), (44, 160, 44), (148, 103, 189), (140, 86, 75), (227, 119, 194))
_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._-]+$")


@dataclass(frozen=True, slots=True)
class LoudnessCurve:
    """Short-term loudness (LUFS) at evenly spaced times; None where the audio is silent."""

    duration_s: float
    step_s: float
    lufs: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Turn:
    """One stretch of one speaker (from the multitrack timeline, or given by hand)."""

    start_s: float
    end_s: float
    speaker: str


def measure_curve(
    path: Path,
    *,
    duration_s: float,
    columns: int = WIDTH - LEFT - RIGHT,
    mix_with: Sequence[Path] = (),
) -> LoudnessCurve:
    """Measure short-term loudness of ``path`` every 100 ms, averaged into ``columns`` bins.

    Args:
        path: The file (its first audio stream).
        duration_s: Its duration (for the bins; later values land in the last bin).
        mix_with: Other files summed with ``path`` first (separate tracks, as recorded).
        columns: At most this many bins (one per pixel column of the plot).

    Bins average energy (not dB), so a bin reads like the loudness of its stretch.

    Raises:
        EncodeFailed: ffmpeg could not read the file.
    """
    path = Path(path)
    # ebur128 reports every 100 ms; a short file gets fewer, wider bins rather than gaps.
    step = max(duration_s / columns, 0.1)
    columns = max(1, math.ceil(duration_s / step))
    energy = [0.0] * columns
    count = [0] * columns
    with tempfile.TemporaryDirectory(prefix="kotocast-report-") as tmp:
        log = Path(tmp) / "short-term.txt"
        if not _SAFE_PATH.match(str(log)):
            # The name goes into a filter option; a plain temp directory never needs escaping.
            raise EncodeFailed(f"{log}: loudness curve failed: temp directory name needs escaping")
        files = [path, *mix_with]
        meter = (
            "aresample=48000,asetnsamples=n=4800:p=0,ebur128=metadata=1:framelog=verbose,"
            f"ametadata=mode=print:key=lavfi.r128.S:file={log}"
        )
        inputs = "".join(f"[{i}:a:0]" for i in range(len(files)))
        graph = (
            f"{inputs}amix=inputs={len(files)}:normalize=0:duration=longest,{meter}[m]"
            if mix_with
            else f"[0:a:0]{meter}[m]"
        )
        run_ffmpeg(
            [
                *(arg for f in files for arg in ("-i", input_url(f))),
                "-filter_complex",
                graph,
                "-map",
                "[m]",
                "-f",
                "null",
                "-",
            ],
            path=path,
            what="loudness curve failed",
            error=EncodeFailed,
        )
        when = 0.0
        with log.open(encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("frame:"):
                    match = re.search(r"pts_time:([\d.]+)", line)
                    when = float(match.group(1)) if match else when
                elif line.startswith("lavfi.r128.S="):
                    value = float(line.split("=", 1)[1])
                    if value > -70.0:  # ebur128's floor for silence
                        i = min(columns - 1, int(when / step + 1e-6))
                        energy[i] += 10 ** (value / 10)
                        count[i] += 1
    values = tuple(
        10 * math.log10(e / n) if n else None for e, n in zip(energy, count, strict=True)
    )
    return LoudnessCurve(duration_s, step, values)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one bitmap size
        return ImageFont.load_default()


def _clock(at_s: float) -> str:
    seconds = round(at_s)
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60}:{seconds % 60:02d}")
    )


def render_report(
    dst: Path,
    before: LoudnessCurve,
    after: LoudnessCurve,
    *,
    target_lufs: float,
    turns: Sequence[Turn] = (),
    title: str = "",
) -> Path:
    """Draw the before/after short-term loudness, the target line and speaker turns as a PNG.

    Args:
        dst: The PNG to write (atomically).
        before: The source's curve (what the producer recorded).
        after: The published file's curve.
        target_lufs: The integrated loudness target, drawn as a line.
        turns: Who speaks when, drawn as coloured bands under the plot.
        title: A heading (the episode's title or slug).

    Returns:
        ``dst``.
    """
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    small, big = _font(12), _font(16)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    duration = max(after.duration_s, before.duration_s, 0.1)

    def y_of(lufs: float) -> int:
        clamped = min(CEILING_LUFS, max(FLOOR_LUFS, lufs))
        return TOP + round((CEILING_LUFS - clamped) / (CEILING_LUFS - FLOOR_LUFS) * plot_h)

    def x_of(seconds: float) -> int:
        return LEFT + round(min(1.0, max(0.0, seconds / duration)) * plot_w)

    for level in range(int(CEILING_LUFS) // 5 * 5, int(FLOOR_LUFS) - 1, -5):
        y = y_of(level)
        draw.line([(LEFT, y), (LEFT + plot_w, y)], fill=GRID)
        draw.text((LEFT - 8, y), f"{level}", fill=TEXT, font=small, anchor="rm")
    tick = _tick(duration)
    t = 0.0
    while t <= duration + 1e-6:
        x = x_of(t)
        draw.line([(x, TOP), (x, TOP + plot_h)], fill=GRID)
        draw.text((x, TOP + plot_h + 6), _clock(t), fill=TEXT, font=small, anchor="mt")
        t += tick
    draw.rectangle([LEFT, TOP, LEFT + plot_w, TOP + plot_h], outline=TEXT)
    for curve, colour, width in ((before, BEFORE, 1), (after, AFTER, 2)):
        _plot(draw, curve, colour, width, x_of, y_of)
    y = y_of(target_lufs)
    for x in range(LEFT, LEFT + plot_w, 12):
        draw.line([(x, y), (min(x + 6, LEFT + plot_w), y)], fill=TARGET, width=2)

    lane = TOP + plot_h + 26
    speakers = sorted({turn.speaker for turn in turns})
    for turn in turns:
        colour = SPEAKER_COLOURS[speakers.index(turn.speaker) % len(SPEAKER_COLOURS)]
        draw.rectangle(
            [x_of(turn.start_s), lane, max(x_of(turn.end_s) - 1, x_of(turn.start_s)), lane + 14],
            fill=colour,
        )

    legend = [(BEFORE, "before"), (AFTER, "after"), (TARGET, f"target {target_lufs:g} LUFS")]
    legend += [(SPEAKER_COLOURS[i % len(SPEAKER_COLOURS)], name) for i, name in enumerate(speakers)]
    x = LEFT
    for colour, label in legend:
        draw.rectangle([x, HEIGHT - 30, x + 14, HEIGHT - 16], fill=colour)
        draw.text((x + 20, HEIGHT - 23), label, fill=TEXT, font=small, anchor="lm")
        x += 30 + int(draw.textlength(label, font=small))
    heading = "Short-term loudness (EBU R128, 3 s), LUFS"
    draw.text((LEFT, 12), f"{title}: {heading}" if title else heading, fill=TEXT, font=big)

    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.tmp")
    try:
        img.save(tmp, "PNG", optimize=True)
        tmp.replace(dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EncodeFailed(f"{dst}: cannot write report: {exc.strerror or exc}") from None
    return dst


def _tick(duration: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration / step <= 12:
            return float(step)
    return 7200.0


def _plot(
    draw: ImageDraw.ImageDraw,
    curve: LoudnessCurve,
    colour: tuple[int, int, int],
    width: int,
    x_of: Callable[[float], int],
    y_of: Callable[[float], int],
) -> None:
    run: list[tuple[int, int]] = []
    for i, value in enumerate(curve.lufs):
        if value is None:
            if len(run) > 1:
                draw.line(run, fill=colour, width=width)
            run = []
            continue
        run.append((x_of((i + 0.5) * curve.step_s), y_of(value)))
    if len(run) > 1:
        draw.line(run, fill=colour, width=width)
    elif len(run) == 1:
        draw.point(run, fill=colour)
