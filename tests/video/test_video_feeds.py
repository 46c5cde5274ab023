"""Language feeds read back by real podcast-app parsers; index.json and feeds.opml."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import podcastparser
import pytest

from feeds.validate import validate_feed

from .conftest import AR_TITLE, FI_TITLE, NOW, Series

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
BASE = "http://localhost:8000/"


def _feed(series: Series, lang: str) -> bytes:
    return (series.public / "feeds" / f"{lang}.xml").read_bytes()


@pytest.mark.parametrize("lang", ["fi", "en", "ar"])
def test_every_language_feed_is_valid(series: Series, lang: str) -> None:
    assert validate_feed(_feed(series, lang), source=f"{lang}.xml", now=NOW) == []


@pytest.mark.parametrize(
    ("lang", "title", "caption_langs"), [("fi", FI_TITLE, ["fi"]), ("ar", AR_TITLE, ["ar", "fi"])]
)
def test_feedparser_reads_video_enclosures_and_captions(
    series: Series, lang: str, title: str, caption_langs: list[str]
) -> None:
    parsed = feedparser.parse(_feed(series, lang))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.language == lang
    [entry] = parsed.entries
    assert entry.title == title
    [enclosure] = entry.enclosures
    media = series.added[lang].variant.media
    assert enclosure.type == "video/mp4"
    assert int(enclosure.length) == media.size_bytes == (series.public / media.key).stat().st_size
    assert enclosure.href == BASE + media.key
    # feedparser keeps only the last podcast:transcript of an item (REFERENCE.md).
    assert entry.podcast_transcript["language"] == caption_langs[-1]
    assert entry.podcast_transcript["rel"] == "captions"


@pytest.mark.parametrize(("lang", "caption_langs"), [("fi", ["fi"]), ("ar", ["ar", "fi"])])
def test_podcastparser_reads_video_enclosures(
    series: Series, lang: str, caption_langs: list[str]
) -> None:
    url = f"{BASE}feeds/{lang}.xml"
    parsed = podcastparser.parse(url, _feed_stream(series, lang))
    [episode] = parsed["episodes"]
    [enclosure] = episode["enclosures"]
    media = series.added[lang].variant.media
    assert enclosure["mime_type"] == "video/mp4"
    assert enclosure["file_size"] == media.size_bytes
    assert episode["guid"] == series.added[lang].episode.guid
    assert parsed["title"] == "Arki Suomessa"
    # podcastparser has no transcript support: check every caption tag in the XML itself.
    root = ET.fromstring(_feed(series, lang))
    found = [
        (t.get("language"), t.get("rel"), t.get("type"))
        for t in root.iter(f"{{{PODCAST_NS}}}transcript")
    ]
    assert found == [(c, "captions", "text/vtt") for c in caption_langs]


def _feed_stream(series: Series, lang: str):  # type: ignore[no-untyped-def]
    return (series.public / "feeds" / f"{lang}.xml").open("rb")


def test_language_without_episodes_has_an_empty_feed(series: Series) -> None:
    parsed = feedparser.parse(_feed(series, "en"))
    assert not parsed.bozo
    assert parsed.entries == []


def test_same_episode_keeps_one_guid_across_languages(series: Series) -> None:
    guids = {feedparser.parse(_feed(series, lang)).entries[0].id for lang in ("fi", "ar")}
    assert guids == {series.added["fi"].episode.guid}


def test_feeds_link_each_other_and_have_their_own_podcast_guid(series: Series) -> None:
    guids = set()
    for lang in ("fi", "en", "ar"):
        channel = ET.fromstring(_feed(series, lang)).find("channel")
        assert channel is not None
        alternates = {
            link.get("hreflang"): link.get("href")
            for link in channel.findall(f"{{{ATOM_NS}}}link")
            if link.get("rel") == "alternate"
        }
        others = {other for other in ("fi", "en", "ar") if other != lang}
        assert alternates == {o: f"{BASE}feeds/{o}.xml" for o in others}
        assert channel.findtext(f"{{{PODCAST_NS}}}medium") == "video"
        guids.add(channel.findtext(f"{{{PODCAST_NS}}}guid"))
    assert len(guids) == 3


def test_index_json_follows_the_documented_schema(series: Series) -> None:
    data = json.loads((series.public / "index.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    assert [lang["code"] for lang in data["languages"]] == ["fi", "en", "ar"]
    ar = next(lang for lang in data["languages"] if lang["code"] == "ar")
    assert ar["dir"] == "rtl" and ar["feed"] == f"{BASE}feeds/ar.xml"
    [episode] = data["episodes"]
    assert episode["guid"] == series.added["fi"].episode.guid
    variants = {v["language"]: v for v in episode["variants"]}
    assert set(variants) == {"fi", "ar"}
    media = variants["ar"]["media"]
    assert media["type"] == "video/mp4" and media["size_bytes"] > 0 and media["duration_s"] > 3
    assert [c["language"] for c in variants["ar"]["captions"]] == ["ar", "fi"]
    assert variants["ar"]["title"] == AR_TITLE
    documented = Path(__file__).resolve().parents[2] / "docs" / "index-json.md"
    text = documented.read_text(encoding="utf-8")
    for key in (
        "schema_version",
        "languages",
        "podcast_guid",
        "variants",
        "captions",
        "size_bytes",
        "duration_s",
        "sha256",
    ):
        assert f"`{key}`" in text


def test_opml_lists_every_language_feed(series: Series) -> None:
    root = ET.fromstring((series.public / "feeds.opml").read_bytes())
    outlines = root.findall("./body/outline")
    assert [(o.get("language"), o.get("xmlUrl"), o.get("type")) for o in outlines] == [
        (lang, f"{BASE}feeds/{lang}.xml", "rss") for lang in ("fi", "en", "ar")
    ]
