"""Mix separate speaker tracks: level each alone, duck and gate the bleed, align, mix.

Each person on their own microphone (or their own end of a video call) gives one track, and
each track also hears the others a little (bleed). :func:`mix_tracks` runs one streamed ffmpeg
pass over all tracks:

1. every track is brought to the same speech level (a static gain from its own probe), then
   high-passed, de-hummed and denoised as the preset says (:mod:`media.speech`);
2. a track is ducked while another track is loud (``sidechaincompress`` keyed by the others),
   then its own expander closes in its pauses, so the other speakers' bleed disappears;
3. the leveler evens out each speaker within their track;
4. tracks are padded to the longest and mixed.

The mix goes to a lossless file that :func:`media.encode.normalize_audio` then normalises
(without a pre-filter: the chain already ran). Along the way each track's level every 100 ms
is written to a small text file, from which the speaker timeline (who speaks when) is read,
for the transcripts' voice tags and the report's turns.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from media.errors import EncodeFailed, NoAudioStream
from media.ffmpeg import run_ffmpeg
from media.filtergraph import input_url
from media.probe import probe
from media.report import Turn
from media.speech import SpeechProbe, SpeechSettings, build_chain, probe_speech

log = logging.getLogger(__name__)

MIX_RATE = 48000
# Every track's loud speech is brought to this level (RMS of loud 400 ms blocks, dBFS).
REFERENCE_DBFS = -24.0
# A track is ducked while another track is louder than where this track's own voice reaches
# the others as bleed (measured), plus a margin; the threshold stays at least this far under
# the reference so there is always something to duck.
DUCK_MARGIN_DB = 3.0
MIN_DUCK_BELOW_REFERENCE_DB = 6.0
# Bleed that arrives this late or later (a call's loudspeaker) also keys the ducking late.
MIN_LAG_MS = 20
MAX_LAG_S = 1.0
MIN_LAG_CORRELATION = 0.3
# Bleed ratio assumed when the probes show too few single-speaker blocks to measure it.
DEFAULT_BLEED_DB = -15.0
# The expander after the ducking opens this far under the reference level.
GATE_BELOW_REFERENCE_DB = 18.0
# Timeline: a speaker holds the floor when their track is this much above every other
# track and within SPEECH_RANGE_DB of the reference level.
DOMINANCE_DB = 6.0
SPEECH_RANGE_DB = 24.0
MIN_TURN_S = 0.8
MERGE_GAP_S = 3.0
RUN_GAP_S = 0.3
FRAME_S = 0.1
_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._-]+$")


@dataclass(frozen=True, slots=True)
class MixResult:
    """The mixed file, its length, who speaks when, and each track's static gain."""

    path: Path
    duration_s: float
    turns: tuple[Turn, ...]
    gains_db: tuple[float, ...]
    probes: tuple[SpeechProbe, ...]


