"""Import loses nothing kotocast can publish: persons, soundbites, episode artwork, alternate
enclosures, every transcript format, pubDate offsets and the channel's Podcasting 2.0 tags.

The old feed is written here by hand in the shape Castopod and Podcast Index tools write, served
from 127.0.0.1; after ``kotocast import --keep-media`` and ``kotocast publish`` the published
feed, read back with lxml and feedparser, carries the same things.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.importer.podserver import PodServer
from tests.importer.test_import_flow import NOW, kotocast

pytestmark = pytest.mark.slow

PI = "https://podcastindex.org/namespace/1.0"
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHei.\n"
SRT = b"1\n00:00:00,000 --> 00:00:01,500\nHei.\n"
CHAPTERS_LIST = [
    {"startTime": 0, "title": "Alku", "endTime": 1.0, "url": "https://kotona.example/a"},
    {
        "startTime": 1.0,
        "title": "Vieras",
        "img": "https://kotona.example/omar.jpg",
        "location": {"name": "Helsinki", "geo": "geo:60.17,24.94"},
    },
    {"startTime": 1.5, "toc": False},
]
CHAPTERS = json.dumps({"version": "1.2.0", "chapters": CHAPTERS_LIST})
GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def _feed(server: PodServer, media: dict[str, bytes]) -> str:
    main, alt = media["track1.mp3"], media["track2.mp3"]
    server.files["/m.mp3"] = (main, "audio/mpeg")
    server.files["/alt.mp3"] = (alt, "audio/mpeg")
    server.files["/cover.jpg"] = (media["cover.jpg"], "image/jpeg")
    server.files["/ep.jpg"] = (media["cover.jpg"], "image/jpeg")
    server.files["/t.vtt"] = (VTT, "text/vtt")
    server.files["/t.srt"] = (SRT, "application/x-subrip")
    server.files["/ch.json"] = (CHAPTERS.encode(), "application/json+chapters")
    u = server.url
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="{PI}">
<channel>
<title>Kotona Suomessa</title><link>https://kotona.example/</link>
<description>Haastatteluja.</description><language>fi</language>
<itunes:image href="{u("/cover.jpg")}"/>
<itunes:owner><itunes:email>p@kotona.example</itunes:email></itunes:owner>
<podcast:guid>{GUID}</podcast:guid>
<podcast:funding url="https://kotona.example/amif">EU:n AMIF-rahasto</podcast:funding>
<podcast:txt purpose="applepodcastsverify">abc-123</podcast:txt>
<podcast:license>cc-by-4.0</podcast:license>
<podcast:podroll><podcast:remoteItem feedGuid="9b024349-ccf0-5f69-a609-6b82873eab3c"/>
</podcast:podroll>
<item>
<title>Jakso 1</title><guid isPermaLink="false">ep-1</guid>
<pubDate>Sat, 01 Mar 2025 18:30:00 +0200</pubDate>
<enclosure url="{u("/m.mp3")}" length="{len(main)}" type="audio/mpeg"/>
<itunes:image href="{u("/ep.jpg")}"/>
<podcast:chapters url="{u("/ch.json")}" type="application/json+chapters"/>
<podcast:transcript url="{u("/t.vtt")}" type="text/vtt" language="fi"/>
<podcast:transcript url="{u("/t.srt")}" type="application/x-subrip" language="fi"/>
<podcast:person role="producer">Aino Koskinen</podcast:person>
<podcast:person role="guest" href="https://kotona.example/omar">Omar Ali</podcast:person>
<podcast:soundbite startTime="0.5" duration="1.5">Paras hetki</podcast:soundbite>
<podcast:alternateEnclosure type="audio/mpeg" length="{len(alt)}" bitrate="64000">
<podcast:source uri="{u("/alt.mp3")}"/></podcast:alternateEnclosure>
</item>
</channel></rss>"""
    server.files["/feed.rss"] = (xml.encode(), "application/rss+xml")
    return u("/feed.rss")


def test_import_keeps_everything_it_can_publish(
    server: PodServer, source_media: dict[str, bytes], tmp_path: Path
) -> None:
    ws = tmp_path / "show"
    run = kotocast(
        "import", _feed(server, source_media), str(ws), "--keep-media",
        "--base-url", "https://kotona.example/new/", "--now", NOW, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    config = tomllib.loads((ws / "kotocast.toml").read_text())
    assert config["show"]["funding"] == [
        {"url": "https://kotona.example/amif", "text": "EU:n AMIF-rahasto"}
    ]
    assert config["feed"]["apple_podcasts_verify"] == "abc-123"
    assert config["audio"]["preset"] == "none"  # mastered elsewhere: no speech chain
    run = kotocast("publish", "--now", NOW, cwd=ws)
    assert run.returncode == 0, run.stderr
    xml = (ws / "public" / "feed.xml").read_bytes()
    assert not feedparser.parse(xml).bozo
    root = etree.fromstring(xml)
    channel = root.find("channel")
    assert channel.findtext(f"{{{PI}}}guid") == GUID  # the show keeps its identity
    assert channel.findtext("title") == "Kotona Suomessa"
    assert channel.findtext(f"{{{PI}}}funding") == "EU:n AMIF-rahasto"
    assert channel.find(f"{{{PI}}}txt").get("purpose") == "applepodcastsverify"
    assert channel.findtext(f"{{{PI}}}license") == "cc-by-4.0"
    assert channel.find(f"{{{PI}}}podroll/{{{PI}}}remoteItem") is not None
    (item,) = channel.iter("item")
    assert item.findtext("guid") == "ep-1" and item.findtext("title") == "Jakso 1"
    assert item.findtext("pubDate") == "Sat, 01 Mar 2025 18:30:00 +0200"  # offset kept
    assert item.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}image") is not None
    types = sorted(t.get("type") for t in item.iter(f"{{{PI}}}transcript"))
    assert types == ["application/x-subrip", "text/vtt"]
    persons = {p.text: (p.get("role"), p.get("group")) for p in item.iter(f"{{{PI}}}person")}
    assert persons["Aino Koskinen"] == ("producer", "creative direction")
    assert persons["Omar Ali"] == ("guest", "cast")
    (bite,) = item.iter(f"{{{PI}}}soundbite")
    assert (bite.get("startTime"), bite.get("duration"), bite.text) == ("0.5", "1.5", "Paras hetki")
    (chapters,) = item.iter(f"{{{PI}}}chapters")
    key = chapters.get("url").removeprefix("https://kotona.example/new/")
    published = json.loads((ws / "public" / key).read_text(encoding="utf-8"))["chapters"]
    assert published == CHAPTERS_LIST  # every field, the hidden chapter too
    (alt,) = item.iter(f"{{{PI}}}alternateEnclosure")
    (source,) = alt.iter(f"{{{PI}}}source")
    key = source.get("uri").removeprefix("https://kotona.example/new/")
    assert (ws / "public" / key).read_bytes() == source_media["track2.mp3"]  # byte for byte
