"""lastBuildDate = when the feed's content last changed, kept in the publish state."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.builddate import stamp_build_dates
from tests.pipeline.conftest import Run

FEED = (
    b"<rss><channel><title>T</title>"
    b"<lastBuildDate>Sun, 01 Nov 2026 07:00:00 +0000</lastBuildDate>"
    b"<item><title>Yksi</title></item></channel></rss>"
)
NOW = datetime(2026, 11, 5, 12, 30, tzinfo=UTC)


def test_first_publish_keeps_the_rendered_date() -> None:
    feeds = {"feed.xml": FEED}
    records = stamp_build_dates(feeds, {}, NOW)
    assert feeds["feed.xml"] == FEED
    assert records["feed.xml"]["date"] == "Sun, 01 Nov 2026 07:00:00 +0000"


def test_same_content_keeps_its_date_and_changed_content_gets_the_publish_time() -> None:
    feeds = {"feed.xml": FEED}
    records = stamp_build_dates(feeds, {}, NOW)
    # Later, same content: the recorded date even though the render said otherwise.
    rendered_later = FEED.replace(b"07:00:00", b"08:00:00")
    feeds = {"feed.xml": rendered_later}
    assert stamp_build_dates(feeds, records, NOW) == records
    assert feeds["feed.xml"] == FEED
    # An edited title: the moment of this publish.
    edited = {"feed.xml": FEED.replace(b"Yksi", b"Yksi (korjattu)")}
    new = stamp_build_dates(edited, records, NOW)
    assert new["feed.xml"]["date"] == "Thu, 05 Nov 2026 12:30:00 +0000"
    assert b"<lastBuildDate>Thu, 05 Nov 2026 12:30:00 +0000</lastBuildDate>" in edited["feed.xml"]


def test_an_empty_feed_has_no_build_date() -> None:
    feeds = {"feed.xml": b"<rss><channel><title>T</title></channel></rss>"}
    assert stamp_build_dates(feeds, {}, NOW) == {}


def _build_date(show: Path) -> str:
    xml = (show / "public" / "feed.xml").read_text(encoding="utf-8")
    match = re.search(r"<lastBuildDate>([^<]*)</lastBuildDate>", xml)
    assert match
    return match.group(1)


@pytest.mark.slow
def test_an_edited_title_moves_last_build_date(show: Path, run: Run, media_dir: Path) -> None:
    add = run(
        "add",
        media_dir / "quiet.wav",
        "--title",
        "Yksi",
        "--publish-at",
        "2026-11-01T09:00:00+02:00",
    )
    assert add.code == 0, add.err
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    assert _build_date(show) == "Sun, 01 Nov 2026 07:00:00 +0000"  # the newest pubDate
    assert run("publish", "--now", "2026-11-03T00:00:00Z").code == 0
    assert _build_date(show) == "Sun, 01 Nov 2026 07:00:00 +0000"  # nothing changed
    episode = next((show / "episodes").glob("*.toml"))
    episode.write_text(
        episode.read_text(encoding="utf-8").replace('"Yksi"', '"Yksi (korjattu)"'),
        encoding="utf-8",
    )
    result = run("publish", "--now", "2026-11-04T10:15:00Z")
    assert result.code == 0, result.err
    assert _build_date(show) == "Wed, 04 Nov 2026 10:15:00 +0000"  # the time of the change
    again = run("publish", "--now", "2026-11-05T00:00:00Z")
    assert "nothing changed" in again.out
    assert _build_date(show) == "Wed, 04 Nov 2026 10:15:00 +0000"
