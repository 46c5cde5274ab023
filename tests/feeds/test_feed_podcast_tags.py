"""Every Podcast Index tag beyond the basics, read back by four real parsers.

The golden ``podcasting-2-tags`` catalog is rendered and parsed by podcast-partytime (the
Podcast Index's own parser) and feedsmith (both run with node from ``tests/feeds/node``),
feedparser (which keeps only the last of a repeated tag) and podcastparser (which reads
none of these tags, but must still read every episode).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
from feedfactory import BASE_URL, FEED_URL, episode, show
from test_feed_golden import GOLDEN, load_catalog

from feeds.podcast_tags import (
    ChannelTags,
    Funding,
    derived_update_frequency,
    update_frequency_label,
)
from feeds.rss import render_feed
from feeds.validate import validate_feed

NODE_DIR = Path(__file__).parent / "node"
AMIF = "https://home-affairs.ec.europa.eu/funding/asylum-migration-and-integration-funds_en"
SV_GUID = "a5f3c3c0-2b3a-5d27-9f3f-6c2a8f0e5b11"
ITEM_GUID = "urn:uuid:3465c53d-7ed3-45f3-8332-ed8ce7a207c2"


def dump(xml: bytes) -> dict[str, Any]:
    """Return {"partytime": ..., "feedsmith": ...} for ``xml`` (node script dump-feed.js)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run podcast-partytime and feedsmith")
    for package in ("podcast-partytime", "feedsmith"):
        if not (NODE_DIR / "node_modules" / package).is_dir():
            pytest.fail(f"{package} missing: run 'npm ci --prefix {NODE_DIR}'")
    done = subprocess.run(
        [node, str(NODE_DIR / "dump-feed.js")], input=xml, capture_output=True, check=True
    )
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def xml() -> bytes:
    the_show, episodes, render = load_catalog(GOLDEN / "podcasting-2-tags.toml")
    return render_feed(the_show, episodes, **render)


@pytest.fixture(scope="module")
def parsed(xml: bytes) -> dict[str, Any]:
    return dump(xml)


def test_the_feed_is_valid(xml: bytes) -> None:
    assert validate_feed(xml, source="podcasting-2-tags") == []


def test_funding(parsed: dict[str, Any]) -> None:
    funding = [(f["url"], f["message"][-6:]) for f in parsed["partytime"]["podcastFunding"]]
    assert funding == [(AMIF, "(AMIF)"), ("https://www.rakennerahastot.fi/", "(ESR+)")]
    assert [f["url"] for f in parsed["feedsmith"]["podcast"]["fundings"]] == [
        AMIF,
        "https://www.rakennerahastot.fi/",
    ]


def test_podroll_and_remote_items(parsed: dict[str, Any]) -> None:
    want = [
        {"feedGuid": SV_GUID, "feedUrl": "https://media.example.org/kotona/feeds/sv.xml"},
        {"feedGuid": "917393e3-1b1e-5cef-ace4-edaa54e1f810", "medium": "podcast"},
    ]
    assert parsed["partytime"]["podroll"] == want
    assert parsed["feedsmith"]["podcast"]["podroll"]["remoteItems"] == want


def test_txt_with_apples_verification_purpose(parsed: dict[str, Any]) -> None:
    assert parsed["partytime"]["podcastTxt"][0] == {
        "value": "S6lpp-7ZCn8-dZfGc-OoyVG",
        "purpose": "applepodcastsverify",
    }
    assert parsed["feedsmith"]["podcast"]["txts"][0]["purpose"] == "applepodcastsverify"
    assert len(parsed["partytime"]["podcastTxt"]) == 2


