"""Workspaces written by kotocast 0.1 publish byte-identically with the current code.

The fixtures (``podcast/``, ``video/``) were made by ``build_fixtures.py`` with kotocast 0.1:
each holds the workspace after its first publish and everything that publish wrote. Publishing
the same workspace now must write the same feeds, pages, ``index.json``, OPML and object keys
(same bytes, same sizes, same hashes), and must not change any ``podcast:guid``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from pipeline.publish import publish
from pipeline.status import show_status

from .build_fixtures import NOW

HERE = Path(__file__).resolve().parent


def _copy(kind: str, tmp_path: Path) -> Path:
    ws = tmp_path / kind
    shutil.copytree(HERE / kind / "workspace", ws)
    return ws


def _listing(public: Path) -> list[str]:
    lines = []
    for f in sorted(p for p in public.rglob("*") if p.is_file()):
        data = f.read_bytes()
        lines.append(
            f"{f.relative_to(public).as_posix()} {len(data)} {hashlib.sha256(data).hexdigest()}"
        )
    return lines


@pytest.mark.parametrize("kind", ["podcast", "video"])
def test_old_workspace_publishes_byte_identically(kind: str, tmp_path: Path) -> None:
    from datetime import datetime

    ws = _copy(kind, tmp_path)
    result = publish(ws, now=datetime.fromisoformat(NOW))
    assert result.changed
    expected_dir = HERE / kind / "published"
    expected = (expected_dir / "keys.txt").read_text().splitlines()
    got = _listing(ws / "public")
    # The manifest records upload times; every other object must match byte for byte.
    strip = [line for line in expected if not line.startswith("_kotocast/")]
    assert [line for line in got if not line.startswith("_kotocast/")] == strip
    for doc in expected_dir.rglob("*"):
        if doc.is_file() and doc.name != "keys.txt":
            key = doc.relative_to(expected_dir).as_posix()
            assert (ws / "public" / key).read_bytes() == doc.read_bytes(), key


def test_old_series_keeps_its_language_feeds_guids(tmp_path: Path) -> None:
    """0.1 derived language feeds' podcast:guid from the show guid; they keep it, recorded."""
    from datetime import datetime

    from episodes.show import load_show

    ws = _copy("video", tmp_path)
    before = {
        lang: (HERE / "video" / "published" / "feeds" / f"{lang}.xml").read_text()
        for lang in ("fi", "en", "ar")
    }
    publish(ws, now=datetime.fromisoformat(NOW))
    show = load_show(ws)
    assert set(show.feed_guids) == {"fi", "en", "ar"}
    for lang, xml in before.items():
        assert f"<podcast:guid>{show.feed_guids[lang]}</podcast:guid>" in xml
    notes = show_status(ws, now=datetime.fromisoformat(NOW)).notes
    assert any("feeds/fi.xml" in n and "kotocast 0.1" in n for n in notes)


@pytest.mark.parametrize("publish_drafts", [True, False])
def test_machine_drafts_stay_out_of_the_feed_when_asked(
    tmp_path: Path, publish_drafts: bool
) -> None:
    """``[transcribe] publish_drafts = false``: a machine transcript waits for its review."""
    from datetime import datetime

    ws = _copy("podcast", tmp_path)
    episode = ws / "episodes" / "tervetuloa.toml"
    text = episode.read_text(encoding="utf-8")
    episode.write_text(
        text.replace('rel = "captions"', 'rel = "captions"\norigin = "machine"', 1),
        encoding="utf-8",
    )
    with (ws / "kotocast.toml").open("a", encoding="utf-8") as config:
        config.write(f"\n[transcribe]\npublish_drafts = {str(publish_drafts).lower()}\n")
    publish(ws, now=datetime.fromisoformat(NOW))
    feed = (ws / "public" / "feed.xml").read_text(encoding="utf-8")
    assert ("<podcast:transcript" in feed) is publish_drafts
