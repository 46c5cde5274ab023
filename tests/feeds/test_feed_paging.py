"""RFC 5005 paging: stable archive documents, links both ways, every page a valid feed,
and a parser that follows the links (podcastparser) gets every episode exactly once."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import feedparser
import podcastparser
import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show
from test_feed_podcast_tags import dump

from feeds.paging import plan_pages, render_paged_feed
from feeds.rss import render_feed
from feeds.validate import validate_feed

ATOM = "{http://www.w3.org/2005/Atom}"


def archive_url(n: int) -> str:
    return f"{BASE_URL}feed-archive-{n}.xml"


def pages(count: int, size: int = 10) -> dict[str, bytes]:
    episodes = [episode(n) for n in range(1, count + 1)]
    rendered = render_paged_feed(
        show(),
        episodes,
        feed_url=FEED_URL,
        base_url=BASE_URL,
        page_size=size,
        archive_url=archive_url,
    )
    return {p.url: p.xml for p in rendered}


def links(xml: bytes) -> dict[str, str]:
    channel = ET.fromstring(xml).find("channel")
    assert channel is not None
    return {
        link.get("rel", ""): link.get("href", "")
        for link in channel.findall(f"{ATOM}link")
        if link.get("rel") not in ("self", "alternate")
    }


def numbers(xml: bytes) -> list[int]:
    return sorted(
        int(i.findtext("guid", "").split("-")[1]) for i in ET.fromstring(xml).iter("item")
    )


@pytest.mark.parametrize(
    ("count", "sizes"), [(9, [9]), (19, [19]), (20, [10, 10]), (25, [10, 15]), (30, [10, 10, 10])]
)
def test_pages_hold_whole_runs_oldest_first(count: int, sizes: list[int]) -> None:
    planned = plan_pages(show(), [episode(n) for n in range(1, count + 1)], 10)
    assert [len(p) for p in planned] == sizes
    assert [e.number for p in planned for e in p] == list(range(1, count + 1))


def test_a_short_catalogue_is_the_plain_feed() -> None:
    episodes = [episode(n) for n in range(1, 10)]
    plain = render_feed(show(), episodes, feed_url=FEED_URL, base_url=BASE_URL)
    assert pages(9) == {FEED_URL: plain}


def test_links_both_ways_and_every_page_valid() -> None:
    docs = pages(30)
    assert list(docs) == [archive_url(1), archive_url(2), FEED_URL]
    assert numbers(docs[FEED_URL]) == list(range(21, 31))
    assert numbers(docs[archive_url(1)]) == list(range(1, 11))
    assert links(docs[FEED_URL]) == {
        "prev-archive": archive_url(2),
        "first": FEED_URL,
        "next": archive_url(2),
        "last": archive_url(1),
    }
    assert links(docs[archive_url(2)]) == {
        "current": FEED_URL,
        "prev-archive": archive_url(1),
        "first": FEED_URL,
        "previous": FEED_URL,
        "next": archive_url(1),
        "last": archive_url(1),
    }
    assert links(docs[archive_url(1)])["next-archive"] == archive_url(2)
    for url, xml in docs.items():
        assert validate_feed(xml, source=url) == [], url
        is_archive = url != FEED_URL
        assert (b"<fh:archive/>" in xml) is is_archive
        assert (b'xmlns:fh="http://purl.org/syndication/history/1.0"' in xml) is is_archive
    guids = {
        ET.fromstring(x).findtext("channel/{https://podcastindex.org/namespace/1.0}guid")
        for x in docs.values()
    }
    assert len(guids) == 1  # one podcast, one podcast:guid on every page


def test_archives_never_change_as_episodes_arrive() -> None:
    before, after = pages(30), pages(31)
    assert after[archive_url(1)] == before[archive_url(1)]
    assert after[archive_url(2)] == before[archive_url(2)]
    assert numbers(after[FEED_URL]) == list(range(21, 32))


def test_podcastparser_following_next_gets_every_episode_once() -> None:
    docs = pages(30)
    seen: list[str] = []
    url: str | None = FEED_URL
    while url:
        parsed = podcastparser.parse(url, io.BytesIO(docs[url]))
        seen += [e["guid"] for e in parsed["episodes"]]
        url = parsed.get("paged_feed_next")
    assert sorted(seen) == sorted(episode(n).guid for n in range(1, 31))
    assert len(seen) == len(set(seen))


def test_feedparser_partytime_and_feedsmith_read_the_links() -> None:
    docs = pages(30)
    feed = feedparser.parse(docs[FEED_URL])
    assert not feed.bozo
    assert {link.rel: link.href for link in feed.feed.links}["prev-archive"] == archive_url(2)
    parsed = dump(docs[archive_url(1)])
    assert len(parsed["partytime"]["items"]) == 10
    rels = {link["rel"] for link in parsed["feedsmith"]["atom"]["links"]}
    assert {"current", "next-archive", "first", "previous", "last"} <= rels
