"""Caption cues from timed words, and the transcript formats podcast apps read.

:func:`make_cues` turns recognised words (or segments without word times) into caption cues
that follow the usual caption conventions: at most 2 lines of about 42 characters, 1-7 s per
cue, cues never overlap, a new cue at a change of speaker and after a long pause, and sentence
ends preferred as cue ends. Writers produce WebVTT (voice spans ``<v Name>`` when the speaker
is known: Apple Podcasts shows speaker names only from a publisher's WebVTT), SubRip, and the
Podcast Index JSON transcript (``{"version": "1.0.0", "segments": [...]}``).
:func:`read_webvtt` reads a WebVTT file back (a reviewed transcript edited in any subtitle
editor) and checks it: header, cue timings, cues in order, last cue within the media.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .errors import MediaError


class CuesInvalid(MediaError):
    """A captions file that cannot be read as checked WebVTT."""


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its time in the media (seconds)."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Segment:
    """A recognised stretch of speech; ``words`` is empty when word times are unknown."""

    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """Who speaks from ``start_s`` to ``end_s`` (from a speaker timeline or a review)."""

    start_s: float
    end_s: float
    name: str


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: its time span, its lines as shown, and the speaker if known."""

    start_s: float
    end_s: float
    lines: tuple[str, ...]
    speaker: str | None = None

    @property
    def text(self) -> str:
        """The cue's text on one line."""
        return " ".join(self.lines)


@dataclass(frozen=True, slots=True)
class CueRules:
    """Caption layout limits (BBC/Netflix-style subtitle guidelines, WCAG captions)."""

    max_line_chars: int = 42
    max_lines: int = 2
    max_duration_s: float = 7.0
    min_duration_s: float = 1.0
    # A silence this long between words starts a new cue.
    pause_split_s: float = 1.0
    # After a sentence end, start a new cue once the current one holds this much text.
    sentence_split_chars: int = 20


_SENTENCE_END = re.compile(r"[.!?…。？！؟]['\")\]]*$")


def make_cues(
    segments: Sequence[Segment],
    speakers: Sequence[SpeakerTurn] = (),
    rules: CueRules = CueRules(),
    duration_s: float | None = None,
) -> tuple[Cue, ...]:
    """Lay recognised speech out as caption cues.

    Args:
        segments: Recognised segments in time order; their words are used when present,
            otherwise the segment's text is spread over its span by character count.
        speakers: Speaker turns; a word belongs to the turn that overlaps it most.
        rules: Layout limits.
        duration_s: Length of the media; no cue is stretched past it.

    Returns:
        Cues in time order, none overlapping, each at most ``rules.max_lines`` lines.
    """
    words = [w for w in _words(segments) if w.text]
    groups: list[list[tuple[Word, str | None]]] = []
    current: list[tuple[Word, str | None]] = []
    for word in words:
        speaker = _speaker_at(word, speakers)
        if current and _breaks_before(current, word, speaker, rules):
            groups.append(current)
            current = []
        current.append((word, speaker))
    if current:
        groups.append(current)

    cues = [
        Cue(
            start_s=group[0][0].start_s,
            end_s=max(w.end_s for w, _ in group),
            lines=_wrap([w.text for w, _ in group], rules),
            speaker=group[0][1],
        )
        for group in groups
    ]
    return tuple(_fix_timing(cues, rules, duration_s))


def _words(segments: Sequence[Segment]) -> Iterable[Word]:
    for seg in segments:
        if seg.words:
            for w in seg.words:
                yield Word(w.start_s, max(w.end_s, w.start_s), w.text.strip())
            continue
        tokens = seg.text.split()
        total = sum(len(t) + 1 for t in tokens) or 1
        span = max(seg.end_s - seg.start_s, 0.0)
        at = seg.start_s
        for token in tokens:
            length = span * (len(token) + 1) / total
            yield Word(at, at + length, token)
            at += length


