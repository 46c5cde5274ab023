"""Importing a video feed: a one-language video show whose items publish with their guids.

A feed whose enclosures are all ``video/mp4`` becomes a video show (``podcast:medium video``);
``--keep-media`` keeps every MP4 byte for byte. A feed from which nothing can be imported
leaves no workspace behind.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest

from tests import mediagen
from tests.importer.podserver import FeedItem, PodServer, render_feed
from tests.importer.test_import_flow import NOW, kotocast

pytestmark = pytest.mark.slow


def _host_videos(server: PodServer, tmp_path: Path, missing: bool = False) -> list[FeedItem]:
    items = []
    for n in (1, 2):
        body = mediagen.make_video(tmp_path / f"v{n}.mp4", 1.5 + n * 0.5).read_bytes()
        path = f"/video/{n}.mp4"
        if not missing:
            server.files[path] = (body, "video/mp4")
        items.append(
            FeedItem(
                guid=f"https://old.example/videos/{n}",
                title=f"Video {n}",
                published=datetime(2025, 5, n, 9, 0, tzinfo=UTC),
                media_path=path,
                length=len(body),
                mime="video/mp4",
            )
        )
    server.files["/cover.jpg"] = (
        mediagen.make_cover(tmp_path / "c.jpg", 1400).read_bytes(),
        "image/jpeg",
    )
    server.files["/feed.rss"] = (render_feed(server, items), "application/rss+xml")
    return items


def test_video_feed_imports_as_a_video_show_and_publishes_its_guids(
    server: PodServer, tmp_path: Path
) -> None:
    items = _host_videos(server, tmp_path)
    ws = tmp_path / "videos"
    run = kotocast(
        "import", server.url("/feed.rss"), str(ws), "--keep-media",
        "--base-url", "https://kotona.example/", "--now", NOW, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "imported 2 episodes" in run.stdout and "skipped 0" in run.stdout
    assert run.stderr.count("skipped") == 0
    config = tomllib.loads((ws / "kotocast.toml").read_text())
    assert config["show"]["medium"] == "video"

    run = kotocast("publish", "--now", NOW, cwd=ws)
    assert run.returncode == 0, run.stderr
    xml = (ws / "public" / "feed.xml").read_bytes()
    assert b"<podcast:medium>video</podcast:medium>" in xml
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    want = {i.guid: i for i in items}
    assert {e.id for e in parsed.entries} == set(want)
    gpodder = podcastparser.parse("https://kotona.example/feed.xml", io.BytesIO(xml))
    for ep in gpodder["episodes"]:
        (enclosure,) = ep["enclosures"]
        assert enclosure["mime_type"] == "video/mp4"
        key = enclosure["url"].removeprefix("https://kotona.example/")
        published = (ws / "public" / key).read_bytes()
        original = server.files[want[ep["guid"]].media_path][0]
        # --keep-media: the very bytes the old host served.
        assert hashlib.sha256(published).digest() == hashlib.sha256(original).digest()


def test_feed_with_nothing_importable_leaves_no_workspace(
    server: PodServer, tmp_path: Path
) -> None:
    _host_videos(server, tmp_path, missing=True)  # every enclosure 404s
    ws = tmp_path / "never"
    run = kotocast("import", server.url("/feed.rss"), str(ws), "--now", NOW, cwd=tmp_path)
    assert run.returncode == 1
    assert "nothing imported" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not ws.exists()
