# ruff: noqa: E501  (feeds as other tools write them: long lines are part of the data)
"""validate on feeds in the shapes other tools write (not ours): valid ones pass, broken ones
are flagged on their own defect and nothing else.

The five valid feeds follow the idioms of Castopod, Spotify for Podcasters (Anchor),
Libsyn, WordPress PowerPress and RSS.com: ``HH:MM:SS`` / ``MM:SS`` durations, pubDate offsets
and ``GMT``, CDATA and ``content:encoded``, URL guids, WebSub hub links, ``podcast:person``
groups, funding, podroll, txt, license, location, updateFrequency and trailers without
numbers in a serial show. Each broken feed is one of them with one defect.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.guid import podcast_guid
from feeds.validate import RULES, validate_feed

NOW = datetime(2030, 1, 1, tzinfo=UTC)
NS = (
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:podcast="https://podcastindex.org/namespace/1.0" '
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


def _channel(url: str, title: str, extra: str, items: str, *, show_type: str = "episodic") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss {NS} version="2.0">
<channel>
<title>{title}</title>
<link>https://{url.split("/")[2]}/</link>
<description><![CDATA[<p>{title} &amp; more.</p>]]></description>
<atom:link href="{url}" rel="self" type="application/rss+xml"/>
<language>fi</language>
<itunes:author>Tuottaja Oy</itunes:author>
<itunes:image href="https://{url.split("/")[2]}/cover.jpg"/>
<itunes:category text="Society &amp; Culture"><itunes:category text="Documentary"/></itunes:category>
<itunes:explicit>false</itunes:explicit>
<itunes:type>{show_type}</itunes:type>
<podcast:guid>{podcast_guid(url)}</podcast:guid>
{extra}
{items}
</channel>
</rss>
"""


CASTOPOD = _channel(
    "https://castopod.example.org/@kotona/feed.xml",
    "Kotona Suomessa",
    """<atom:link href="https://pubsubhubbub.appspot.com/" rel="hub"/>
<podcast:locked owner="kotona@example.org">no</podcast:locked>
<podcast:funding url="https://example.org/amif">Funded by AMIF</podcast:funding>
<podcast:funding url="https://example.org/esf">ESF+</podcast:funding>
<podcast:person role="Host" group="Cast" img="https://castopod.example.org/p.jpg">Aino</podcast:person>
<podcast:person role="Executive Producer" group="Creative Direction">Eero</podcast:person>""",
    """<item>
<title>Traileri</title>
<enclosure url="https://castopod.example.org/audio/trailer.mp3" length="120000" type="audio/mpeg"/>
<guid isPermaLink="false">c0a8b3e2-0001-4d7c-9a1c-000000000001</guid>
<pubDate>Mon, 04 Mar 2024 07:00:00 +0200</pubDate>
<itunes:duration>61</itunes:duration>
<itunes:episodeType>trailer</itunes:episodeType>
<itunes:season>1</itunes:season>
</item>
<item>
<title>Jakso 1: Tervetuloa</title>
<enclosure url="https://castopod.example.org/audio/ep1.mp3" length="28800000" type="audio/mpeg"/>
<guid isPermaLink="false">c0a8b3e2-0002-4d7c-9a1c-000000000002</guid>
<pubDate>Mon, 11 Mar 2024 07:00:00 +0200</pubDate>
<itunes:duration>1800</itunes:duration>
<itunes:episodeType>full</itunes:episodeType>
<itunes:season>1</itunes:season>
<itunes:episode>1</itunes:episode>
<podcast:transcript url="https://castopod.example.org/t/ep1.vtt" type="text/vtt" language="fi"/>
<podcast:transcript url="https://castopod.example.org/t/ep1.srt" type="application/x-subrip" language="fi"/>
<podcast:person role="guest" group="cast">Omar</podcast:person>
</item>""",
    show_type="serial",
)

