"""``import --allow-private-network`` and bidi controls in a foreign feed's titles."""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.importer.podserver import ALLOW_PRIVATE_ENV, FeedItem, PodServer, render_feed
from tests.importer.test_import_flow import NOW, kotocast

pytestmark = pytest.mark.slow


def _host(server: PodServer, source_media: dict[str, bytes], title: str) -> str:
    body = source_media["track1.mp3"]
    server.files["/a.mp3"] = (body, "audio/mpeg")
    server.files["/cover.jpg"] = (source_media["cover.jpg"], "image/jpeg")
    item = FeedItem(
        guid="urn:x:1",
        title=title,
        published=datetime(2025, 1, 2, 9, 0, tzinfo=UTC),
        media_path="/a.mp3",
        length=len(body),
    )
    server.files["/feed.rss"] = (render_feed(server, [item]), "application/rss+xml")
    return server.url("/feed.rss")


def test_private_network_needs_the_flag(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    url = _host(server, source_media, "Jakso")
    saved = os.environ.pop(ALLOW_PRIVATE_ENV, None)  # as a producer's machine: no opt-in
    try:
        refused = kotocast("import", url, str(tmp_path / "a"), "--now", NOW, cwd=tmp_path)
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr
        allowed = kotocast(
            "import", url, str(tmp_path / "b"), "--allow-private-network", "--keep-media",
            "--now", NOW, cwd=tmp_path,
        )  # fmt: skip
        assert allowed.returncode == 0, allowed.stderr
        assert "imported 1 episodes" in allowed.stdout
    finally:
        if saved is not None:
            os.environ[ALLOW_PRIVATE_ENV] = saved


def test_bidi_controls_in_a_foreign_title_are_removed_with_a_note(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    url = _host(server, source_media, "Jakso \u202eevil\u202c 1")
    run = kotocast("import", url, str(tmp_path / "s"), "--keep-media", "--now", NOW, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "removed bidi control characters" in run.stderr
    (episode,) = (tmp_path / "s" / "episodes").glob("*.toml")
    assert tomllib.loads(episode.read_text())["title"] == "Jakso evil 1"
