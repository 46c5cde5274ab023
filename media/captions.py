"""Caption and transcript files: recognise WebVTT and SubRip, convert SubRip to WebVTT.

Podcast apps take both (``text/vtt``, ``application/x-subrip``); browsers' ``<track>`` takes
only WebVTT, so files for the web are converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import MediaError

MAX_CAPTIONS_BYTES = 10_000_000

_SRT_TIME = r"\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}"
_SRT_CUE_RE = re.compile(rf"^({_SRT_TIME})\s*-->\s*({_SRT_TIME})", re.MULTILINE)
_VTT_TIME = r"(?:\d{1,2}:)?\d{2}:\d{2}\.\d{3}"
_VTT_CUE_RE = re.compile(rf"^{_VTT_TIME}\s+-->\s+{_VTT_TIME}", re.MULTILINE)


class CaptionsInvalid(MediaError):
    """A captions/transcript file that is neither WebVTT nor SubRip."""


@dataclass(frozen=True, slots=True)
class Captions:
    """A checked captions file: its format, MIME type and text (UTF-8, BOM removed)."""

    format: str  # "vtt" | "srt"
    mime_type: str
    text: str
    cue_count: int


def read_captions(path: Path) -> Captions:
    """Read and recognise a WebVTT or SubRip file by its content, not its name.

    Raises:
        CaptionsInvalid: unreadable, too large, not UTF-8, or no cues in either format.
    """
    try:
        if path.stat().st_size > MAX_CAPTIONS_BYTES:
            raise CaptionsInvalid(f"{path}: captions: larger than 10 MB")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaptionsInvalid(f"{path}: captions: not UTF-8 text") from None
    except OSError as exc:
        raise CaptionsInvalid(f"{path}: captions: cannot read: {exc.strerror}") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("WEBVTT"):
        cues = len(_VTT_CUE_RE.findall(text))
        if cues:
            return Captions("vtt", "text/vtt", text, cues)
        raise CaptionsInvalid(f"{path}: captions: WebVTT header but no cues")
    cues = len(_SRT_CUE_RE.findall(text))
    if cues:
        return Captions("srt", "application/x-subrip", text, cues)
    raise CaptionsInvalid(f"{path}: captions: neither WebVTT nor SubRip (no timed cues found)")


def to_webvtt(captions: Captions) -> str:
    """Return the captions as WebVTT text (SubRip ``00:00:01,000`` becomes ``00:00:01.000``)."""
    if captions.format == "vtt":
        return captions.text

    def fix(match: re.Match[str]) -> str:
        start, end = (t.replace(",", ".") for t in match.groups())
        return f"{_pad(start)} --> {_pad(end)}"

    body = _SRT_CUE_RE.sub(fix, captions.text.strip())
    # SubRip cue numbers are valid WebVTT cue identifiers, so they can stay.
    return "WEBVTT\n\n" + body + "\n"


def _pad(time: str) -> str:
    clock, _, millis = time.partition(".")
    hours, minutes, seconds = clock.split(":")
    return f"{int(hours):02d}:{minutes}:{seconds}.{millis.ljust(3, '0')}"