def mix_tracks(
    tracks: Sequence[Path],
    dst: Path,
    settings: SpeechSettings,
    *,
    names: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> MixResult:
    """Level, de-bleed, align and mix ``tracks`` into ``dst`` (a FLAC file, written atomically).

    Args:
        tracks: One file per speaker (any audio ffmpeg reads; multichannel is downmixed).
        dst: The mix to write (mono 48 kHz FLAC, 24 bit), to be normalised afterwards.
        settings: The speech preset; its high-pass, hum, denoise, leveler and expander steps
            run on every track. The ducking and the static gains always run.
        names: Speaker names for the timeline (default ``track1``, ``track2``, ...).
        progress: Called with a fraction 0..1.

    Raises:
        ValueError: fewer than two tracks, or names of the wrong length.
        ProbeFailed, NoAudioStream, UnsupportedMedia: a track is not usable audio.
        EncodeFailed: ffmpeg failed or ``dst`` cannot be written.
    """
    tracks = [Path(t) for t in tracks]
    if len(tracks) < 2:
        raise ValueError("mixing needs at least two tracks")
    names = list(names) if names is not None else [f"track{i + 1}" for i in range(len(tracks))]
    if len(names) != len(tracks):
        raise ValueError("one name per track")
    durations = []
    for track in tracks:
        info = probe(track)
        if info.audio is None:
            raise NoAudioStream(f"{track}: no audio stream")
        durations.append(info.duration_s)
    duration_s = max(durations)
    # The same excerpts of every track (placed within the shortest), so blocks line up.
    shortest = min(durations)
    probes = [probe_speech(t, duration_s=shortest, channels=1) for t in tracks]
    gains = [REFERENCE_DBFS - p.speech_dbfs for p in probes]
    lags = [
        [
            0.0 if i == j else bleed_lag_s(probes[j].envelope_dbfs, probes[i].envelope_dbfs)
            for j in range(len(tracks))
        ]
        for i in range(len(tracks))
    ]
    bleeds = [
        max(
            bleed_db(probes[i].block_dbfs, probes[j].block_dbfs) + gains[j] - gains[i]
            for j in range(len(tracks))
            if j != i
        )
        for i in range(len(tracks))
    ]
    with tempfile.TemporaryDirectory(prefix="kotocast-mix-") as tmp:
        levels = [Path(tmp) / f"level{i}.txt" for i in range(len(tracks))]
        if not all(_SAFE_PATH.match(str(p)) for p in levels):
            raise EncodeFailed(f"{tmp}: mixing failed: temp directory name needs escaping")
        graph = _mix_graph(probes, gains, bleeds, lags, settings, levels, duration_s)
        dst = Path(dst)
        out = dst.with_name(f".{dst.stem}.mixing.flac")
        inputs = [arg for t in tracks for arg in ("-i", input_url(t))]
        try:
            run_ffmpeg(
                [
                    *inputs,
                    "-filter_complex",
                    graph,
                    "-map",
                    "[mix]",
                    "-c:a",
                    "flac",
                    "-sample_fmt",
                    "s32",
                    "-compression_level",
                    "0",
                    "-y",
                    str(out),
                ],
                path=tracks[0],
                what="mixing tracks failed",
                error=EncodeFailed,
                duration_s=duration_s,
                progress=progress,
            )
            out.replace(dst)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        turns = speaker_timeline(levels, names)
    log.info("mixed %d tracks into %s: gains %s, %d turns", len(tracks), dst, gains, len(turns))
    return MixResult(dst, duration_s, tuple(turns), tuple(gains), tuple(probes))


def _mix_graph(
    probes: Sequence[SpeechProbe],
    gains: Sequence[float],
    bleeds: Sequence[float],
    lags: Sequence[Sequence[float]],
    settings: SpeechSettings,
    levels: Sequence[Path],
    duration_s: float,
) -> str:
    n = len(probes)
    # Steps before the ducking (cleaning), computed for a track at the reference level.
    clean = replace(settings, leveler=False, gate=False)
    parts: list[str] = []
    for i, (p, gain) in enumerate(zip(probes, gains, strict=True)):
        at_ref = replace(
            p, speech_dbfs=p.speech_dbfs + gain, noise_dbfs=p.noise_dbfs + gain, hum=p.hum
        )
        steps = [f"volume={gain:.2f}dB"]
        cleaning = build_chain(clean, at_ref)
        if cleaning:
            steps.append(cleaning)
        steps.append(f"apad=whole_dur={duration_s:.3f}")
        # One copy to be ducked, one per other track as its key, one for the timeline.
        steps.append(f"asplit={n + 1}")
        outs = f"[sig{i}]" + "".join(f"[key{i}_{j}]" for j in range(n) if j != i) + f"[lvl{i}]"
        parts.append(
            f"[{i}:a:0]aresample={MIX_RATE},aformat=sample_fmts=fltp:channel_layouts=mono,"
            + ",".join(steps)
            + outs
        )
        parts.append(
            f"[lvl{i}]asetnsamples=n={int(MIX_RATE * FRAME_S)}:p=0,"
            "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=RMS_level,"
            f"ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file={levels[i]},"
            "anullsink"
        )
        post = _after_ducking(settings, at_ref)
        # Duck only above where this track's own voice reaches the others as bleed.
        duck_db = min(
            REFERENCE_DBFS - MIN_DUCK_BELOW_REFERENCE_DB,
            REFERENCE_DBFS + bleeds[i] + DUCK_MARGIN_DB,
        )
        threshold = 10 ** (duck_db / 20)
        # The key: every other track, and again as late as its voice reaches this track (a
        # call's loudspeaker heard by this microphone arrives after the other track's own).
        keys = []
        for j in range(n):
            if j == i:
                continue
            lag_ms = round(lags[i][j] * 1000)
            if lag_ms >= MIN_LAG_MS:
                parts.append(
                    f"[key{j}_{i}]asplit=2[kd{j}_{i}][kl{j}_{i}];"
                    f"[kl{j}_{i}]adelay={lag_ms}:all=1[kw{j}_{i}]"
                )
                keys += [f"[kd{j}_{i}]", f"[kw{j}_{i}]"]
            else:
                keys.append(f"[key{j}_{i}]")
        if len(keys) > 1:
            parts.append(
                f"{''.join(keys)}amix=inputs={len(keys)}:normalize=0:duration=first[sc{i}]"
            )
        else:
            parts.append(f"{keys[0]}anull[sc{i}]")
        parts.append(
            f"[sig{i}][sc{i}]sidechaincompress=threshold={threshold:.6f}:ratio=20:attack=5"
            f":release=300:knee=2:detection=rms{',' + post if post else ''}[out{i}]"
        )
    mix_in = "".join(f"[out{i}]" for i in range(n))
    parts.append(f"{mix_in}amix=inputs={n}:normalize=0:duration=longest[mix]")
    return ";".join(parts)


def bleed_db(own: Sequence[float], other: Sequence[float]) -> float:
    """How loud a track's voice is in another track, relative to its own (dB, negative).

    Measured on blocks where ``own`` is loud (its top fifth) and clearly above ``other``:
    there the other microphone hears only this speaker, as bleed.
    """
    n = min(len(own), len(other))
    if n == 0:
        return DEFAULT_BLEED_DB
    loud = sorted(own[:n])[int(0.8 * (n - 1))]
    diffs = sorted(
        other[k] - own[k] for k in range(n) if own[k] >= loud and own[k] - other[k] >= 3.0
    )
    if len(diffs) < 3:
        return DEFAULT_BLEED_DB
    return diffs[len(diffs) // 2]


def bleed_lag_s(source: Sequence[float], heard: Sequence[float]) -> float:
    """How late ``source``'s voice arrives in another track (s), from 10 ms level envelopes.

    The lag (0 to :data:`MAX_LAG_S`) at which the other track's envelope correlates best with
    this one's, over the frames where this one is active (above its median level). Zero when
    nothing correlates clearly.
    """
    n = min(len(source), len(heard))
    max_lag = int(MAX_LAG_S / 0.01)
    if n <= max_lag * 2:
        return 0.0
    median = sorted(source[:n])[n // 2]
    active = [k for k in range(n - max_lag) if source[k] > median]
    if len(active) < 50:
        return 0.0
    xs = [source[k] for k in active]
    mean_x = math.fsum(xs) / len(xs)
    dx = [x - mean_x for x in xs]
    norm_x = math.sqrt(math.fsum(d * d for d in dx))
    best_lag, best = 0, 0.0
    for lag in range(max_lag + 1):
        ys = [heard[k + lag] for k in active]
        mean_y = math.fsum(ys) / len(ys)
        dy = [y - mean_y for y in ys]
        norm = norm_x * math.sqrt(math.fsum(d * d for d in dy))
        r = math.fsum(map(float.__mul__, dx, dy)) / norm if norm else 0.0
        if r > best:
            best_lag, best = lag, r
    return best_lag * 0.01 if best >= MIN_LAG_CORRELATION else 0.0


def _after_ducking(settings: SpeechSettings, at_ref: SpeechProbe) -> str | None:
    """The expander, then the leveler, for a ducked track at the reference level.

    Ducked bleed sits well under the reference, the track's own speech within a few dB of
    it: the expander opens between the two. Expanding first keeps the leveler from lifting
    what is left of the bleed.
    """
    steps = []
    if settings.gate:
        threshold = 10 ** ((REFERENCE_DBFS - GATE_BELOW_REFERENCE_DB) / 20)
        rng = 10 ** (-settings.gate_range_db / 20)
        steps.append(
            f"agate=threshold={threshold:.6f}:range={rng:.5f}:ratio=3:attack=10:release=300"
            ":knee=4:detection=rms"
        )
    if settings.leveler:
        leveler_only = SpeechSettings(leveler=True, leveler_range_db=settings.leveler_range_db)
        # What the expander left under its threshold is floor: nothing there is raised.
        floor = REFERENCE_DBFS - GATE_BELOW_REFERENCE_DB - settings.gate_range_db
        chain = build_chain(leveler_only, replace(at_ref, noise_dbfs=min(at_ref.noise_dbfs, floor)))
        if chain:
            steps.append(chain)
    return ",".join(steps) or None


def _levels(handle: IO[str]) -> Iterator[float]:
    for line in handle:
        if line.startswith("lavfi.astats.Overall.RMS_level="):
            value = line.split("=", 1)[1].strip()
            yield -math.inf if value in ("-inf", "nan") else float(value)


def speaker_timeline(levels: Sequence[Path], names: Sequence[str]) -> list[Turn]:
    """Read per-track levels (one per 100 ms frame) and return who holds the floor when.

    A frame belongs to the track that is :data:`DOMINANCE_DB` above all others and within
    :data:`SPEECH_RANGE_DB` of the reference level. Runs of one track's frames (gaps up to
    :data:`RUN_GAP_S`) that continue the same speaker's turn within :data:`MERGE_GAP_S` join
    it; other runs shorter than :data:`MIN_TURN_S` are dropped (a bleed tail, a cough).
    The files are read in lockstep, line by line.
    """
    turns: list[Turn] = []
    run: list[float | int] | None = None  # [start_s, end_s, track]
    with contextlib.ExitStack() as stack:
        streams = [_levels(stack.enter_context(p.open(encoding="utf-8"))) for p in levels]
        for frame, values in enumerate(zip(*streams, strict=False)):
            t = frame * FRAME_S
            order = sorted(range(len(values)), key=lambda k: values[k], reverse=True)
            top = order[0]
            second = values[order[1]] if len(order) > 1 else -math.inf
            if (
                values[top] < REFERENCE_DBFS - SPEECH_RANGE_DB
                or values[top] - second < DOMINANCE_DB
            ):
                continue
            if run is not None and run[2] == top and t - run[1] <= RUN_GAP_S:
                run[1] = t + FRAME_S
                continue
            if run is not None:
                _close(turns, run, names)
            run = [t, t + FRAME_S, top]
    if run is not None:
        _close(turns, run, names)
    return turns


def _close(turns: list[Turn], run: list[float | int], names: Sequence[str]) -> None:
    start, end, track = run
    speaker = names[int(track)]
    if turns and turns[-1].speaker == speaker and start - turns[-1].end_s <= MERGE_GAP_S:
        turns[-1] = Turn(turns[-1].start_s, round(end, 2), speaker)
    elif end - start >= MIN_TURN_S:
        turns.append(Turn(round(start, 2), round(end, 2), speaker))
