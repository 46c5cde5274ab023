"""validate_feed rejects each broken rule and accepts our feeds; fetch_feed reads files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show

from feeds.errors import FeedUnreadable
from feeds.rss import render_feed
from feeds.validate import RULES, Problem, fetch_feed, validate_feed

NOW = datetime(2030, 1, 1, tzinfo=UTC)
GOOD = render_feed(show(), [episode(1), episode(2)], feed_url=FEED_URL, base_url=BASE_URL)
ITEM1 = "ep-002-ab02"  # the newest item comes first


def rules(xml: bytes) -> set[str]:
    return {p.rule for p in validate_feed(xml, source="feed.xml", now=NOW)}


def broken(old: str, new: str, count: int = 1) -> bytes:
    text = GOOD.decode()
    assert old in text, old
    return text.replace(old, new, count).encode()


def test_our_feed_passes() -> None:
    assert validate_feed(GOOD, source="feed.xml", now=NOW) == []


def test_problem_prints_one_line() -> None:
    problem = Problem("guid", "feed.xml: item 2 (x)", "guid missing")
    assert str(problem) == "feed.xml: item 2 (x): guid missing [guid]"


CASES = [
    # (rule, old, new)
    ("enclosure", 'length="1000002" ', ""),
    ("enclosure", 'length="1000002"', 'length="0"'),
    ("enclosure", f'url="{BASE_URL}media/{ITEM1}.mp3"', f'url="media/{ITEM1}.mp3"'),
    ("enclosure", 'type="audio/mpeg"', 'type="audio/ogg"'),
    ("enclosure", f"{ITEM1}.mp3", f"{ITEM1}.m4a"),
    ("enclosure-unique", "ep-001-ab01.mp3", "ep-002-ab02.mp3"),
    ("guid", "kotocast-0001-9a1c", "kotocast-0002-9a1c"),
    ("guid", '<guid isPermaLink="false">kotocast-0001-9a1c</guid>', ""),
    ("guid-permalink", ' isPermaLink="false">kotocast-0001', ">kotocast-0001"),
    ("pubdate", "<pubDate>Fri, 15 Mar 2024 06:00:00 +0000", "<pubDate>2024-03-15T06:00:00Z"),
    ("pubdate", "<pubDate>Fri, 15 Mar 2024 06:00:00 +0000", "<pubDate>March 15th, 2024"),
    ("pubdate", "<pubDate>Fri, 15 Mar 2024", "<pubDate>Thu, 15 Mar 2024"),
    ("pubdate", "<pubDate>Fri, 15 Mar 2024 06:00:00 +0000</pubDate>", ""),
    ("pubdate-future", "<pubDate>Fri, 15 Mar 2024", "<pubDate>Sat, 15 Mar 2031"),
    ("xml-well-formed", "Äiti, isä &amp; &lt;lapsi&gt;", "Äiti, isä & <lapsi>"),
    ("xml-well-formed", "<rss ", '<!DOCTYPE rss [<!ENTITY x "y">]><rss '),
    ("xml-encoding", 'encoding="UTF-8"', 'encoding="ISO-8859-1"'),
    ("podcast-guid", "917393e3-1b1e-5cef-ace4-edaa54e1f810", "not-a-guid"),
    (
        "podcast-guid",
        "917393e3-1b1e-5cef-ace4-edaa54e1f810",
        "917393E3-1B1E-5CEF-ACE4-EDAA54E1F810",
    ),
    ("podcast-guid", "<podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>", ""),
    ("transcript", 'type="text/vtt"', 'type="text/x-vtt"'),
    ("transcript", f'url="{BASE_URL}media/ep-002.fi.vtt"', 'url="ep-002.fi.vtt"'),
    ("alternate-enclosure", 'length="900000" ', ""),
    ("alternate-enclosure", 'type="audio/x-m4a" ', ""),
    ("alternate-enclosure", '<podcast:source uri="' + BASE_URL + f'media/{ITEM1}.m4a"/>', ""),
    ("chapters", 'type="application/json+chapters"', 'type="application/json"'),
    (
        "explicit",
        "<itunes:explicit>false</itunes:explicit>",
        "<itunes:explicit>yes</itunes:explicit>",
    ),
    (
        "explicit",
        "<itunes:explicit>false</itunes:explicit>",
        "<itunes:explicit>clean</itunes:explicit>",
    ),
    ("explicit", "<itunes:explicit>false</itunes:explicit>", ""),
    ("channel-category", 'text="Society &amp; Culture"', 'text="Society and Culture"'),
    ("channel-category", 'text="Documentary"', 'text="Documentaries"'),
    ("channel-category", 'text="Society &amp; Culture"', 'text="Government"'),
    ("channel-image", 'cover-3f2a.jpg"', 'cover-3f2a.gif"'),
    ("channel-language", "<language>fi</language>", "<language>Finnish</language>"),
    ("channel-language", "<language>fi</language>", ""),
    ("channel-title", '<title>Kotoutumisen ääniä &amp; &lt;muuta&gt; "podcast"</title>', ""),
    ("item-title", "<title>Jakso 2: Äiti, isä &amp; &lt;lapsi&gt; — مرحبا 🎙️</title>", "<title/>"),
    ("channel-type", "<itunes:type>episodic", "<itunes:type>weekly"),
    ("duration", "<itunes:duration>1802", "<itunes:duration>30:2"),
    ("duration", "<itunes:duration>1802", "<itunes:duration>1802.4"),
    ("duration", "<itunes:duration>1802", "<itunes:duration>30 min"),
    ("language-tag", 'language="ar" rel', 'language="suomi!" rel'),
    ("language-tag", 'language="ar" rel', 'language="arabic" rel'),
    ("double-escape", "Äiti, isä &amp; &lt;lapsi&gt;", "Äiti, isä &amp;amp; &lt;lapsi&gt;"),
    ("double-escape", "<li>kohta 1</li>", "<li>kohta &amp;amp; 1</li>"),
    ("person", 'role="guest" group="cast"', 'role="guest" group="crew"'),
    ("person", 'role="guest" group="cast"', 'role="producer" group="cast"'),
    ("person", 'role="guest" group="cast"', 'role="gest"'),
    (
        "episode-number-unique",
        "<itunes:episode>2</itunes:episode>",
        "<itunes:episode>1</itunes:episode>",
    ),
    (
        "funding",
        "<podcast:txt>",
        '<podcast:funding url="tuki.html">Tue</podcast:funding><podcast:txt>',
    ),
    ("txt", "<podcast:txt>", '<podcast:txt purpose="">'),
    (
        "remote-item",
        "<podcast:txt>",
        '<podcast:podroll><podcast:remoteItem feedGuid="x"/></podcast:podroll><podcast:txt>',
    ),
    ("update-frequency", 'rrule="FREQ=WEEKLY"', 'rrule="every monday"'),
    (
        "license",
        "<podcast:txt>",
        '<podcast:license url="cc.html">cc-by-4.0</podcast:license><podcast:txt>',
    ),
    ("hub-link", "<podcast:txt>", '<atom:link rel="hub" href="/hub"/><podcast:txt>'),
    (
        "location",
        "<podcast:soundbite",
        '<podcast:location geo="geo:60.1,24.9"> </podcast:location><podcast:soundbite',
    ),
    ("season-episode", "<itunes:episode>2</itunes:episode>", "<itunes:episode>-2</itunes:episode>"),
    (
        "season-episode",
        "<podcast:season>1</podcast:season>",
        "<podcast:season>one</podcast:season>",
    ),
    ("episode-type", "<itunes:episodeType>full", "<itunes:episodeType>teaser"),
    ("description-html", "<li>kohta 1</li>", "<li><b>kohta</b> 1</li>"),
    ("description-html", "<li>kohta 1</li>", '<li><a href="javascript:x()">1</a></li>'),
    (
        "namespace",
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
        'xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"',
    ),
    ("self-link", 'rel="self"', 'rel="related"'),
    ("podcast-locked", ">yes</podcast:locked>", ">true</podcast:locked>"),
    ("podcast-medium", "<podcast:medium>podcast", "<podcast:medium>radio"),
    ("medium-video", "<podcast:medium>podcast", "<podcast:medium>video"),
    ("soundbite", 'startTime="60"', 'startTime="1:00"'),
    (
        "new-feed-url",
        "<itunes:type>",
        "<itunes:new-feed-url>feed.xml</itunes:new-feed-url><itunes:type>",
    ),
    ("rss-root", 'version="2.0"', 'version="0.91"'),
    (
        "trailer",
        "<podcast:txt>",
        '<podcast:trailer url="t.mp3" pubdate="Mon, 26 Feb 2024 05:00:00 +0000">T'
        "</podcast:trailer><podcast:txt>",
    ),
    (
        "trailer",
        "<podcast:txt>",
        '<podcast:trailer url="https://x.org/t.mp3" pubdate="2024-02-26">T'
        "</podcast:trailer><podcast:txt>",
    ),
    ("images", "<podcast:txt>", '<podcast:images srcset="cover.jpg 600w"/><podcast:txt>'),
    (
        "images",
        "<podcast:soundbite",
        '<podcast:images srcset="https://x.org/a.jpg 600"/><podcast:soundbite',
    ),
]


@pytest.mark.parametrize(
    ("rule", "old", "new"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_broken_rule_is_reported(rule: str, old: str, new: str) -> None:
    assert rule in RULES
    assert rule in rules(broken(old, new))


def test_channel_description_limit_is_in_bytes() -> None:
    long = "ä" * 2100  # 2100 characters, 4200 bytes
    xml = render_feed(show(description=long), [], feed_url=FEED_URL, base_url=BASE_URL)
    assert "channel-description" in rules(xml)


def test_podcast_guid_hashed_with_scheme_is_wrong_but_a_moved_feed_is_fine() -> None:
    import uuid

    from feeds.guid import PODCAST_GUID_NAMESPACE

    with_scheme = str(uuid.uuid5(PODCAST_GUID_NAMESPACE, FEED_URL))
    xml = render_feed(show(podcast_guid=with_scheme), [], feed_url=FEED_URL, base_url=BASE_URL)
    problems = validate_feed(xml, source="f", now=NOW)
    assert [p.rule for p in problems] == ["podcast-guid"]
    assert "scheme" in problems[0].message
    moved = render_feed(show(), [], feed_url="https://elsewhere.example/rss", base_url=BASE_URL)
    assert validate_feed(moved, source="f", now=NOW) == []


@pytest.mark.parametrize("duration", ["1802", "30:02", "0:30:02", "00:30:02", "130:02", "5"])
def test_durations_apple_accepts_pass(duration: str) -> None:
    assert rules(broken("<itunes:duration>1802", f"<itunes:duration>{duration}")) == set()


@pytest.mark.parametrize(
    "tag", ["fi", "sv-FI", "zh-Hant-TW", "fa-AF", "ckb", "x-klingon", "es-419"]
)
def test_bcp47_tags_pass(tag: str) -> None:
    assert rules(broken('language="ar" rel', f'language="{tag}" rel')) == set()


def test_person_roles_are_case_insensitive_and_may_omit_the_group() -> None:
    xml = broken(
        'role="guest" group="cast"', 'role="Executive Producer" group="Creative Direction"'
    )
    assert rules(xml) == set()
    assert rules(broken('role="guest" group="cast"', 'role="Guest"')) == set()
    # person.md: a missing group means "cast", and a producer is not in Cast.
    assert rules(broken('role="guest" group="cast"', 'role="PRODUCER"')) == {"person"}


def test_serial_shows_need_episode_numbers() -> None:
    xml = broken("<itunes:type>episodic", "<itunes:type>serial").decode()
    assert rules(xml.encode()) == set()
    assert "serial-episodes" in rules(
        xml.replace("<itunes:episode>2</itunes:episode>", "").encode()
    )
    # Trailers and bonus episodes need no number, in serial shows too.
    trailer = xml.replace("<itunes:episode>2</itunes:episode>", "").replace(
        "<podcast:episode>2</podcast:episode>", ""
    )
    trailer = trailer.replace("<itunes:episodeType>full", "<itunes:episodeType>trailer", 1)
    assert rules(trailer.encode()) == set()
    empty = render_feed(show(show_type="serial"), [], feed_url=FEED_URL, base_url=BASE_URL)
    assert rules(empty) == {"serial-episodes"}


def test_every_rule_has_a_case() -> None:
    covered = {c[0] for c in CASES} | {"channel-description", "serial-episodes"}
    assert covered == set(RULES)


def test_problems_name_the_item() -> None:
    problems = validate_feed(broken('length="1000002" ', ""), source="feed.xml", now=NOW)
    assert [str(p) for p in problems] == [
        "feed.xml: item 1 (kotocast-0002-9a1c): enclosure length missing [enclosure]"
    ]


def test_fetch_feed_reads_files_and_reports_failures(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(GOOD)
    assert fetch_feed(str(path)) == GOOD
    with pytest.raises(FeedUnreadable, match=r"missing\.xml"):
        fetch_feed(str(tmp_path / "missing.xml"))
    with pytest.raises(FeedUnreadable, match="larger"):
        fetch_feed(str(path), max_bytes=10)
    with pytest.raises(FeedUnreadable, match="only files"):
        fetch_feed("ftp://example.com/feed.xml")
