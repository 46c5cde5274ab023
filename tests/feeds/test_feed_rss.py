"""render_feed, asset_url, podcast_guid and description_html."""

from __future__ import annotations

import random
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show

from feeds.description import description_html
from feeds.errors import UrlInvalid
from feeds.guid import podcast_guid
from feeds.rss import EpisodeUnrenderable, asset_url, render_feed
from feeds.validate import validate_feed

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


@pytest.mark.parametrize(
    ("url", "guid"),
    [
        ("https://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
        ("podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
        ("http://podnews.net/rss//", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
        ("https://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
        ("mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    ],
)
def test_podcast_guid_matches_the_spec_examples(url: str, guid: str) -> None:
    assert podcast_guid(url) == guid


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("media/ep-1.mp3", "https://cdn.example.fi/kotocast/media/ep-1.mp3"),
        ("media/jakso ä#1?.mp3", "https://cdn.example.fi/kotocast/media/jakso%20%C3%A4%231%3F.mp3"),
        ("a/100%.mp3", "https://cdn.example.fi/kotocast/a/100%25.mp3"),
    ],
)
def test_asset_url_percent_encodes_keys(key: str, url: str) -> None:
    assert asset_url(BASE_URL, key) == url
    assert asset_url(BASE_URL.rstrip("/"), key) == url


@pytest.mark.parametrize("key", ["", "/etc/passwd", "a/../b.mp3", "a//b.mp3", "./a.mp3"])
def test_asset_url_refuses_keys_leaving_the_root(key: str) -> None:
    with pytest.raises(UrlInvalid):
        asset_url(BASE_URL, key)


@pytest.mark.parametrize("base", ["ftp://x/", "/public/", "localhost:8000"])
def test_asset_url_refuses_relative_bases(base: str) -> None:
    with pytest.raises(UrlInvalid):
        asset_url(base, "a.mp3")


def test_render_is_deterministic_and_order_independent() -> None:
    episodes = [episode(n) for n in range(1, 30)]
    # Two episodes at the same instant: ties go by guid.
    episodes.append(episode(99, guid="aaa-tie", publish_at=episodes[5].publish_at))
    first = render_feed(show(), episodes, feed_url=FEED_URL, base_url=BASE_URL)
    shuffled = list(episodes)
    random.Random(4).shuffle(shuffled)
    assert render_feed(show(), shuffled, feed_url=FEED_URL, base_url=BASE_URL) == first
    assert render_feed(show(), episodes, feed_url=FEED_URL, base_url=BASE_URL) == first
    items = ET.fromstring(first).find("channel").findall("item")
    guids = [i.findtext("guid") for i in items]
    assert guids[0] == "kotocast-0029-9a1c"
    tie = guids.index("aaa-tie")
    assert guids[tie + 1] == episodes[5].guid


def test_last_build_date_is_the_newest_pub_date_not_the_clock() -> None:
    xml = render_feed(show(), [episode(1), episode(3)], feed_url=FEED_URL, base_url=BASE_URL)
    channel = ET.fromstring(xml).find("channel")
    assert channel.findtext("lastBuildDate") == channel.find("item").findtext("pubDate")
    empty = render_feed(show(), [], feed_url=FEED_URL, base_url=BASE_URL)
    assert b"lastBuildDate" not in empty
    assert empty == render_feed(show(), [], feed_url=FEED_URL, base_url=BASE_URL)


def test_header_prefixes_and_explicit() -> None:
    xml = render_feed(
        show(explicit=True), [episode(1, explicit=False)], feed_url=FEED_URL, base_url=BASE_URL
    )
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<rss ')
    assert b'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in xml
    assert b'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in xml
    assert b'xmlns:atom="http://www.w3.org/2005/Atom"' in xml
    channel = ET.fromstring(xml).find("channel")
    assert channel.findtext(ITUNES + "explicit") == "true"
    assert channel.find("item").findtext(ITUNES + "explicit") == "false"
    assert b"<generator>kotocast</generator>" in xml


def test_podcast_guid_stored_wins_else_derived_from_feed_url() -> None:
    stored = render_feed(show(), [], feed_url="https://new.example/feed", base_url=BASE_URL)
    assert ET.fromstring(stored).find("channel").findtext(PODCAST + "guid") == show().podcast_guid
    derived = render_feed(show(podcast_guid=None), [], feed_url=FEED_URL, base_url=BASE_URL)
    channel = ET.fromstring(derived).find("channel")
    assert channel.findtext(PODCAST + "guid") == podcast_guid(FEED_URL)
    assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == FEED_URL
    assert channel.find(PODCAST + "locked").get("owner") == show().email


def test_guid_is_permalink_only_when_a_url() -> None:
    xml = render_feed(
        show(),
        [episode(1), episode(2, guid="https://example.fi/ep/2")],
        feed_url=FEED_URL,
        base_url=BASE_URL,
    )
    flags = {g.text: g.get("isPermaLink") for g in ET.fromstring(xml).iter("guid")}
    assert flags == {"kotocast-0001-9a1c": "false", "https://example.fi/ep/2": "true"}


def test_optional_channel_tags() -> None:
    xml = render_feed(
        show(
            block=True,
            complete=True,
            new_feed_url="https://new.example/feed.xml",
            show_type="serial",
            image_key=None,
            image="https://img.example/a.png",
        ),
        [episode(1)],
        feed_url=FEED_URL,
        base_url=BASE_URL,
    )
    channel = ET.fromstring(xml).find("channel")
    assert channel.findtext(ITUNES + "block") == "yes"
    assert channel.findtext(ITUNES + "complete") == "yes"
    assert channel.findtext(ITUNES + "new-feed-url") == "https://new.example/feed.xml"
    assert channel.findtext(ITUNES + "type") == "serial"
    assert channel.find(ITUNES + "image").get("href") == "https://img.example/a.png"
    update = channel.find(PODCAST + "updateFrequency")
    assert (update.text, update.get("rrule"), update.get("complete")) == (
        "Weekly",
        "FREQ=WEEKLY",
        "true",
    )


def test_episode_image_and_persons_without_guests() -> None:
    from feedfactory import asset

    ep = episode(1, persons=(), image=asset("art/ep1.png", "image/png"))
    item = ET.fromstring(render_feed(show(), [ep], feed_url=FEED_URL, base_url=BASE_URL)).find(
        "channel/item"
    )
    assert item.find(ITUNES + "image").get("href") == BASE_URL + "art/ep1.png"
    assert item.findall(PODCAST + "person") == []  # the channel's host applies


def test_unrenderable_episodes_are_refused() -> None:
    with pytest.raises(EpisodeUnrenderable, match="ep-1"):
        render_feed(show(), [episode(1, media=None)], feed_url=FEED_URL, base_url=BASE_URL)
    naive = episode(2).publish_at.replace(tzinfo=None)
    with pytest.raises(EpisodeUnrenderable, match="ep-2"):
        render_feed(show(), [episode(2, publish_at=naive)], feed_url=FEED_URL, base_url=BASE_URL)


def test_rendered_feeds_pass_validation() -> None:
    episodes = [episode(n) for n in range(1, 5)]
    xml = render_feed(show(), episodes, feed_url=FEED_URL, base_url=BASE_URL)
    now = episodes[-1].publish_at + timedelta(minutes=1)
    assert validate_feed(xml, source="feed.xml", now=now) == []


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("  \n ", ""),
        (
            "Yksi.\n\nKaksi & <b>kolme</b>",
            "<p>Yksi.</p><p>Kaksi &amp; &lt;b&gt;kolme&lt;/b&gt;</p>",
        ),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"),
        ("[x](https://e.fi/?a=1&b=2)", '<p><a href="https://e.fi/?a=1&amp;b=2">x</a></p>'),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](ftp://e.fi/)", "<p>x</p>"),
        ("# Otsikko\n\n**lihava** _kursiivi_", "<p>Otsikko</p><p>lihava kursiivi</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("end ]]> here", "<p>end ]]&gt; here</p>"),
        ("ctrl\x00\x1b char", "<p>ctrl char</p>"),
        ("![kuva](https://e.fi/a.png)", "<p>kuva</p>"),
        ("`<code>`", "<p>&lt;code&gt;</p>"),
    ],
)
def test_description_html_keeps_apples_subset(text: str, html: str) -> None:
    assert description_html(text) == html


def test_persons_are_written_in_their_taxonomy_group() -> None:
    from episodes.model import Person

    persons = (
        Person("Pia", "Producer"),  # the model's default group "cast" is wrong for a producer
        Person("Eero", "executive producer", "crew"),
        Person("Kim", "Guest", "Cast"),
    )
    xml = render_feed(show(persons=persons), [], feed_url=FEED_URL, base_url=BASE_URL)
    found = [
        (p.text, p.get("role"), p.get("group")) for p in ET.fromstring(xml).iter(f"{PODCAST}person")
    ]
    assert found == [
        ("Pia", "producer", "creative direction"),
        ("Eero", "executive producer", "creative direction"),
        ("Kim", "guest", "cast"),
    ]
    assert validate_feed(xml, source="f") == []
