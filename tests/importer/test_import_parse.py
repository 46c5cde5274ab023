"""feeds.parse: foreign feeds read safely into frozen values; hostile XML refused unread."""

from __future__ import annotations

import sys
import time
import tracemalloc
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from feeds.parse import FeedForbidden, FeedNotPodcast, html_to_text, parse_feed

SECRET_MARKER = "KOTOCAST-SECRET-7f3a9c"

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>  Kotona   Suomessa </title>
  <description><![CDATA[<p>Arjesta <a href="https://example.org/x">Suomessa</a>.</p>]]></description>
  <language>fi-fi</language>
  <atom:link href="https://feeds.soundcloud.com/users/soundcloud:users:42/sounds.rss"
             rel="self" type="application/rss+xml"/>
  <itunes:author>Kotoutumisprojekti</itunes:author>
  <itunes:owner><itunes:name>Kotona</itunes:name><itunes:email>a@b.example</itunes:email></itunes:owner>
  <itunes:category text="Education"><itunes:category text="Language Learning"/></itunes:category>
  <itunes:explicit>clean</itunes:explicit>
  <itunes:type>serial</itunes:type>
  <itunes:image href="https://i1.sndcdn.com/artworks-000.jpg"/>
  <podcast:guid>917393E3-1B1E-5CEF-ACE4-EDAA54E1F810</podcast:guid>
  <item>
    <guid isPermaLink="false">
      tag:soundcloud,2010:tracks/123
    </guid>
    <title>Jakso 1: Työ</title>
    <pubDate>Wed, 15 Jun 2022 19:00:00 +0300</pubDate>
    <content:encoded><![CDATA[<ul><li>one</li><li>two</li></ul><script>x()</script>]]></content:encoded>
    <description>short</description>
    <enclosure url="https://feeds.soundcloud.com/stream/123.mp3" length="4200" type="audio/mpeg"/>
    <itunes:duration>01:02:03</itunes:duration>
    <itunes:season>2</itunes:season>
    <itunes:episode>7</itunes:episode>
    <itunes:episodeType>Bonus</itunes:episodeType>
    <podcast:chapters url="https://x.example/123.json" type="application/json+chapters"/>
    <podcast:transcript url="https://x.example/123.vtt" type="text/vtt" language="fi"/>
    <podcast:transcript url="https://x.example/123.json" type="application/json"/>
  </item>
  <item>
    <title>No guid</title>
    <pubDate>Tue, 14 Jun 2022 07:00:00 -0000</pubDate>
    <enclosure url="https://x.example/2.m4a" type="audio/x-m4a"/>
    <itunes:duration>95</itunes:duration>
  </item>
  <item><guid>tag:soundcloud,2010:tracks/9</guid><title>Blog post</title>
    <pubDate>Tue, 14 Jun 2022 07:00:00 GMT</pubDate></item>
  <item><guid>tag:soundcloud,2010:tracks/123</guid><title>Copy</title>
    <pubDate>Tue, 14 Jun 2022 07:00:00 GMT</pubDate>
    <enclosure url="https://x.example/copy.mp3" type="audio/mpeg"/></item>
  <item><guid>g-bad-date</guid><title>Bad date</title><pubDate>yesterday</pubDate>
    <enclosure url="https://x.example/d.mp3" type="audio/mpeg"/></item>
