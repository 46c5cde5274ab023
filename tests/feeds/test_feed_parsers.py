"""Real podcast-app parsers read our feeds back and agree on every episode.

feedparser (check ``bozo``: it recovers silently), gPodder's podcastparser and the Podcast
Index parser (npm ``podcast-partytime``, run with node from ``tests/feeds/node``).
"""

from __future__ import annotations

import calendar
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show, video_episode

from feeds.rss import asset_url, render_feed

NODE_DIR = Path(__file__).parent / "node"
TRICKY_TITLES = [
    "Äiti, isä & <lapsi> — Åland öö",
    'مرحبا بكم "في" البودكاست',
    "Emoji 🎙️👩🏽‍🔬 & 'quotes' \"double\"",
    "a < b > c && d ]]> e",
    "100% #1 ?a=b&c=d / ÅÄÖ åäö",
]


def partytime(xml: bytes) -> dict[str, Any]:
    """Parse with podcast-partytime via node; skip when node or the package is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the Podcast Index parser")
    if not (NODE_DIR / "node_modules" / "podcast-partytime").is_dir():
        pytest.fail(f"podcast-partytime missing: run 'npm ci --prefix {NODE_DIR}'")
    done = subprocess.run(
        [node, str(NODE_DIR / "parse-feed.js")], input=xml, capture_output=True, check=True
    )
    return dict(json.loads(done.stdout))


def catalog() -> tuple[Any, list[Any]]:
    episodes = [
        episode(n, title=title, slug=f"t{n}") for n, title in enumerate(TRICKY_TITLES, start=1)
    ]
    return show(), episodes


@pytest.fixture(scope="module")
def rendered() -> tuple[bytes, list[Any]]:
    the_show, episodes = catalog()
    xml = render_feed(the_show, episodes, feed_url=FEED_URL, base_url=BASE_URL)
    newest_first = sorted(episodes, key=lambda e: e.publish_at, reverse=True)
    return xml, newest_first


def test_feedparser_reads_every_episode(rendered: tuple[bytes, list[Any]]) -> None:
    xml, episodes = rendered
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == show().title
    assert len(feed.entries) == len(episodes)
    for entry, ep in zip(feed.entries, episodes, strict=True):
        assert entry.title == ep.title.strip()
        assert entry.id == ep.guid
        assert not entry.guidislink
        assert calendar.timegm(entry.published_parsed) == int(ep.publish_at.timestamp())
        (enclosure,) = entry.enclosures
        assert enclosure.href == asset_url(BASE_URL, ep.media.key)
        assert int(enclosure.length) == ep.media.size_bytes
        assert enclosure.type == ep.media.mime_type
        assert int(entry.itunes_duration) == round(ep.media.duration_s)
        # feedparser keeps only the last transcript of an item (REFERENCE.md).
        assert entry.podcast_transcript["language"] == ep.transcripts[-1].language
        assert entry.podcast_chapters["url"] == asset_url(BASE_URL, ep.chapters_file.key)


def test_podcastparser_reads_every_episode(rendered: tuple[bytes, list[Any]]) -> None:
    xml, episodes = rendered
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(xml))
    assert parsed["title"] == show().title
    assert parsed["explicit"] is False
    assert parsed["itunes_categories"] == [["Society & Culture", "Documentary"]]
    assert len(parsed["episodes"]) == len(episodes)
    for item, ep in zip(parsed["episodes"], episodes, strict=True):
        assert item["title"] == ep.title.strip()
        assert item["guid"] == ep.guid
        assert item["published"] == int(ep.publish_at.timestamp())
        assert item["total_time"] == round(ep.media.duration_s)
        assert item["number"] == ep.number and item["season"] == ep.season
        assert item["enclosures"] == [
            {
                "url": asset_url(BASE_URL, ep.media.key),
                "file_size": ep.media.size_bytes,
                "mime_type": ep.media.mime_type,
            }
        ]


def test_partytime_reads_every_episode(rendered: tuple[bytes, list[Any]]) -> None:
    xml, episodes = rendered
    feed = partytime(xml)
    the_show = show()
    assert feed["title"] == the_show.title
    assert feed["guid"] == the_show.podcast_guid
    assert feed["locked"] is True and feed["podcastOwner"] == the_show.email
    assert feed["explicit"] is False
    assert feed["itunesCategory"] == ["Society & Culture > Documentary"]
    assert feed["people"] == [{"name": "Aino Äänelä", "role": "Host"}]
    assert len(feed["items"]) == len(episodes)
    for item, ep in zip(feed["items"], episodes, strict=True):
        assert item["title"] == ep.title.strip()
        assert item["guid"] == ep.guid
        assert item["pubDate"] == ep.publish_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert item["enclosure"] == {
            "url": asset_url(BASE_URL, ep.media.key),
            "length": ep.media.size_bytes,
            "type": ep.media.mime_type,
        }
        assert item["duration"] == round(ep.media.duration_s)
        assert {t["language"]: t["url"] for t in item["transcripts"]} == {
            t.language: asset_url(BASE_URL, t.asset.key) for t in ep.transcripts
        }
        assert item["chapters"] == asset_url(BASE_URL, ep.chapters_file.key)
        # Item persons replace the channel's: the host is repeated beside the guest.
        assert item["people"] == [
            {"name": "Aino Äänelä", "role": "Host"},
            {"name": "Omar Haddad", "role": "Guest"},
        ]
        assert item["alternates"] == [
            {
                "type": "audio/x-m4a",
                "length": 900_000,
                "sources": [asset_url(BASE_URL, ep.alternates[0].key)],
                "bitrate": 96_000,
                "lang": "fi",
                "title": "AAC 96 kbps",
            }
        ]
        assert item["soundbites"] == [{"startTime": 60, "duration": 30.5, "title": "Paras hetki"}]


def test_parsers_agree_on_a_language_feed() -> None:
    episodes = [video_episode(1), video_episode(2, ("fi",)), video_episode(3)]
    xml = render_feed(
        show(medium="video", titles={"ar": "أصوات"}),
        episodes,
        feed_url="https://cdn.example.fi/kotocast/ar.xml",
        base_url=BASE_URL,
        language="ar",
        alternate_feeds={"fi": "https://cdn.example.fi/kotocast/fi.xml"},
    )
    feed = feedparser.parse(xml)
    assert not feed.bozo
    assert feed.feed.title == "أصوات"
    assert feed.feed.language == "ar"
    pt = partytime(xml)
    assert pt["medium"] == "video"
    guids = ["kotocast-0003-9a1c", "kotocast-0001-9a1c"]  # episode 2 has no Arabic variant
    assert [e.id for e in feed.entries] == guids
    assert [i["guid"] for i in pt["items"]] == guids
    for item in pt["items"]:
        assert item["enclosure"]["type"] == "video/mp4"
        assert "/video/ar/" in item["enclosure"]["url"]
        assert [(t["language"], t["rel"]) for t in item["transcripts"]] == [("ar", "captions")]
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(xml))
    assert [e["guid"] for e in parsed["episodes"]] == guids


def test_dates_with_offsets_come_back_as_the_same_instant() -> None:
    when = datetime.fromisoformat("2024-06-30T23:30:00-05:00")
    xml = render_feed(show(), [episode(1, publish_at=when)], feed_url=FEED_URL, base_url=BASE_URL)
    assert b"<pubDate>Mon, 01 Jul 2024 04:30:00 +0000</pubDate>" in xml
    assert podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"][0]["published"] == int(
        when.timestamp()
    )


def test_parsers_read_other_languages_as_alternate_enclosures() -> None:
    from test_feed_golden import GOLDEN, load_catalog

    the_show, episodes, render = load_catalog(GOLDEN / "all-languages-feed.toml")
    xml = render_feed(the_show, episodes, **render)
    item = partytime(xml)["items"][1]
    assert item["guid"] == "kotocast-fi-sv-1"
    got = [(a.get("lang"), a.get("title"), a["type"], a["length"]) for a in item["alternates"]]
    assert got == [
        ("fi", "AAC 96 kbps", "audio/x-m4a", 21_000_000),
        ("sv", "Svenska", "audio/mpeg", 27_100_000),
        ("sv", "Svenska (AAC)", "audio/x-m4a", 20_500_000),
    ]
    assert item["alternates"][2]["sources"] == [
        "https://cdn.example.fi/show/media/sv/valkommen-7a2b.m4a",
        "https://mirror.example.se/show/media/sv/valkommen-7a2b.m4a",
    ]
    assert item["alternates"][2]["codecs"] == "mp4a.40.2"
    assert not feedparser.parse(xml).bozo
