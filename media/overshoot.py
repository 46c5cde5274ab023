"""The encoder's true-peak overshoot: measured on the excerpt, extrapolated to the programme.

Each limited moment overshoots the ceiling by a different, largely chance amount, and true
peak reports the largest over the whole programme, which has about programme/excerpt times
more such moments than the excerpt. So the encoder probe (:func:`encoder_probe`) reads the
decoded excerpt's true peak per short segment, and :func:`programme_overshoot` extrapolates
the programme's largest from the tail of those (the constants below say how).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from media.analysis import EXCERPT_MIN_S, EXCERPT_SHARE, Analysis, meter_filter
from media.codecs import CODECS, AudioEncoding, encoder_args, limiter_filter
from media.errors import EncodeFailed
from media.ffmpeg import run_ffmpeg_pipeline
from media.filtergraph import filter_path
from media.loudness import SILENCE_LUFS, parse_ebur128_summaries, read_integrated

# The encoder's true-peak overshoot on the whole programme. Each limited moment overshoots
# the ceiling by a different, largely chance amount (the same excerpt encoded 7 ms later
# overshot 0.0-0.6 dB on 5.1 film, 0.7-1.8 dB on limited music), and true peak reports the
# largest over the programme, which has about programme/excerpt times more such moments than
# the excerpt: its largest lay 0.3-1.9 dB above the excerpt's on the corpus. So the probe's
# decoded true peak is also read per SEGMENT_S segment, the tail of those overshoots is taken
# as exponential with a scale measured from the TAIL_TOP largest (at least TAIL_MIN_DB), and
# the programme's largest is extrapolated: excerpt's largest + scale * ln(programme/excerpt),
# plus OVERSHOOT_SAFETY_DB (bench/bench_corpus.py: 13 sources, MP3 and AAC).
SEGMENT_S = 0.1
TAIL_TOP = 10
TAIL_MIN_DB = 0.3
OVERSHOOT_SAFETY_DB = 0.4


def programme_share(analysis: Analysis) -> float:
    """How many times longer the programme is than its excerpt.

    Unknown programme length (an :class:`Analysis` built without it): an excerpt of at least
    :data:`EXCERPT_MIN_S` is taken to be the usual share, the most a programme has beyond it.
    """
    if analysis.excerpt_s <= 0:
        return 1.0
    if analysis.programme_s > 0:
        return max(1.0, analysis.programme_s / analysis.excerpt_s)
    return 1.0 / EXCERPT_SHARE if analysis.excerpt_s >= EXCERPT_MIN_S - 0.5 else 1.0


def programme_overshoot(
    excerpt_db: float, segments_db: Sequence[float], ratio: float, *, tail_db: float = TAIL_MIN_DB
) -> float:
    """Extrapolate the largest true-peak overshoot of a programme ``ratio`` times the excerpt.

    ``excerpt_db``: the largest overshoot measured on the encoded excerpt; ``segments_db``:
    each segment's. The largest of n draws from an exponential tail of scale b grows as
    b ln n, so a programme with ``ratio`` times as many limited moments reaches about
    ``excerpt_db + b ln(ratio)``; b is the mean excess of the :data:`TAIL_TOP` largest
    segments over the smallest of them, at least ``tail_db`` (a few segments do not
    show a long tail that the programme may still have: 5.1 film's largest overshoot was
    0.45 dB above its second).
    """
    top = sorted((s for s in segments_db if math.isfinite(s)), reverse=True)[:TAIL_TOP]
    scale = tail_db
    if len(top) >= 3:
        scale = max(scale, sum(top[:-1]) / (len(top) - 1) - top[-1])
    return max(0.0, excerpt_db) + scale * math.log(max(1.0, ratio))


def encoder_probe(
    excerpt: Path,
    gain_db: float,
    limit_dbfs: float,
    encoding: AudioEncoding,
    *,
    path: Path,
    workdir: Path,
) -> tuple[float, float, list[float]]:
    """Limit and encode the excerpt like the real encode; measure what the encoder did.

    Returns:
        The loudness loss (LU), the decoded true peak's overshoot above the limiter's output
        sample peak (dB), and the same overshoot per :data:`SEGMENT_S` segment (decoded peak
        at 4x the rate, ``astats``), for :func:`programme_overshoot`.
    """
    before, after = workdir / "pre-encode.txt", workdir / "encoded.txt"
    segments = workdir / "segments.txt"
    rate = 4 * encoding.sample_rate_hz
    codec = CODECS[encoding.codec]
    producer = [
        "-i",
        str(excerpt),
        "-filter_complex",
        f"[0:a:0]{limiter_filter(gain_db, limit_dbfs)},asplit[e][p];"
        f"[p]{meter_filter(before, true_peak=False)}[m]",
        "-map",
        "[m]",
        "-f",
        "null",
        "-",
        "-map",
        "[e]",
        *encoder_args(encoding),
        "-f",
        codec.pipe_muxer,
        "pipe:1",
    ]
    checker = [
        "-f",
        codec.checker_demuxer,
        "-i",
        "pipe:0",
        "-filter_complex",
        f"[0:a:0]asplit[a][b];[a]{meter_filter(after, true_peak=True)}[m];"
        f"[b]aresample={rate},asetnsamples=n={round(rate * SEGMENT_S)}:p=0,"
        "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level,"
        f"ametadata=mode=print:key=lavfi.astats.Overall.Peak_level:file={filter_path(segments)}"
        "[s]",
        "-map",
        "[m]",
        "-f",
        "null",
        "-",
        "-map",
        "[s]",
        "-f",
        "null",
        "-",
    ]
    prod_log, check_log = run_ffmpeg_pipeline(
        producer, checker, path=path, what="encoder prediction failed"
    )
    pre = parse_ebur128_summaries(prod_log)
    post = parse_ebur128_summaries(check_log)
    if not pre or not post:
        raise EncodeFailed(f"{path}: encoder prediction failed: ebur128 printed no summary")
    pre_s, post_s = next(iter(pre.values())), next(iter(post.values()))
    loss = read_integrated(before, pre_s.integrated_lufs) - read_integrated(
        after, post_s.integrated_lufs
    )
    if not math.isfinite(loss) or pre_s.integrated_lufs <= SILENCE_LUFS + 0.5:
        loss = CODECS[encoding.codec].typical_loss_lu
    overshoot = post_s.true_peak_dbtp - pre_s.true_peak_dbtp
    if not math.isfinite(overshoot):
        overshoot = 0.0
    per_segment = [peak - pre_s.true_peak_dbtp for peak in _read_values(segments)]
    return loss, max(0.0, overshoot), per_segment


def _read_values(meter_file: Path) -> list[float]:
    """Every ``key=value`` number an ``ametadata=mode=print:key=...`` wrote (none if missing)."""
    try:
        text = meter_file.read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    values = []
    for line in text.splitlines():
        if line.startswith("lavfi."):
            try:
                values.append(float(line.partition("=")[2]))
            except ValueError:
                continue
    return values