</channel>
</rss>
""".encode()


def test_feed_is_read_into_plain_values() -> None:
    feed = parse_feed(FEED, source="old.rss")
    show = feed.show
    assert show.title == "Kotona Suomessa"
    assert show.description == "Arjesta [Suomessa](https://example.org/x)."
    assert (show.language, show.author, show.owner_email) == (
        "fi-fi",
        "Kotoutumisprojekti",
        "a@b.example",
    )
    assert (show.category, show.subcategory) == ("Education", "Language Learning")
    assert show.explicit is False and show.show_type == "serial"
    assert show.podcast_guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert show.self_url.endswith("/sounds.rss")
    assert show.image_url == "https://i1.sndcdn.com/artworks-000.jpg"

    first, second = feed.items
    assert first.guid == "tag:soundcloud,2010:tracks/123"  # verbatim, only trimmed
    assert first.published_at.utcoffset() == timedelta(hours=3)
    assert first.published_at.isoformat() == "2022-06-15T19:00:00+03:00"
    assert first.description == "- one\n- two"  # content:encoded wins; script dropped
    assert (first.season, first.number, first.episode_type) == (2, 7, "bonus")
    assert first.duration_s == 3723
    assert first.enclosure.length_bytes == 4200
    assert first.chapters_url == "https://x.example/123.json"
    assert [t.mime_type for t in first.transcripts] == ["text/vtt", "application/json"]
    # No guid: apps identify the item by its media URL, and so does the import.
    assert second.guid == "https://x.example/2.m4a" and second.guid_from_enclosure
    assert second.published_at.tzinfo == UTC
    assert second.enclosure.length_bytes is None

    reasons = {s.title: s.why for s in feed.skipped}
    assert reasons["Blog post"] == "no audio or video enclosure"
    assert "repeats an earlier item" in reasons["Copy"]
    assert "'yesterday' is not an RFC 2822 date" in reasons["Bad date"]


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        (b"<!doctype html><html><body><p>Hello</p></body></html>", "not well-formed XML"),
        (b"<html><body><p>Hello</p></body></html>", "the document is <html>, not <rss>"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "<feed>"),
        (
            b'<rss version="2.0"><channel><title>Blog</title><item><title>post</title>'
            b"<link>https://x.example/p</link></item></channel></rss>",
            "no",
        ),
        (b"", "not well-formed XML"),
    ],
)
def test_not_a_podcast_feed_is_named(xml: bytes, why: str) -> None:
    with pytest.raises(FeedNotPodcast, match="not a podcast feed") as info:
        parse_feed(xml, source="https://blog.example/")
    assert why in str(info.value)
    assert str(info.value).startswith("https://blog.example/: ")


def _opened_paths() -> list[str]:
    """Every path Python's ``open`` audit event has seen since the hook was installed."""
    return _AUDIT_LOG


_AUDIT_LOG: list[str] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and args and isinstance(args[0], str):
        _AUDIT_LOG.append(args[0])


sys.addaudithook(_audit)


def test_external_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_MARKER)
    xml = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rss version="2.0"><channel><title>&xxe;</title><item><guid>1</guid>'
        "<title>&xxe;</title><pubDate>Wed, 15 Jun 2022 19:00:00 +0000</pubDate>"
        '<enclosure url="http://x.example/a.mp3" type="audio/mpeg"/></item></channel></rss>'
    ).encode()
    _AUDIT_LOG.clear()
    with pytest.raises(FeedForbidden, match="refused: the XML declares a DTD") as info:
        parse_feed(xml, source="evil.rss")
    assert SECRET_MARKER not in str(info.value)
    assert str(secret) not in _opened_paths()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>
"""


@pytest.mark.parametrize(
    "xml",
    [
        BILLION_LAUGHS,
        # Quadratic blowup: one big entity referenced many times (no nesting needed).
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 100_000 + b'">]>'
        b"<rss><channel><title>" + b"&a;" * 20_000 + b"</title></channel></rss>",
    ],
    ids=["billion-laughs", "quadratic-blowup"],
)
def test_entity_bombs_are_refused_in_little_memory_and_time(xml: bytes) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FeedForbidden, match="refused"):
            parse_feed(xml, source="bomb.rss")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"peak {peak / 1e6:.1f} MB"
    assert time.monotonic() - started < 5


def test_html_descriptions_become_text_with_markdown_links() -> None:
    html = (
        '<p>Hei &amp; tervetuloa!</p><p>Lue <a href="https://kotona.example/a">lisää</a>'
        ' tai <a href="javascript:alert(1)">tästä</a>.<br>Rivi</p><style>p{}</style>'
    )
    assert html_to_text(html) == (
        "Hei & tervetuloa!\n\nLue [lisää](https://kotona.example/a) tai tästä.\nRivi"
    )
    assert html_to_text("plain text") == "plain text"
