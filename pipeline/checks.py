"""Checks that need the probed media but not the encode, run before any encode starts.

A mistake then fails in about a second on a two-hour recording instead of after the encode:
the media is probed (a video-call recording's audio is accepted), the recording is checked
for length and DC offset (:mod:`media.preflight`), and chapters must start inside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from episodes.errors import FieldInvalid
from episodes.model import Chapter, Show
from media.captions import Captions
from media.preflight import inspect_audio
from media.probe import MediaInfo, describe_source, probe, require_audio_input
from media.speech import speech_settings

log = logging.getLogger(__name__)

# A cue may run a little past the audio (rounding, a closing caption held on screen).
CUE_SLACK_S = 2.0
_CUE_END = re.compile(r"-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")


def last_cue_end_s(text: str) -> float | None:
    """Return where the latest cue of a WebVTT or SubRip text ends, in seconds."""
    ends = [
        int(h or 0) * 3600 + int(m) * 60 + int(sec) + int(frac.ljust(3, "0")) / 1000
        for h, m, sec, frac in _CUE_END.findall(text)
    ]
    return max(ends, default=None)


def removes_dc(show: Show) -> bool:
    """Whether the show's speech chain has a high-pass (which removes DC offset)."""
    try:
        return speech_settings(show.speech_preset, show.speech).highpass_hz > 0
    except Exception:  # a bad preset is reported where the chain is built
        return False


def check_recording(
    media: Path,
    show: Show,
    *,
    chapters: tuple[Chapter, ...] = (),
    chapters_file: Path | None = None,
    transcripts: Sequence[tuple[Path, Captions]] = (),
    jingles_s: float = 0.0,
) -> tuple[MediaInfo, tuple[str, ...]]:
    """Probe ``media`` and run every check that does not need the encode.

    Args:
        media: The producer's recording (audio, or a video recording whose audio is used).
        show: The show (its speech chain decides whether DC offset is removed).
        chapters: Chapters to check against the recording's length.
        chapters_file: Named in the error message.
        transcripts: Transcript files (and their read captions) whose last cue must end
            within the episode.
        jingles_s: Intro and outro length added to the episode around the recording.

    Returns:
        The probe and the lines worth telling the producer (which stream, DC offset).

    Raises:
        MediaError: unreadable, unsupported, too short, or a DC offset beyond repair.
        FieldInvalid: a chapter starts, or a transcript's last cue ends, after the episode
            would end.
    """
    info = probe(media)
    require_audio_input(info, allow_video=True)
    notes = [n for n in (describe_source(info),) if n]
    notes += inspect_audio(info, removes_dc=removes_dc(show)).notes
    end_s = info.duration_s + jingles_s
    if chapters and chapters[-1].start_s >= end_s:
        raise FieldInvalid(
            f"--chapters {chapters_file}" if chapters_file else "--chapters",
            f"a chapter starts at {chapters[-1].start_s:.0f} s, after the episode ends "
            f"({end_s:.0f} s)",
        )
    for path, captions in transcripts:
        last = last_cue_end_s(captions.text)
        if last is not None and last > end_s + CUE_SLACK_S:
            raise FieldInvalid(
                f"--transcript {path}",
                f"its last cue ends at {last:.0f} s, after the episode ends ({end_s:.0f} s): "
                "is it the transcript of another recording?",
            )
    for note in notes:
        log.warning("%s", note)
    return info, tuple(notes)
