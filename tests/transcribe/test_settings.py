"""``[transcribe]`` in kotocast.toml and the review state of a variant's transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodes.errors import ConfigInvalid
from episodes.model import Asset, Transcript
from episodes.transcription import (
    TranscribeSettings,
    publishable,
    read_transcribe_settings,
    review_state,
)

TOML = Path("kotocast.toml")


def test_defaults_and_values() -> None:
    assert read_transcribe_settings({}, TOML) == TranscribeSettings(False, "base", "auto", True)
    table = {"auto": True, "model": " models/small ", "device": "cpu", "publish_drafts": False}
    assert read_transcribe_settings({"transcribe": table}, TOML) == TranscribeSettings(
        True, "models/small", "cpu", False
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"auto": "yes"}, r"kotocast\.toml: transcribe\.auto: must be true or false, not 'yes'"),
        ({"model": ""}, r"transcribe\.model: must not be empty"),
        ({"model": 3}, r"transcribe\.model: must be a model size or a model directory, not 3"),
        ({"device": "tpu"}, r"transcribe\.device: must be one of auto, cpu, cuda, not 'tpu'"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigInvalid, match=message):
        read_transcribe_settings({"transcribe": table}, TOML)


def _t(language: str, origin: str, mime: str = "text/vtt") -> Transcript:
    asset = Asset(path="x", key="x", size_bytes=1, sha256="0" * 64, mime_type=mime)
    return Transcript(asset=asset, language=language, origin=origin)


def test_review_state_and_drafts() -> None:
    assert review_state((), "fi") == "none"
    assert review_state((_t("sv", "reviewed"),), "fi") == "none"
    assert review_state((_t("fi", "machine"),), "fi") == "machine"
    assert review_state((_t("fi", "machine"), _t("fi", "reviewed")), "fi") == "reviewed"
    assert review_state((_t("fi", "supplied"),), "fi") == "supplied"
    both = (_t("fi", "machine"), _t("fi", "supplied"))
    assert publishable(both, True) == both
    assert publishable(both, False) == (both[1],)
