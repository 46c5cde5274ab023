"""A multitrack episode's speaker timeline becomes WebVTT voice tags (``<v Name>``).

``add --track host --track guest --person A --person B`` learns who spoke when
(pipeline/sound.py); ``kotocast transcribe`` puts each cue in its speaker's voice, as Apple
Podcasts shows speaker names only from a publisher's WebVTT.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.media import speechgen
from tests.mediagen import make_cover

from .test_pipeline import _cli

pytestmark = pytest.mark.slow


def test_multitrack_turns_become_voice_tags(
    tmp_path: Path, base_model_dir: Path, monkeypatch: Any
) -> None:
    (tmp_path / "tracks").mkdir()
    tracks = speechgen.make_tracks(tmp_path / "tracks", n_turns=4)
    ws = tmp_path / "show"
    code = _cli(
        "init", ws, "--title", "Kaksi", "--author", "Hanke", "--email", "p@example.org",
        "--language", "fi", "--image", make_cover(tmp_path / "c.jpg", 1400),
    )  # fmt: skip
    assert code == 0
    config = ws / "kotocast.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[transcribe]\nmodel = "{base_model_dir}"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(ws)
    code = _cli(
        "add", "--track", tracks.host, "--track", tracks.guest, "--person", "Aino:host",
        "--person", "Bashir:guest", "--title", "Kaksi mikrofonia", "--slug", "kaksi",
        "--transcribe",
    )  # fmt: skip
    assert code == 0
    (vtt,) = ws.glob("*/kaksi-*.vtt")
    text = vtt.read_text(encoding="utf-8")
    voices = re.findall(r"<v ([^>]+)>", text)
    assert set(voices) == {"Aino", "Bashir"}, text
    # In the order they spoke: Aino's turn first, then they alternate.
    assert voices[0] == "Aino"
    changes = [v for i, v in enumerate(voices) if i == 0 or voices[i - 1] != v]
    assert changes[:4] == ["Aino", "Bashir", "Aino", "Bashir"]
