"""``import_feed`` against a hostile feed: URLs inside the feed that point at loopback are
refused by default (and allowed with the opt-in), and a bad side file (artwork, transcript)
is skipped on its own, never the item or the whole import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from pipeline.download import DownloadFailed, DownloadLimits, ImportFailed, download
from pipeline.importer import ImportRequest, import_feed
from tests.importer.podserver import PodServer
from tests.mediagen import make_cover, make_tone

GUID = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
NOW = datetime(2026, 1, 10, tzinfo=UTC)
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHei ja tervetuloa.\n"
CHAPTERS = b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Alku"}]}'


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("hostile-media")
    return {
        "mp3": make_tone(folder / "a.mp3", seconds=2.0, freq_hz=440).read_bytes(),
        "jpg": make_cover(folder / "c.jpg", 1400).read_bytes(),
    }


@pytest.fixture
def host(media: dict[str, bytes]) -> Iterator[PodServer]:
    server = PodServer().start()
    server.files["/ep.mp3"] = (media["mp3"], "audio/mpeg")
    server.files["/my%20episode.mp3"] = (media["mp3"], "audio/mpeg")
    server.files["/ep.vtt"] = (VTT, "text/vtt")
    server.files["/ep.chapters.json"] = (CHAPTERS, "application/json+chapters")
    server.files["/cover.jpg"] = (media["jpg"], "image/jpeg")
    yield server
    server.stop()


def _feed(
    tmp_path: Path,
    *,
    image: str,
    enclosure: str,
    transcript: str,
    chapters: str | None,
    length: int,
) -> str:
    extra = (
        f'<podcast:chapters url={quoteattr(chapters)} type="application/json+chapters"/>'
        if chapters
        else ""
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel>
<title>Kotona</title><link>https://example.org/</link><description>Arki.</description>
<language>fi</language><itunes:author>Hanke</itunes:author>
<itunes:owner><itunes:name>K</itunes:name><itunes:email>p@example.org</itunes:email></itunes:owner>
<itunes:category text="Society &amp; Culture"/><itunes:explicit>false</itunes:explicit>
<itunes:image href={quoteattr(image)}/>
<podcast:guid>{GUID}</podcast:guid>
<item>
<guid isPermaLink="false">tag:example,2026:1</guid><title>Ensimmäinen</title>
<pubDate>Mon, 05 Jan 2026 09:00:00 +0000</pubDate><description>Yksi.</description>
<enclosure url={quoteattr(enclosure)} length="{length}" type="audio/mpeg"/>
<podcast:transcript url={quoteattr(transcript)} type="text/vtt" language="fi" rel="captions"/>
{extra}
</item>
</channel></rss>"""
    path = tmp_path / "feed.xml"
    path.write_text(xml, encoding="utf-8")
    return str(path)


def _request(source: str, directory: Path, *, allow: bool) -> ImportRequest:
    return ImportRequest(
        source=source,
        directory=directory,
        keep_audio=True,
        limits=DownloadLimits(timeout_s=5, allow_private_network=allow),
    )


def test_loopback_urls_inside_a_feed_are_refused_unless_opted_in(
    host: PodServer, tmp_path: Path, media: dict[str, bytes]
) -> None:
    source = _feed(
        tmp_path,
        image=host.url("/cover.jpg"),
        enclosure=host.url("/ep.mp3"),
        transcript=host.url("/ep.vtt"),
        chapters=host.url("/ep.chapters.json"),
        length=len(media["mp3"]),
    )
    with pytest.raises(ImportFailed, match=r"loopback address \(127\.0\.0\.1\); refused"):
        import_feed(_request(source, tmp_path / "strict", allow=False), now=NOW)
    assert host.requests == []  # nothing ever reached the private service
    assert not (tmp_path / "strict").exists()
    # The side files go through the same download() and policy as the enclosure.
    for path in ("/ep.vtt", "/ep.chapters.json", "/cover.jpg", "/ep.mp3"):
        with pytest.raises(DownloadFailed, match="loopback address"):
            download(
                host.url(path),
                tmp_path / "side",
                max_bytes=10**6,
                limits=DownloadLimits(allow_private_network=False),
                deadline_s=10,
            )
    assert host.requests == []

    report = import_feed(_request(source, tmp_path / "open", allow=True), now=NOW)
    assert len(report.imported) == 1 and report.skipped == ()
    fetched = {path for method, path, _ in host.requests if method == "GET"}
    assert fetched == {"/cover.jpg", "/ep.mp3", "/ep.vtt", "/ep.chapters.json"}


def test_bad_side_files_are_skipped_alone_and_spaces_are_encoded(
    host: PodServer, tmp_path: Path, media: dict[str, bytes]
) -> None:
    source = _feed(
        tmp_path,
        image="file:///etc/passwd",
        enclosure=host.url("/my episode.mp3"),  # a literal space, as some hosts write it
        transcript="file:///etc/shadow",
        chapters=None,
        length=len(media["mp3"]),
    )
    workspace = tmp_path / "show"
    report = import_feed(_request(source, workspace, allow=True), now=NOW)
    assert len(report.imported) == 1  # the episode is imported
    skipped = [str(s) for s in report.skipped]
    assert len(skipped) == 2
    assert any(
        s.startswith("artwork file:///etc/passwd") and "not an http(s) URL" in s for s in skipped
    )
    assert any("transcript file:///etc/shadow" in s and "not an http(s) URL" in s for s in skipped)
    assert (workspace / "kotocast.toml").exists()
    assert ("GET", "/my%20episode.mp3", None) in host.requests