ANCHOR = _channel(
    "https://anchor.example.fm/s/1234/podcast/rss",
    "Opi kotoutumisesta",
    "",
    """<item>
<title><![CDATA[Jakso 2 – Koulu & työ]]></title>
<description><![CDATA[<p>Koulu &amp; työ.</p><p><a href="https://example.org/">Linkki</a></p>]]></description>
<link>https://anchor.example.fm/episodes/2</link>
<guid isPermaLink="false">a1b2c3d4-0000-0000-0000-000000000002</guid>
<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Tuottaja</dc:creator>
<pubDate>Wed, 10 Apr 2024 05:00:00 GMT</pubDate>
<enclosure url="https://anchor.example.fm/s/1234/ep2.m4a" length="21000000" type="audio/x-m4a"/>
<itunes:duration>00:42:17</itunes:duration>
<itunes:explicit>false</itunes:explicit>
</item>
<item>
<title><![CDATA[Jakso 1]]></title>
<guid isPermaLink="false">a1b2c3d4-0000-0000-0000-000000000001</guid>
<pubDate>Wed, 03 Apr 2024 05:00:00 GMT</pubDate>
<enclosure url="https://anchor.example.fm/s/1234/ep1.m4a" length="20000000" type="audio/x-m4a"/>
<itunes:duration>01:02:03</itunes:duration>
</item>""",
)

LIBSYN = _channel(
    "https://feeds.libsyn.example.com/98765/rss",
    "Paloma",
    """<podcast:locked owner="paloma@example.org">yes</podcast:locked>""",
    """<item>
<title>PALOMA 3</title>
<guid isPermaLink="false">libsyn-3</guid>
<pubDate>Tue, 07 May 2024 12:30:00 +0000</pubDate>
<enclosure url="https://traffic.libsyn.example.com/paloma/3.mp3?dest-id=1" length="9000000" type="audio/mpeg"/>
<itunes:duration>51:09</itunes:duration>
<itunes:season>2</itunes:season>
<itunes:episode>1</itunes:episode>
<podcast:chapters url="https://example.org/3.json" type="application/json+chapters"/>
<podcast:soundbite startTime="73.5" duration="42">Hetki</podcast:soundbite>
<podcast:alternateEnclosure type="audio/mpeg" length="8800000" lang="sv-FI" title="Svenska">
<podcast:source uri="https://traffic.libsyn.example.com/paloma/3-sv.mp3"/>
</podcast:alternateEnclosure>
</item>
<item>
<title>PALOMA 2</title>
<guid isPermaLink="false">libsyn-2</guid>
<pubDate>Tue, 30 Apr 2024 12:30:00 +0000</pubDate>
<enclosure url="https://traffic.libsyn.example.com/paloma/2.mp3" length="9000000" type="audio/mpeg"/>
<itunes:duration>9:05</itunes:duration>
<itunes:season>1</itunes:season>
<itunes:episode>1</itunes:episode>
</item>""",
)

POWERPRESS = _channel(
    "https://blog.example.fi/feed/podcast/",
    "Blogin podcast",
    """<atom:link rel="alternate" hreflang="sv" type="application/rss+xml"
 href="https://blog.example.fi/sv/feed/podcast/"/>""",
    """<item>
<title>Äiti, isä &amp; lapsi</title>
<link>https://blog.example.fi/2024/06/aiti/</link>
<description><![CDATA[<p>Äiti &amp; isä &lt;3</p>]]></description>
<content:encoded><![CDATA[<p>Äiti &amp; isä</p><h2>Otsikko</h2>]]></content:encoded>
<itunes:summary>Äiti &amp; isä</itunes:summary>
<guid isPermaLink="true">https://blog.example.fi/?p=123</guid>
<pubDate>Sun, 30 Jun 2024 23:30:00 -0500</pubDate>
<enclosure url="https://blog.example.fi/wp-content/uploads/aiti.mp3" length="5000000" type="audio/mpeg"/>
<itunes:duration>1:05:00</itunes:duration>
<itunes:author>Tuottaja Oy</itunes:author>
</item>""",
)

RSS_COM = _channel(
    "https://media.rss.example.com/kotona/feed.xml",
    "Kotona Suomessa (kaikki)",
    f"""<podcast:locked>no</podcast:locked>
<podcast:txt purpose="applepodcastsverify">6b2f5c1e-aaaa-bbbb-cccc-0123456789ab</podcast:txt>
<podcast:txt>just a note</podcast:txt>
<podcast:license url="https://creativecommons.org/licenses/by/4.0/">cc-by-4.0</podcast:license>
<podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=MO">Weekly</podcast:updateFrequency>
<podcast:location geo="geo:60.17,24.94" osm="R34914">Helsinki</podcast:location>
<podcast:podroll>
<podcast:remoteItem feedGuid="{podcast_guid("https://media.rss.example.com/kotona/sv.xml")}"
 feedUrl="https://media.rss.example.com/kotona/sv.xml"/>
<podcast:remoteItem feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810"/>
</podcast:podroll>""",
    """<item>
<title>Jakso 1</title>
<guid isPermaLink="false">rss-com-1</guid>
<pubDate>Mon, 02 Sep 2024 06:00:00 +0300</pubDate>
<enclosure url="https://media.rss.example.com/kotona/1.mp3" length="1000000" type="audio/mpeg"/>
<itunes:duration>600</itunes:duration>
<podcast:season name="Syksy">1</podcast:season>
<podcast:episode>1</podcast:episode>
<podcast:location geo="geo:60.45,22.27">Turku</podcast:location>
<podcast:person role="Translator" group="Writing">Fatima</podcast:person>
</item>""",
)

