"""The producer's path end to end: init, add, publish; read back by podcast-app parsers."""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from episodes.catalog import load_episode, save_episode
from tests.mediagen import measure_ebur128

from .conftest import Run

pytestmark = pytest.mark.slow

TITLE = "Työnhaku ja kielitaito – äidinkieli & <suomi>"


def _feed(show: Path) -> bytes:
    return (show / "public" / "feed.xml").read_bytes()


@pytest.mark.parametrize("source", ["quiet.wav", "hot.wav"])
def test_add_then_publish_levels_tags_and_lists_the_episode(
    show: Path, run: Run, media_dir: Path, source: str
) -> None:
    src = media_dir / source
    src_hash = hashlib.sha256(src.read_bytes()).hexdigest()
    added = run(
        "add",
        src,
        "--title",
        TITLE,
        "--description",
        "Vieraana **työvalmentaja**.",
        "--slug",
        "tyonhaku",
        "--publish-at",
        "2026-11-01T09:00:00+02:00",
    )
    assert added.code == 0, added.err
    assert hashlib.sha256(src.read_bytes()).hexdigest() == src_hash  # source untouched

    published = run("publish", "--now", "2026-11-02T00:00:00Z")
    assert published.code == 0, published.err
    assert "1 episodes in feed" in published.out

    episode = load_episode(show, "tyonhaku")
    assert episode.media is not None
    mp3 = show / "public" / episode.media.key
    assert mp3.is_file() and mp3.stat().st_size == episode.media.size_bytes

    # Loudness measured independently on the published file.
    integrated, peak = measure_ebur128(mp3)
    assert abs(integrated - -16.0) <= 0.5, integrated
    assert peak <= -1.0, peak

    # Tags read back with mutagen: ID3v2.3 with cover art.
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == TITLE
    assert str(tags["TALB"]) == "Kotona Suomessa"
    assert str(tags["TPE1"]) == "Kotoutumishanke"
    assert str(tags["TRCK"]).split("/")[0] == "1"
    assert tags.getall("APIC") and tags.getall("APIC")[0].data[:3] == b"\xff\xd8\xff"
    assert abs(MP3(mp3).info.bitrate - 128000) < 1000  # CBR 128k

    # The feed, read back by two real podcast-app parsers.
    xml = _feed(show)
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.bozo_exception
    entry = parsed.entries[0]
    assert entry.title == TITLE
    assert entry.id == episode.guid
    enclosure = entry.enclosures[0]
    url = f"https://media.example.org/kotona/{episode.media.key}"
    assert enclosure.href == url
    assert int(enclosure.length) == episode.media.size_bytes
    assert enclosure.type == "audio/mpeg"
    assert entry.published_parsed[:6] == (2026, 11, 1, 7, 0, 0)

    gpodder = podcastparser.parse(
        "https://media.example.org/kotona/feed.xml", __import__("io").BytesIO(xml)
    )
    item = gpodder["episodes"][0]
    assert item["title"] == TITLE
    assert item["guid"] == episode.guid
    assert item["enclosures"][0]["url"] == url
    assert item["enclosures"][0]["file_size"] == episode.media.size_bytes
    assert item["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert item["total_time"] == round(episode.media.duration_s or 0)
    assert item["published"] == int(datetime(2026, 11, 1, 7, tzinfo=UTC).timestamp())
    assert gpodder["title"] == "Kotona Suomessa"

    pub_date = re.search(rb"<pubDate>([^<]+)</pubDate>", xml).group(1).decode()  # type: ignore[union-attr]
    assert pub_date == "Sun, 01 Nov 2026 07:00:00 +0000"
    assert email.utils.parsedate_to_datetime(pub_date) == datetime(2026, 11, 1, 7, tzinfo=UTC)


def test_scheduled_release_and_idempotent_republish(show: Path, run: Run, media_dir: Path) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Jakso yksi",
            "--slug",
            "yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Jakso kaksi",
            "--slug",
            "kaksi",
            "--publish-at",
            "2026-12-01T09:00:00+02:00",
        ).code
        == 0
    )
    before = run("publish", "--now", "2026-12-01T06:59:59Z")
    assert before.code == 0, before.err
    assert b"Jakso kaksi" not in _feed(show)
    assert "next release 2026-12-01T09:00:00+02:00" in before.out
    status = run("status", "--now", "2026-12-01T06:59:59Z", "--json")
    states = {e["slug"]: e["state"] for e in json.loads(status.out)["episodes"]}
    assert states == {"yksi": "published", "kaksi": "scheduled"}

    due = run("publish", "--now", "2026-12-01T07:00:00Z", "--json")
    assert due.code == 0, due.err
    report = json.loads(due.out)
    assert report["newly_released"] == ["kaksi"]
    assert b"Jakso kaksi" in _feed(show)
    first = _feed(show)

    again = run("publish", "--now", "2026-12-01T07:05:00Z", "--json")
    assert again.code == 0
    assert json.loads(again.out)["changed"] is False
    assert json.loads(again.out)["uploaded"] == []
    assert _feed(show) == first