def _speaker_at(word: Word, speakers: Sequence[SpeakerTurn]) -> str | None:
    best, best_overlap = None, 0.0
    for turn in speakers:
        overlap = min(word.end_s, turn.end_s) - max(word.start_s, turn.start_s)
        if overlap > best_overlap or (best is None and turn.start_s <= word.start_s < turn.end_s):
            best, best_overlap = turn.name, max(overlap, 0.0)
    return best


def _breaks_before(
    current: list[tuple[Word, str | None]], word: Word, speaker: str | None, rules: CueRules
) -> bool:
    last_word, last_speaker = current[-1]
    if speaker != last_speaker:
        return True
    if word.start_s - last_word.end_s >= rules.pause_split_s:
        return True
    if word.end_s - current[0][0].start_s > rules.max_duration_s:
        return True
    texts = [w.text for w, _ in current]
    if _SENTENCE_END.search(last_word.text) and len(" ".join(texts)) >= rules.sentence_split_chars:
        return True
    return not _fits([*texts, word.text], rules)


def _fits(texts: list[str], rules: CueRules) -> bool:
    if len(texts) == 1:
        return True  # one over-long word still has to go somewhere
    return _wrap(texts, rules, strict=True) != ()


def _wrap(texts: list[str], rules: CueRules, strict: bool = False) -> tuple[str, ...]:
    """Split words into at most ``max_lines`` lines, balanced, preferring punctuation breaks.

    With ``strict``, return ``()`` when the words do not fit the limits.
    """
    joined = " ".join(texts)
    if len(joined) <= rules.max_line_chars:
        return (joined,)
    if rules.max_lines >= 2:
        best: tuple[float, tuple[str, ...]] | None = None
        for i in range(1, len(texts)):
            first, second = " ".join(texts[:i]), " ".join(texts[i:])
            if len(first) > rules.max_line_chars or len(second) > rules.max_line_chars:
                continue
            score = abs(len(first) - len(second)) - (8 if texts[i - 1][-1] in ",.;:!?" else 0)
            if best is None or score < best[0]:
                best = (score, (first, second))
        if best is not None:
            return best[1]
    if strict:
        return ()
    # Not reachable through make_cues except for a single over-long word.
    return (joined,)


def _fix_timing(cues: list[Cue], rules: CueRules, duration_s: float | None) -> list[Cue]:
    fixed: list[Cue] = []
    for i, cue in enumerate(cues):
        # Compared as written (milliseconds): a cue that ends 0.4 ms after it starts would
        # be written as lasting nothing.
        start = round(max(cue.start_s, fixed[-1].end_s if fixed else 0.0), 3)
        limit = cues[i + 1].start_s if i + 1 < len(cues) else float("inf")
        if duration_s is not None:
            limit = min(limit, duration_s)
        end = round(min(max(cue.end_s, start + rules.min_duration_s), limit), 3)
        if end <= start:
            end = round(start + 0.001, 3)
        fixed.append(replace(cue, start_s=start, end_s=end))
    return fixed


# ---------------------------------------------------------------------------------------------
# Writers


def _clock(seconds: float, separator: str) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_webvtt(cues: Sequence[Cue]) -> str:
    """Return the cues as WebVTT text (W3C WebVTT; voice spans ``<v Name>`` for speakers)."""
    out = ["WEBVTT", ""]
    for n, cue in enumerate(cues, 1):
        out.append(str(n))
        out.append(f"{_clock(cue.start_s, '.')} --> {_clock(cue.end_s, '.')}")
        lines = [_vtt_escape(line) for line in cue.lines]
        if cue.speaker:
            # The voice span runs to the end of the cue text, across the line break.
            lines[0] = f"<v {_vtt_escape(cue.speaker)}>{lines[0]}"
        out.extend(lines)
        out.append("")
    return "\n".join(out)