VALID = {
    "castopod": CASTOPOD,
    "anchor": ANCHOR,
    "libsyn": LIBSYN,
    "powerpress": POWERPRESS,
    "rss.com": RSS_COM,
}

# (name, feed, old, new, the one rule it must break)
BROKEN = [
    ("duration-one-digit", ANCHOR, "00:42:17", "42:7", "duration"),
    ("duration-decimal", LIBSYN, "51:09", "3069.5", "duration"),
    ("duration-words", CASTOPOD, ">1800<", ">30 min<", "duration"),
    ("double-escaped-title", POWERPRESS, "Äiti, isä &amp; lapsi", "Äiti, isä &amp;amp; lapsi",
     "double-escape"),
    ("double-escaped-html", ANCHOR, "<p>Koulu &amp; työ.", "<p>Koulu &amp;amp; työ.",
     "double-escape"),
    ("double-escaped-author", POWERPRESS, "<itunes:author>Tuottaja Oy</itunes:author>\n</item>",
     "<itunes:author>Tuottaja &amp;amp; Co</itunes:author>\n</item>", "double-escape"),
    ("alternate-lang", LIBSYN, 'lang="sv-FI"', 'lang="suomi!"', "language-tag"),
    ("transcript-language", CASTOPOD, 'type="text/vtt" language="fi"',
     'type="text/vtt" language="Finnish"', "language-tag"),
    ("hreflang", POWERPRESS, 'hreflang="sv"', 'hreflang="svenska"', "language-tag"),
    ("duplicate-number", LIBSYN, "<itunes:season>2</itunes:season>",
     "<itunes:season>1</itunes:season>", "episode-number-unique"),
    ("trailer-takes-s1e1", CASTOPOD, "<itunes:episodeType>trailer</itunes:episodeType>",
     "<itunes:episodeType>trailer</itunes:episodeType><itunes:episode>1</itunes:episode>",
     "episode-number-unique"),
    ("person-crew", CASTOPOD, 'role="guest" group="cast"', 'role="guest" group="crew"', "person"),
    ("producer-in-cast", CASTOPOD, 'role="Executive Producer" group="Creative Direction"',
     'role="Executive Producer" group="Cast"', "person"),
    ("person-unknown-role", RSS_COM, 'role="Translator"', 'role="Interpreter"', "person"),
    ("remote-item-guid", RSS_COM, 'feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810"',
     'feedGuid="podnews"', "remote-item"),
    ("funding-relative", CASTOPOD, 'url="https://example.org/esf"', 'url="/esf"', "funding"),
    ("rrule", RSS_COM, 'rrule="FREQ=WEEKLY;BYDAY=MO"', 'rrule="weekly on mondays"',
     "update-frequency"),
    ("hub-relative", CASTOPOD, 'href="https://pubsubhubbub.appspot.com/"', 'href="/hub"',
     "hub-link"),
    ("serial-full-without-number", CASTOPOD, "<itunes:episode>1</itunes:episode>", "",
     "serial-episodes"),
]  # fmt: skip


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_feeds_from_other_tools_pass(name: str) -> None:
    assert validate_feed(VALID[name].encode(), source=name, now=NOW) == []


@pytest.mark.parametrize(("name", "feed", "old", "new", "rule"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_feed_is_flagged_on_its_own_defect(
    name: str, feed: str, old: str, new: str, rule: str
) -> None:
    assert rule in RULES
    assert feed.count(old) == 1, old
    problems = validate_feed(feed.replace(old, new).encode(), source=name, now=NOW)
    assert {p.rule for p in problems} == {rule}, [str(p) for p in problems]


def test_the_corpus_is_big_enough() -> None:
    assert len(VALID) >= 5 and len(BROKEN) >= 10
