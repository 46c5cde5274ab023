# ruff: noqa: E501  (a feed as another host writes it: long lines are part of the data)
"""Import round trip at the feed level: a feed rich in every tag, written the way another
host writes it, is parsed, rendered by kotocast on the same host, and parsed again: every
value comes back identical (guids, podcast:guid, titles, dates with their offsets, artwork,
persons, chapters, transcripts of several formats and languages, soundbites, alternate
enclosures, funding, podroll, txt, license, location, updateFrequency, hub).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from episodes.model import Asset, Episode, Show, Transcript
from feeds.parse import ForeignFeed, ForeignItem, parse_feed
from feeds.podcast_tags import ChannelTags, ItemTags
from feeds.rss import render_feed
from feeds.validate import validate_feed

BASE = "https://cdn.example.org/kotona/"
FEED = BASE + "feed.xml"

RICH = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom"
 xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>Kotona Suomessa &amp; Ruotsissa</title>
<link>https://example.org/kotona</link>
<description><![CDATA[<p>Haastatteluja <a href="https://example.org/">kotoutumisesta</a>.</p>]]></description>
<language>fi</language>
<copyright>© 2024 Hanke</copyright>
<atom:link href="{FEED}" rel="self" type="application/rss+xml"/>
<atom:link href="https://websub.example.net/" rel="hub"/>
<itunes:author>Kotoutumishanke</itunes:author>
<itunes:owner><itunes:name>Kotoutumishanke</itunes:name><itunes:email>podcast@example.org</itunes:email></itunes:owner>
<itunes:image href="{BASE}art/show.jpg"/>
<itunes:category text="Society &amp; Culture"><itunes:category text="Documentary"/></itunes:category>
<itunes:explicit>false</itunes:explicit>
<itunes:type>episodic</itunes:type>
<podcast:guid>1480635d-2641-5ca1-989c-7d5eedbf4d59</podcast:guid>
<podcast:locked owner="podcast@example.org">yes</podcast:locked>
<podcast:person role="host" group="cast" href="https://example.org/aino">Aino Koskinen</podcast:person>
<podcast:person role="producer" group="creative direction">Pia Tuottaja</podcast:person>
<podcast:funding url="https://example.org/amif">AMIF</podcast:funding>
<podcast:funding url="https://example.org/esf">ESR+</podcast:funding>
<podcast:txt purpose="applepodcastsverify">abc-123</podcast:txt>
<podcast:license url="https://creativecommons.org/licenses/by/4.0/">cc-by-4.0</podcast:license>
<podcast:location geo="geo:60.17,24.94" osm="R34914">Helsinki</podcast:location>
<podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=MO">Weekly</podcast:updateFrequency>
<podcast:podroll><podcast:remoteItem feedGuid="917393e3-1b1e-5cef-ace4-edaa54e1f810" feedUrl="https://example.org/sv.xml"/></podcast:podroll>
<item>
<title>Työnhaku &amp; kielitaito</title>
<description><![CDATA[<p>Miten työtä haetaan?</p><ul><li>CV</li><li>haastattelu</li></ul>]]></description>
<guid isPermaLink="false">urn:uuid:3465c53d-7ed3-45f3-8332-ed8ce7a207c2</guid>
<pubDate>Mon, 04 Mar 2024 09:00:00 +0200</pubDate>
<enclosure url="{BASE}media/tyonhaku.mp3" length="28800000" type="audio/mpeg"/>
<itunes:duration>1800</itunes:duration>
<itunes:image href="{BASE}art/tyonhaku.jpg"/>
<itunes:season>1</itunes:season>
<itunes:episode>2</itunes:episode>
<itunes:episodeType>full</itunes:episodeType>
<podcast:transcript url="{BASE}t/tyonhaku.fi.vtt" type="text/vtt" language="fi" rel="captions"/>
<podcast:transcript url="{BASE}t/tyonhaku.fi.srt" type="application/x-subrip" language="fi"/>
<podcast:transcript url="{BASE}t/tyonhaku.fi.json" type="application/json" language="fi"/>
<podcast:transcript url="{BASE}t/tyonhaku.ar.vtt" type="text/vtt" language="ar" rel="captions"/>
<podcast:chapters url="{BASE}media/tyonhaku.chapters.json" type="application/json+chapters"/>
<podcast:person role="host" group="cast" href="https://example.org/aino">Aino Koskinen</podcast:person>
<podcast:person role="guest" group="cast" img="https://example.org/omar.jpg">Omar Ali</podcast:person>
<podcast:soundbite startTime="73.5" duration="42">Ensimmäinen työpäivä</podcast:soundbite>
<podcast:soundbite startTime="900" duration="30"/>
<podcast:alternateEnclosure type="audio/mpeg" length="27000000" bitrate="128000" lang="sv" title="Svenska">
<podcast:source uri="{BASE}media/sv/jobbsokning.mp3"/>
<podcast:source uri="https://mirror.example.se/jobbsokning.mp3"/>
</podcast:alternateEnclosure>
<podcast:alternateEnclosure type="audio/x-m4a" length="21000000" bitrate="96000" lang="fi" title="AAC 96 kbps">
<podcast:source uri="{BASE}media/tyonhaku.m4a"/>
</podcast:alternateEnclosure>
<podcast:location rel="subject" geo="geo:61.49,23.76">Tampere</podcast:location>
<podcast:license>cc-by-sa-4.0</podcast:license>
</item>
<item>
<title>Traileri</title>
<guid isPermaLink="true">https://example.org/kotona/traileri</guid>
<pubDate>Sun, 25 Feb 2024 23:30:00 -0500</pubDate>
<enclosure url="{BASE}media/traileri.mp3" length="960000" type="audio/mpeg"/>
<itunes:duration>60</itunes:duration>
<itunes:episodeType>trailer</itunes:episodeType>
</item>
</channel>
</rss>
""".encode()