def test_editing_a_title_keeps_guid_and_enclosure(show: Path, run: Run, media_dir: Path) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Vanha nimi",
            "--slug",
            "yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    old = feedparser.parse(_feed(show)).entries[0]
    path = show / "episodes" / "yksi.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Vanha nimi", "Uusi nimi"), encoding="utf-8"
    )
    assert run("publish", "--now", "2026-11-02T00:10:00Z").code == 0
    new = feedparser.parse(_feed(show)).entries[0]
    assert new.title == "Uusi nimi"
    assert new.id == old.id
    assert new.enclosures[0].href == old.enclosures[0].href


def test_tampering_with_a_published_guid_is_refused(show: Path, run: Run, media_dir: Path) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Yksi",
            "--slug",
            "yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    live = _feed(show)
    episode = load_episode(show, "yksi")
    from dataclasses import replace

    save_episode(show, replace(episode, guid="urn:uuid:00000000-0000-4000-8000-000000000000"))
    refused = run("publish", "--now", "2026-11-02T00:10:00Z")
    assert refused.code == 3
    assert refused.err.startswith("kotocast: error: ")
    assert episode.guid in refused.err
    assert _feed(show) == live

    # Withdrawing on purpose is the explicit way to remove an episode.
    save_episode(show, episode)
    assert run("unpublish", "yksi").code == 0
    assert run("publish", "--now", "2026-11-02T00:20:00Z").code == 0
    assert episode.guid.encode() not in _feed(show)


def test_podcast_guid_is_recorded_once_and_survives_a_move(
    show: Path, run: Run, media_dir: Path
) -> None:
    from episodes.show import load_show
    from feeds.guid import podcast_guid

    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    guid = load_show(show).podcast_guid
    assert guid == podcast_guid("https://media.example.org/kotona/feed.xml")
    config = show / "kotocast.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "https://media.example.org/kotona/", "https://cdn.example.net/kotona/"
        ),
        encoding="utf-8",
    )
    assert run("publish", "--now", "2026-11-02T00:10:00Z").code == 0
    assert load_show(show).podcast_guid == guid
    assert f"<podcast:guid>{guid}</podcast:guid>".encode() in _feed(show)


def test_status_and_validate(show: Path, run: Run, media_dir: Path) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Yksi",
            "--slug",
            "yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    table = run("status", "--now", "2026-10-01T00:00:00Z")
    assert table.code == 0
    # Local time in the show's zone, with its offset (09:00+02:00 is not shown as 07:00).
    assert re.search(r"yksi\s+Yksi\s+scheduled\s+2026-11-01 09:00 \+02:00", table.out)
    assert "next release: 2026-11-01 09:00 +02:00 (Europe/Helsinki)" in table.out
    ok = run("validate", "--now", "2026-11-02T00:00:00Z")
    assert ok.code == 0, ok.out + ok.err
    assert ok.out.strip().endswith(": valid")
    broken = show / "broken.xml"
    broken.write_text("<rss version='2.0'><channel><title>x</title></channel></rss>")
    bad = run("validate", broken)
    assert bad.code == 1
    assert all(line.startswith(str(broken)) for line in bad.out.strip().splitlines())
