"""A video series variant gets captions from its own audio, in its own language, on its page.

The English variant of a Finnish-first series is a real H.264 video whose soundtrack is
espeak-ng English speech; ``[transcribe] auto`` makes its WebVTT captions in ``add``, which
the published page offers as a ``<track>`` and the English feed as ``podcast:transcript
rel="captions"``.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from tests.mediagen import make_cover
from tests.pipeline.conftest import Run
from tests.video.conftest import make_speech_video, new_series

from .conftest import ENGLISH, make_sentences, word_error_rate

pytestmark = pytest.mark.slow


def test_video_variant_gets_captions_from_its_own_audio(
    tmp_path: Path, run: Run, base_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    speech = make_sentences(tmp_path / "en.wav", ENGLISH, "en")
    video = make_speech_video(
        tmp_path / "en.mp4", speech.path, seconds=round(speech.duration_s + 0.5, 1)
    )
    ws = new_series(tmp_path / "series", make_cover(tmp_path / "cover.png"), "fi,en")
    with (ws / "kotocast.toml").open("a", encoding="utf-8") as fh:
        # auto: every add transcribes (the podcast tests use add --transcribe instead).
        fh.write(f'\n[transcribe]\nauto = true\nmodel = "{base_model_dir}"\n')
    monkeypatch.chdir(ws)
    added = run(
        "add", video, "--language", "en", "--slug", "housing", "--title", "Housing",
        "--publish-at", "2026-11-01T07:00:00Z", "--now", "2026-11-02T00:00:00Z",
    )  # fmt: skip
    assert added.code == 0, added.err
    vtt = next((ws / "captions").glob("housing-en-*.vtt"))
    text = vtt.read_text(encoding="utf-8")
    assert word_error_rate(speech.text, re.sub(r"^\d.*$|^\d+$|WEBVTT", "", text, flags=re.M)) < 0.2

    published = run("publish", "--now", "2026-11-02T00:00:00Z")
    assert published.code == 0, published.err
    page = lxml.html.parse(str(ws / "public" / "en" / "index.html")).getroot()
    tracks = list(page.iter("track"))
    assert [(t.get("kind"), t.get("srclang")) for t in tracks] == [("captions", "en")]
    assert (ws / "public" / "en" / tracks[0].get("src")).resolve() == (
        ws / "public" / vtt.relative_to(ws)
    ).resolve()
    feed = (ws / "public" / "feeds" / "en.xml").read_text(encoding="utf-8")
    assert re.search(r'<podcast:transcript url="[^"]+\.vtt" type="text/vtt" language="en" '
                     r'rel="captions"/>', feed)  # fmt: skip