def write_srt(cues: Sequence[Cue]) -> str:
    """Return the cues as SubRip text; a speaker is named at the start of each turn."""
    out: list[str] = []
    previous: str | None = None
    for n, cue in enumerate(cues, 1):
        out.append(str(n))
        out.append(f"{_clock(cue.start_s, ',')} --> {_clock(cue.end_s, ',')}")
        lines = list(cue.lines)
        if cue.speaker and cue.speaker != previous:
            lines[0] = f"{cue.speaker}: {lines[0]}"
        previous = cue.speaker
        out.extend(lines)
        out.append("")
    return "\n".join(out)


def write_transcript_json(cues: Sequence[Cue]) -> str:
    """Return the Podcast Index JSON transcript (``version`` 1.0.0, one segment per cue)."""
    segments = []
    for cue in cues:
        segment: dict[str, object] = {}
        if cue.speaker:
            segment["speaker"] = cue.speaker
        segment["startTime"] = round(cue.start_s, 3)
        segment["endTime"] = round(cue.end_s, 3)
        segment["body"] = cue.text
        segments.append(segment)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# Reading WebVTT back

_TIMING = re.compile(
    r"^((?:\d+:)?\d{2}:\d{2}\.\d{3})[ \t]+-->[ \t]+((?:\d+:)?\d{2}:\d{2}\.\d{3})(?:[ \t].*)?$"
)
_VOICE = re.compile(r"<v(?:\.[^ \t>]+)*[ \t]+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")
# Seconds a reviewed file's last cue may run past the media (encoder padding, rounding).
_DURATION_TOLERANCE_S = 0.5


def _seconds(clock: str) -> float:
    parts = clock.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[0]) if len(parts) == 3 else 0
    if minutes > 59 or seconds >= 60:
        raise ValueError(clock)
    return hours * 3600 + minutes * 60 + seconds


def read_webvtt(text: str, source: str, duration_s: float | None = None) -> tuple[Cue, ...]:
    """Read and check WebVTT text.

    Args:
        text: The file's text (a UTF-8 BOM is allowed).
        source: What to name in error messages (usually the file's path).
        duration_s: The media's length; the last cue must end within it.

    Returns:
        The cues, with voice spans as ``speaker`` and other markup removed from the text.

    Raises:
        CuesInvalid: as ``"<source>: line N: <what is wrong>"``.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise CuesInvalid(f"{source}: line 1: not WebVTT (the first line must be 'WEBVTT')")
    cues: list[Cue] = []
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if block[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in block[0]:
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise CuesInvalid(f"{source}: line {block_start + 1}: a cue without a timing line")
        line_no = block_start + timing_at + 1
        match = _TIMING.match(block[timing_at].strip())
        if not match:
            raise CuesInvalid(
                f"{source}: line {line_no}: bad cue timing {block[timing_at].strip()!r} "
                "(want HH:MM:SS.mmm --> HH:MM:SS.mmm)"
            )
        try:
            start, end = _seconds(match.group(1)), _seconds(match.group(2))
        except ValueError:
            raise CuesInvalid(f"{source}: line {line_no}: a time out of range") from None
        if end <= start:
            raise CuesInvalid(f"{source}: line {line_no}: cue ends before it starts")
        if cues and start < cues[-1].start_s:
            raise CuesInvalid(
                f"{source}: line {line_no}: cue starts before the previous one (out of order)"
            )
        speaker, body = _cue_text(block[timing_at + 1 :])
        cues.append(Cue(start, end, body, speaker))
    if not cues:
        raise CuesInvalid(f"{source}: no cues")
    if duration_s is not None and cues[-1].end_s > duration_s + _DURATION_TOLERANCE_S:
        raise CuesInvalid(
            f"{source}: last cue ends at {cues[-1].end_s:.3f} s, after the end of the media "
            f"({duration_s:.3f} s)"
        )
    return tuple(cues)


def _cue_text(raw: list[str]) -> tuple[str | None, tuple[str, ...]]:
    speaker = None
    out = []
    for line in raw:
        voice = _VOICE.search(line)
        if voice and speaker is None:
            speaker = html.unescape(voice.group(1).strip())
        clean = html.unescape(_TAG.sub("", line)).strip()
        if clean:
            out.append(clean)
    return speaker, tuple(out)
