"""kotocast import end to end: a feed on 127.0.0.1 -> workspace -> publish -> app parsers.

The old host serves a SoundCloud-shaped feed (``tag:soundcloud,2010:tracks/N`` guids) and
generated MP3s. After import and ``kotocast publish``, feedparser (bozo must be false) and
gPodder's podcastparser read the published feed back: the original guids, pubDates, titles
and podcast:guid, and enclosures whose length is the published file's size.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import podcastparser
import pytest

from feeds.guid import podcast_guid
from tests.importer.podserver import FeedItem, PodServer, render_feed

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-01-10T12:00:00+00:00"
KEPT_GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
CHAPTERS = (
    b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Alku"},'
    b' {"startTime": 1.5, "title": "Loppu"}]}'
)
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHei ja tervetuloa.\n"


def kotocast(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def items(count: int) -> list[FeedItem]:
    zones = [timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)), UTC, UTC]
    titles = ["Työ ja kieli", "Ensimmäinen talvi", "Työ ja kieli", "Привет, Suomi"]
    out = []
    for i in range(count):
        n = i + 1
        out.append(
            FeedItem(
                guid=f"tag:soundcloud,2010:tracks/{100 + n}",
                title=titles[i],
                published=datetime(2025, 3, n, 18, 30, tzinfo=zones[i]),
                media_path=f"/stream/{100 + n}.mp3",
                length=0,
                number=n if n != 2 else None,
                season=1,
                duration=f"00:00:0{2 + n}",
                description=f"<p>Jakso {n}: <a href='https://kotona.example/{n}'>lue lisää</a></p>",
                chapters_path="/chapters/101.json" if n == 1 else None,
                transcript_path="/transcripts/101.vtt" if n == 1 else None,
            )
        )
    return out


def host(
    server: PodServer, media: dict[str, bytes], feed_items: list[FeedItem], **feed_options: object
) -> str:
    server.files["/cover.jpg"] = (media["cover.jpg"], "image/jpeg")
    server.files["/chapters/101.json"] = (CHAPTERS, "application/json+chapters")
    server.files["/transcripts/101.vtt"] = (VTT, "text/vtt")
    sized = []
    for i, item in enumerate(feed_items, start=1):
        body = media[f"track{i}.mp3"]
        if not item.media_path.startswith("/missing"):
            server.files[item.media_path] = (body, "audio/mpeg")
        sized.append(FeedItem(**{**item.__dict__, "length": len(body)}))
    server.files["/feed.rss"] = (
        render_feed(server, sized, **feed_options),  # type: ignore[arg-type]
        "application/rss+xml",
    )
    return server.url("/feed.rss")


def published(workspace: Path) -> tuple[bytes, list[dict], feedparser.FeedParserDict]:
    xml = (workspace / "public" / "feed.xml").read_bytes()
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    gpodder = podcastparser.parse("https://kotona.example/feed.xml", io.BytesIO(xml))
    return xml, gpodder["episodes"], parsed


def test_import_then_publish_keeps_guids_dates_titles_and_identity(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    feed_items = items(3)
    url = host(server, source_media, feed_items, podcast_guid=KEPT_GUID)
    ws = tmp_path / "show"

    run = kotocast(
        "import", url, str(ws), "--base-url", "https://kotona.example/", "--now", NOW, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "imported 3 episodes; 0 already there; skipped 0" in run.stdout
    config = tomllib.loads((ws / "kotocast.toml").read_text())
    assert config["show"]["podcast_guid"] == KEPT_GUID
    assert config["show"]["title"] == "Kotona Suomessa"
    assert config["show"]["category"] == "Society & Culture"
    assert config["show"]["subcategory"] == "Documentary"
    assert config["show"]["email"] == "podcast@kotona.example"
    assert config["show"]["image"] == "cover.jpg"
    # Same title twice: transliterated ASCII slugs, deduplicated, the oldest keeps the plain one.
    assert sorted(p.stem for p in (ws / "episodes").glob("*.toml")) == [
        "ensimmainen-talvi",
        "tyo-ja-kieli",
        "tyo-ja-kieli-2",
    ]
    first = tomllib.loads((ws / "episodes" / "tyo-ja-kieli.toml").read_text())
    assert first["guid"] == "tag:soundcloud,2010:tracks/101"
    assert first["publish_at"] == datetime(2025, 3, 1, 18, 30, tzinfo=timezone(timedelta(hours=2)))
    assert [c["title"] for c in first["chapters"]] == ["Alku", "Loppu"]
    assert first["transcripts"][0]["language"] == "fi"
    assert first["description"] == "Jakso 1: [lue lisää](https://kotona.example/1)"
    assert "number" not in tomllib.loads((ws / "episodes" / "ensimmainen-talvi.toml").read_text())

    run = kotocast("publish", "--now", NOW, cwd=ws)
    assert run.returncode == 0, run.stderr
    xml, episodes, parsed = published(ws)
    assert re.search(rb"<podcast:guid>([^<]+)</podcast:guid>", xml).group(1).decode() == KEPT_GUID
    want = {i.guid: i for i in feed_items}
    assert {e.id for e in parsed.entries} == set(want)
    for entry in parsed.entries:
        assert entry.title == want[entry.id].title
        assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == want[entry.id].published
    assert {e["guid"] for e in episodes} == set(want)
    for ep in episodes:
        original = want[ep["guid"]]
        assert ep["title"] == original.title
        assert ep["published"] == int(original.published.timestamp())
        (enclosure,) = ep["enclosures"]
        key = enclosure["url"].removeprefix("https://kotona.example/")
        assert enclosure["url"] != server.url(original.media_path)  # re-hosted
        assert enclosure["file_size"] == (ws / "public" / key).stat().st_size > 0
        assert enclosure["mime_type"] == "audio/mpeg"

    # The old host publishes one more episode: a second import adds exactly that one.
    before = {p.name: p.read_bytes() for p in (ws / "episodes").glob("*.toml")}
    url = host(server, source_media, items(4), podcast_guid=KEPT_GUID)
    run = kotocast("import", url, str(ws), "--now", NOW, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "imported 1 episodes; 3 already there; skipped 0" in run.stdout
    after = {p.name: p.read_bytes() for p in (ws / "episodes").glob("*.toml")}
    assert {k: after[k] for k in before} == before  # existing episodes untouched
    (new,) = set(after) - set(before)
    assert tomllib.loads(after[new].decode())["guid"] == "tag:soundcloud,2010:tracks/104"
    assert new == "privet-suomi.toml"
    media_gets = [p for m, p, _ in server.requests if m == "GET" and p.startswith("/stream/")]
    assert sorted(media_gets) == [f"/stream/{n}.mp3" for n in (101, 102, 103, 104)]


def test_keep_audio_is_byte_identical_and_404_is_skipped_by_name(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    feed_items = items(3)
    feed_items[1] = FeedItem(**{**feed_items[1].__dict__, "media_path": "/missing/102.mp3"})
    # No podcast:guid in the old feed: derive it from the OLD feed URL (spec), keep it forever.
    url = host(server, source_media, feed_items, podcast_guid=None)
    ws = tmp_path / "show"
    run = kotocast(
        "import",
        url,
        str(ws),
        "--keep-audio",
        "--base-url",
        "https://new-host.example/pod/",
        "--now",
        NOW,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "imported 2 episodes; 0 already there; skipped 1" in run.stdout
    assert re.search(
        r"skipped: episode 'Ensimmäinen talvi' \(tag:soundcloud,2010:tracks/102\): "
        r"http://127\.0\.0\.1:\d+/missing/102\.mp3: download failed: HTTP 404",
        run.stderr,
    ), run.stderr
    derived = podcast_guid(url)
    assert tomllib.loads((ws / "kotocast.toml").read_text())["show"]["podcast_guid"] == derived
    assert derived != podcast_guid("https://new-host.example/pod/feed.xml")

    run = kotocast("publish", "--now", NOW, cwd=ws)
    assert run.returncode == 0, run.stderr
    xml, episodes, _ = published(ws)
    assert f"<podcast:guid>{derived}</podcast:guid>".encode() in xml
    by_guid = {e["guid"]: e for e in episodes}
    assert set(by_guid) == {"tag:soundcloud,2010:tracks/101", "tag:soundcloud,2010:tracks/103"}
    for n, guid in ((1, "tag:soundcloud,2010:tracks/101"), (3, "tag:soundcloud,2010:tracks/103")):
        (enclosure,) = by_guid[guid]["enclosures"]
        key = enclosure["url"].removeprefix("https://new-host.example/pod/")
        body = (ws / "public" / key).read_bytes()
        assert (
            hashlib.sha256(body).digest() == hashlib.sha256(source_media[f"track{n}.mp3"]).digest()
        )
        assert enclosure["file_size"] == len(body)

    # The old host fixes the file: the next run imports it and nothing else.
    server.files["/missing/102.mp3"] = (source_media["track2.mp3"], "audio/mpeg")
    run = kotocast("import", url, str(ws), "--keep-audio", "--now", NOW, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "imported 1 episodes; 2 already there; skipped 0" in run.stdout


def test_hostile_or_wrong_sources_fail_clearly_and_create_nothing(
    server: PodServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("KOTOCAST-SECRET-7f3a9c")
    evil = tmp_path / "evil.rss"
    evil.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    )
    server.files["/blog"] = (b"<html><body>blog</body></html>", "text/html")
    cases = [
        (str(evil), "refused: the XML declares a DTD"),
        (server.url("/blog"), "not a podcast feed"),
        (server.url("/gone.rss"), "HTTP 404"),
        ("http://127.0.0.1:9/feed.rss", "cannot connect"),
    ]
    for source, why in cases:
        ws = tmp_path / "ws"
        run = kotocast("import", source, str(ws), cwd=tmp_path)
        assert run.returncode == 1, (source, run.stderr)
        assert why in run.stderr and "kotocast: error:" in run.stderr
        assert "KOTOCAST-SECRET" not in run.stdout + run.stderr
        assert not (ws / "kotocast.toml").exists()


def test_moving_out_announces_the_new_feed_url(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    url = host(server, source_media, items(1), podcast_guid=KEPT_GUID)
    ws = tmp_path / "show"
    assert (
        kotocast("import", url, str(ws), "--keep-audio", "--now", NOW, cwd=tmp_path).returncode == 0
    )
    import tomlkit

    config = ws / "kotocast.toml"
    doc = tomlkit.parse(config.read_text(encoding="utf-8"))  # as a producer edits [feed]
    doc.setdefault("feed", tomlkit.table())["new_feed_url"] = "https://elsewhere.example/feed.xml"
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    run = kotocast("publish", "--now", NOW, cwd=ws)
    assert run.returncode == 0, run.stderr
    xml, episodes, _ = published(ws)
    assert b"<itunes:new-feed-url>https://elsewhere.example/feed.xml</itunes:new-feed-url>" in xml
    # Moving on keeps the identity and every guid: apps follow the new URL without duplicates.
    assert f"<podcast:guid>{KEPT_GUID}</podcast:guid>".encode() in xml
    assert [e["guid"] for e in episodes] == ["tag:soundcloud,2010:tracks/101"]


def test_import_feed_reports_progress_through_a_callback(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    from pipeline.importer import ImportRequest, import_feed

    url = host(server, source_media, items(2), podcast_guid=KEPT_GUID)
    seen: list[float] = []
    report = import_feed(
        ImportRequest(source=url, directory=tmp_path / "show", keep_audio=True),
        now=datetime(2026, 1, 10, tzinfo=UTC),
        progress=seen.append,
    )
    assert report.imported == ("tyo-ja-kieli", "ensimmainen-talvi") and not report.skipped
    assert report.created and report.podcast_guid == KEPT_GUID
    assert seen == sorted(seen) and seen[-1] == 1.0 and any(0 < f < 1 for f in seen)
    assert not (tmp_path / "show" / ".kotocast" / "downloads").exists()
