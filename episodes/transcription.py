"""A show's ``[transcribe]`` settings from ``kotocast.toml``, and transcript review states.

The keys are declared in :data:`episodes.config_schema.CONFIG_SCHEMA` (unknown keys are refused
there); this module checks their values::

    [transcribe]
    auto = false            # transcribe every episode as part of 'kotocast add'
    model = "base"          # a faster-whisper size (downloaded on first use, needs internet)
                            # or a local model directory (relative to the workspace)
    device = "auto"         # auto (a CUDA GPU when there is one) | cpu | cuda
    publish_drafts = true   # publish machine transcripts before a person has reviewed them

Review states of one variant's transcript (``kotocast status``): ``none``, ``machine``
(a speech recogniser's draft), ``reviewed`` (a draft a person checked and imported back) and
``supplied`` (the producer's own file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigInvalid
from .model import TranscribeSettings, Transcript

DEVICES = ("auto", "cpu", "cuda")
REVIEW_STATES = ("none", "machine", "reviewed", "supplied")


def read_transcribe_settings(data: Mapping[str, Any], path: Path) -> TranscribeSettings:
    """Check the ``[transcribe]`` table of parsed ``kotocast.toml`` data.

    Raises:
        ConfigInvalid: a value of the wrong type or out of range, as ``file: transcribe.key``.
    """
    table = data.get("transcribe", {})
    if not isinstance(table, Mapping):
        raise ConfigInvalid(f"{path}: transcribe: must be a table")
    defaults = TranscribeSettings()

    def get(key: str, kind: type, want: str) -> Any:
        value = table.get(key, getattr(defaults, key))
        if not isinstance(value, kind):
            raise ConfigInvalid(f"{path}: transcribe.{key}: must be {want}, not {value!r}")
        return value

    model = get("model", str, "a model size or a model directory").strip()
    if not model:
        raise ConfigInvalid(f"{path}: transcribe.model: must not be empty")
    device = get("device", str, "text")
    if device not in DEVICES:
        raise ConfigInvalid(
            f"{path}: transcribe.device: must be one of {', '.join(DEVICES)}, not {device!r}"
        )
    return TranscribeSettings(
        auto=get("auto", bool, "true or false"),
        model=model,
        device=device,
        publish_drafts=get("publish_drafts", bool, "true or false"),
    )


def review_state(transcripts: Sequence[Transcript], language: str) -> str:
    """Return the review state of the transcripts in ``language`` (best one wins)."""
    origins = {t.origin for t in transcripts if t.language == language}
    for state in ("reviewed", "supplied", "machine"):
        if state in origins:
            return state
    return "none"


def publishable(transcripts: Sequence[Transcript], publish_drafts: bool) -> tuple[Transcript, ...]:
    """Return the transcripts to publish: machine drafts only when ``publish_drafts``."""
    return tuple(t for t in transcripts if publish_drafts or t.origin != "machine")