def test_license_location_images(parsed: dict[str, Any]) -> None:
    pt, fs = parsed["partytime"], parsed["feedsmith"]["podcast"]
    assert pt["license"] == {
        "identifier": "cc-by-4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert fs["license"]["display"] == "cc-by-4.0"
    assert pt["podcastLocation"] == {
        "name": "Helsinki",
        "osm": "R34914",
        "geo": "geo:60.1699,24.9384",
    }
    assert [i["parsed"]["width"] for i in pt["podcastImages"]] == [600, 3000]
    assert [i["width"] for i in fs["images"]] == [600, 3000]


def test_update_frequency(parsed: dict[str, Any]) -> None:
    # podcast-partytime 5.0.0 does not read updateFrequency; feedsmith and feedparser do.
    assert parsed["feedsmith"]["podcast"]["updateFrequency"] == {
        "display": "Weekly",
        "rrule": "FREQ=WEEKLY;BYDAY=MO",
    }


def test_trailer_on_the_channel_and_without_number(parsed: dict[str, Any]) -> None:
    (trailer,) = parsed["partytime"]["trailers"]
    assert trailer == {
        "title": "Traileri: Kotona Suomessa",
        "url": "https://media.example.org/kotona/media/traileri-0a0b.mp3",
        "pubdate": "2024-02-26T05:00:00.000Z",
        "type": "audio/mpeg",
        "length": 960000,
        "season": 1,
    }
    items = {i["guid"]: i for i in parsed["partytime"]["items"]}
    assert "itunesEpisode" not in items["urn:uuid:0d1b2c3a-0000-4000-8000-000000000001"]
    assert "itunesEpisode" not in items["urn:uuid:0d1b2c3a-0000-4000-8000-000000000003"]
    assert items[ITEM_GUID]["itunesEpisode"] == 1
    assert len(parsed["feedsmith"]["podcast"]["trailers"]) == 1


def test_season_names(parsed: dict[str, Any]) -> None:
    assert parsed["partytime"]["podcastSeasons"] == {
        "1": {"number": 1, "name": "Ensimmäinen syksy"}
    }
    for item in parsed["feedsmith"]["items"]:
        assert item["podcast"]["season"] == {"number": 1, "name": "Ensimmäinen syksy"}


def test_websub_hub(parsed: dict[str, Any], xml: bytes) -> None:
    assert parsed["partytime"]["pubsub"] == {
        "self": "https://media.example.org/kotona/feeds/fi.xml",
        "hub": "https://pubsubhubbub.appspot.com/",
    }
    links = feedparser.parse(xml).feed.links
    assert [link.href for link in links if link.rel == "hub"] == [
        "https://pubsubhubbub.appspot.com/"
    ]


def test_persons_in_taxonomy_groups(parsed: dict[str, Any]) -> None:
    item = next(i for i in parsed["partytime"]["items"] if i["guid"] == ITEM_GUID)
    assert [(p["name"], p["role"], p["group"]) for p in item["podcastPeople"]] == [
        ("Aino Koskinen", "Host", "Cast"),
        ("Eero Virtanen", "Executive Producer", "Creative Direction"),
        ("Omar Ali", "Guest", "Cast"),
        ("Pia Producer", "Producer", "Creative Direction"),
    ]


def test_item_location_license_images_and_aac_rendition(parsed: dict[str, Any]) -> None:
    item = next(i for i in parsed["partytime"]["items"] if i["guid"] == ITEM_GUID)
    assert item["podcastLocation"] == {
        "name": "Tampereen pääkirjasto Metso",
        "geo": "geo:61.4951,23.7606",
    }
    assert item["license"]["identifier"] == "cc-by-sa-4.0"
    (aac,) = item["alternativeEnclosures"]
    assert (aac["lang"], aac["title"], aac["type"], aac["length"]) == (
        "fi",
        "AAC 96 kbps",
        "audio/x-m4a",
        21_000_000,
    )
    smith = next(i for i in parsed["feedsmith"]["items"] if i["guid"]["value"] == ITEM_GUID)
    assert smith["podcast"]["locations"][0]["rel"] == "subject"
    assert smith["podcast"]["alternateEnclosures"][0]["lang"] == "fi"


def test_last_build_date_is_the_last_change_not_the_newest_episode(
    parsed: dict[str, Any], xml: bytes
) -> None:
    assert parsed["partytime"]["lastBuildDate"] == "2024-03-20T12:05:00.000Z"
    assert feedparser.parse(xml).feed.updated == "Wed, 20 Mar 2024 12:05:00 +0000"


def test_feedparser_and_podcastparser_still_read_every_episode(xml: bytes) -> None:
    feed = feedparser.parse(xml)
    assert not feed.bozo
    assert feed.feed.podcast_txt  # feedparser keeps the last of a repeated tag
    assert feed.feed.podcast_remoteitem["feedguid"] == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert len(feed.entries) == 3
    episodes = podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"]
    # podcastparser lists a serial show oldest first.
    assert sorted((e["type"], e.get("number") or 0) for e in episodes) == [
        ("bonus", 0),
        ("full", 1),
        ("trailer", 0),
    ]


def test_without_tags_nothing_new_is_written() -> None:
    xml = render_feed(show(), [episode(1)], feed_url=FEED_URL, base_url=BASE_URL)
    for tag in (b"funding", b"podroll", b"license", b"location", b'rel="hub"', b"trailer"):
        assert tag not in xml


def test_funding_text_is_cut_to_128_characters() -> None:
    tags = ChannelTags(funding=(Funding("https://example.org/", "x" * 300),))
    xml = render_feed(show(), [], feed_url=FEED_URL, base_url=BASE_URL, tags=tags)
    assert b">" + b"x" * 128 + b"</podcast:funding>" in xml
    assert validate_feed(xml, source="f") == []


HELSINKI = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("days", "weekday_fixed", "want"),
    [
        (7, True, "FREQ=WEEKLY;BYDAY=MO"),
        (14, True, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        (1, False, "FREQ=DAILY"),
        (30, False, "FREQ=MONTHLY"),
        (45, False, None),
    ],
)
def test_update_frequency_from_the_schedule(days: int, weekday_fixed: bool, want: str) -> None:
    start = datetime(2024, 1, 1, 9, 0, tzinfo=HELSINKI)  # a Monday
    times = [start + timedelta(days=days * n) for n in range(6)]
    assert derived_update_frequency(times) == want


def test_update_frequency_needs_three_releases() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert derived_update_frequency([now, now + timedelta(days=7)]) is None


def test_update_frequency_labels() -> None:
    assert update_frequency_label("FREQ=WEEKLY;BYDAY=MO") == "Weekly"
    assert update_frequency_label("FREQ=WEEKLY;INTERVAL=2") == "Biweekly"
    assert update_frequency_label("FREQ=DAILY") == "Daily"


def _settings_show(**podcasting: Any) -> Any:
    from episodes.podcasting import Notify, Podcasting

    notify = podcasting.pop("notify", Notify())
    return show(podcasting=Podcasting(notify=notify, **podcasting))


def test_show_settings_from_kotocast_toml_are_written() -> None:
    from episodes.podcasting import Funding as F
    from episodes.podcasting import License, Location, Notify

    the_show = _settings_show(
        funding=(F("https://example.org/amif", "AMIF"),),
        license=License("cc-by-4.0"),
        location=Location("Helsinki"),
        apple_podcasts_verify="S6lpp-7ZCn8",
        season_names={1: "Syksy"},
        notify=Notify(websub_hubs=("https://hub.example.net/",)),
    )
    xml = render_feed(the_show, [episode(1)], feed_url=FEED_URL, base_url=BASE_URL)
    pt = dump(xml)["partytime"]
    assert pt["podcastFunding"] == [{"message": "AMIF", "url": "https://example.org/amif"}]
    assert pt["license"]["identifier"] == "cc-by-4.0"
    assert pt["podcastLocation"] == {"name": "Helsinki"}
    assert {"value": "S6lpp-7ZCn8", "purpose": "applepodcastsverify"} in pt["podcastTxt"]
    assert pt["pubsub"]["hub"] == "https://hub.example.net/"
    assert pt["podcastSeasons"]["1"]["name"] == "Syksy"
    assert validate_feed(xml, source="f") == []


def test_language_feeds_link_each_other_in_the_podroll() -> None:
    from feeds.guid import podcast_guid

    the_show = _settings_show(podroll_own_feeds=True)
    sv = "https://cdn.example.fi/kotocast/feeds/sv.xml"
    xml = render_feed(
        the_show, [episode(1)], feed_url=FEED_URL, base_url=BASE_URL, alternate_feeds={"sv": sv}
    )
    parsed = dump(xml)
    assert parsed["partytime"]["podroll"] == [{"feedGuid": podcast_guid(sv), "feedUrl": sv}]
    off = render_feed(
        show(), [episode(1)], feed_url=FEED_URL, base_url=BASE_URL, alternate_feeds={"sv": sv}
    )
    assert b"podroll" not in off  # kotocast 0.1 workspaces publish what they did


def test_update_frequency_auto_follows_the_schedule() -> None:
    episodes = [episode(n) for n in range(1, 6)]  # weekly, Fridays (Helsinki time)
    xml = render_feed(show(update_frequency="auto"), episodes, feed_url=FEED_URL, base_url=BASE_URL)
    assert b'<podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=FR">Weekly<' in xml
    few = render_feed(
        show(update_frequency="auto"), episodes[:2], feed_url=FEED_URL, base_url=BASE_URL
    )
    assert b"updateFrequency" not in few


def test_enclosure_prefix_wraps_only_the_enclosure() -> None:
    prefix = "https://op3.dev/e,pg=917393e3-1b1e-5cef-ace4-edaa54e1f810/"
    xml = render_feed(
        _settings_show(enclosure_prefix=prefix), [episode(1)], feed_url=FEED_URL, base_url=BASE_URL
    )
    item = dump(xml)["partytime"]["items"][0]
    assert item["enclosure"]["url"] == prefix + "cdn.example.fi/kotocast/media/ep-001-ab01.mp3"
    assert validate_feed(xml, source="f") == []


def test_episode_location_and_license_from_the_episode_file(tmp_path: Any) -> None:
    from episodes.podcasting import License, Location
    from episodes.schema import VARIANT_FIELDS, Where, read_fields, write_fields

    ep = episode(1).with_variant(
        location=Location("Oodi", "geo:60.1738,24.9378", rel="subject"),
        license=License("cc-by-sa-4.0"),
    )
    # The episode file keeps both (schema table), and the feed writes both.
    table = write_fields(VARIANT_FIELDS, ep.main)
    assert table["location"] == {"name": "Oodi", "geo": "geo:60.1738,24.9378", "rel": "subject"}
    back = read_fields(VARIANT_FIELDS, table, Where(tmp_path / "x.toml"))
    assert back["location"] == ep.main.location and back["license"] == ep.main.license
    xml = render_feed(show(), [ep], feed_url=FEED_URL, base_url=BASE_URL)
    item = dump(xml)["partytime"]["items"][0]
    assert item["podcastLocation"] == {"name": "Oodi", "geo": "geo:60.1738,24.9378"}
    assert item["license"]["identifier"] == "cc-by-sa-4.0"
    assert validate_feed(xml, source="f") == []
