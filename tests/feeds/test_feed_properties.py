"""Property: any Unicode and markup in titles/descriptions yields well-formed XML that parses
back exactly.

Policy (feeds.description.xml_text): characters XML 1.0 forbids (C0 controls except tab, LF,
CR; lone surrogates; U+FFFE/U+FFFF) are *stripped*, everywhere, consistently; everything else
survives byte for byte. Descriptions come back as exactly ``description_html(text)``.
"""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import feedparser
import podcastparser
import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.description import description_html, xml_text
from feeds.errors import FeedUnrenderable
from feeds.rss import render_feed

MARKUP = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "&amp;",
        "]]>",
        "<![CDATA[",
        '"',
        "'",
        "<b>",
        "</p>",
        "&#0;",
        "\r\n",
        "[x](https://e.fi)",
        "**",
        "- ",
        "1. ",
        "\n\n",
        "<!--",
        "-->",
        "\x00",
        "\x1b",
        "\ufffe",
        "\ud800",
        "ä",
        "مرحبا",
        "🎙️",
        "\u200f",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), MARKUP), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(title=TEXT, description=TEXT, show_title=TEXT)
def test_any_text_round_trips(title: str, description: str, show_title: str) -> None:
    title, show_title = f"{title}.", f"{show_title}."  # blank titles are refused, see below
    ep = episode(1, title=title, description=description)
    xml = render_feed(show(title=show_title), [ep], feed_url=FEED_URL, base_url=BASE_URL)
    channel = ET.fromstring(xml).find("channel")  # well-formed, or this raises
    assert channel.findtext("title") == xml_text(show_title)  # even CR survives (&#13;)
    item = channel.find("item")
    assert item.findtext("title") == xml_text(title)
    assert (item.findtext("description") or "") == description_html(description)
    assert "]]>" not in description_html(description)


@given(blank=st.sampled_from(["", " ", "\x00", "\x1f\x0b", "\ufffe "]))
def test_titles_blank_after_stripping_are_refused(blank: str) -> None:
    with pytest.raises(FeedUnrenderable):
        render_feed(show(title=blank), [], feed_url=FEED_URL, base_url=BASE_URL)
    with pytest.raises(FeedUnrenderable):
        render_feed(show(), [episode(1, title=blank)], feed_url=FEED_URL, base_url=BASE_URL)


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
)
def test_parsers_read_any_printable_title_exactly(title: str) -> None:
    xml = render_feed(show(), [episode(1, title=title)], feed_url=FEED_URL, base_url=BASE_URL)
    feed = feedparser.parse(xml)
    assert not feed.bozo
    parsed = podcastparser.parse(FEED_URL, io.BytesIO(xml))
    assert parsed["episodes"][0]["title"] == xml_text(title).strip()