def _asset(url: str, mime: str, size: int = 1000, **kw: Any) -> Asset:
    key = unquote(urlsplit(url).path).removeprefix(urlsplit(BASE).path)
    return Asset(path=key, key=key, size_bytes=size, sha256="0" * 64, mime_type=mime, **kw)


def _episode(item: ForeignItem, slug: str) -> Episode:
    """What an import keeps of one item (the media stays where it is: same URLs)."""
    enclosure = item.enclosure
    return Episode.single(
        language="fi",
        slug=slug,
        guid=item.guid,
        title=item.title,
        description=item.description,
        publish_at=item.published_at,
        episode_type=item.episode_type,
        season=item.season,
        number=item.number,
        explicit=item.explicit,
        media=_asset(
            enclosure.url,
            enclosure.mime_type,
            enclosure.length_bytes or 1,
            duration_s=item.duration_s,
        ),
        image=_asset(item.image_url, "image/jpeg") if item.image_url else None,
        chapters_file=_asset(item.chapters_url, "application/json+chapters")
        if item.chapters_url
        else None,
        transcripts=tuple(
            Transcript(_asset(t.url, t.mime_type), t.language or "fi", t.rel)
            for t in item.transcripts
        ),
        persons=item.persons,
        soundbites=item.soundbites,
    )


def _republish(feed: ForeignFeed) -> bytes:
    foreign = feed.show
    show = Show(
        title=foreign.title,
        author=foreign.author or "",
        email=foreign.owner_email or "",
        language=foreign.language or "fi",
        description=foreign.description,
        category=foreign.category or "Society & Culture",
        subcategory=foreign.subcategory,
        explicit=bool(foreign.explicit),
        show_type=foreign.show_type,
        image=foreign.image_url,
        link=foreign.link,
        copyright=foreign.copyright,
        podcast_guid=foreign.podcast_guid,
        update_frequency=foreign.update_frequency,
        persons=foreign.persons,
    )
    episodes = [_episode(item, f"ep{i}") for i, item in enumerate(feed.items)]
    tags = ChannelTags(
        funding=foreign.funding,
        podroll=foreign.podroll,
        txt=foreign.txt,
        license=foreign.license,
        location=foreign.location,
        hubs=foreign.hubs,
    )
    return render_feed(
        show,
        episodes,
        feed_url=foreign.self_url or FEED,
        base_url=BASE,
        tags=tags,
        alternates={i.guid: i.alternates for i in feed.items},
        item_tags={i.guid: ItemTags(location=i.location, license=i.license) for i in feed.items},
        pubdate_offsets=True,
    )


def test_everything_comes_back_identical() -> None:
    theirs = parse_feed(RICH, source="theirs.xml")
    assert not theirs.skipped
    ours_xml = _republish(theirs)
    assert validate_feed(ours_xml, source="ours.xml") == []
    ours = parse_feed(ours_xml, source="ours.xml")
    assert ours.show == theirs.show
    # Items come back newest first, as both feeds list them; every field identical.
    assert ours.items == theirs.items


def test_the_rich_feed_really_is_rich() -> None:
    # Guard against a parse that silently returns defaults on both sides.
    feed = parse_feed(RICH, source="theirs.xml")
    show, item = feed.show, feed.items[0]
    assert (len(show.persons), len(show.funding), len(show.podroll), len(show.txt)) == (2, 2, 1, 1)
    assert show.persons[1].group == "creative direction"
    assert show.license is not None and show.location is not None and show.hubs
    assert show.update_frequency == "FREQ=WEEKLY;BYDAY=MO"
    assert item.published_at.utcoffset() is not None
    assert item.published_at.isoformat() == "2024-03-04T09:00:00+02:00"
    assert feed.items[1].published_at.isoformat() == "2024-02-25T23:30:00-05:00"
    assert [t.mime_type for t in item.transcripts] == [
        "text/vtt",
        "application/x-subrip",
        "application/json",
        "text/vtt",
    ]
    assert [(s.start_s, s.duration_s, s.title) for s in item.soundbites] == [
        (73.5, 42.0, "Ensimmäinen työpäivä"),
        (900.0, 30.0, None),
    ]
    assert item.alternates[0].sources[1] == "https://mirror.example.se/jobbsokning.mp3"
    assert (item.alternates[0].lang, item.alternates[0].title) == ("sv", "Svenska")
    assert item.image_url == BASE + "art/tyonhaku.jpg"
    assert item.location is not None and item.location.rel == "subject"


def test_offsets_are_utc_unless_asked() -> None:
    theirs = parse_feed(RICH, source="theirs.xml")
    show = Show(title="t", author="a", email="e@example.org", language="fi")
    episode = _episode(theirs.items[0], "x")
    utc = render_feed(show, [episode], feed_url=FEED, base_url=BASE)
    assert b"<pubDate>Mon, 04 Mar 2024 07:00:00 +0000</pubDate>" in utc
    kept = render_feed(show, [episode], feed_url=FEED, base_url=BASE, pubdate_offsets=True)
    assert b"<pubDate>Mon, 04 Mar 2024 09:00:00 +0200</pubDate>" in kept
    back = parse_feed(kept, source="k").items[0].published_at
    assert back == theirs.items[0].published_at
    assert back.utcoffset() == theirs.items[0].published_at.utcoffset()
