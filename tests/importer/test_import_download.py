"""pipeline.download.download: http(s) only, limits, timeouts, resume with Range, progress."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.download import (
    DownloadFailed,
    DownloadLimits,
    SourceUnreadable,
    download,
    sniff_audio,
)
from pipeline.importer import fetch_source
from tests.importer.podserver import PodServer

BODY = bytes(range(256)) * 4096  # 1 MiB
LIMITS = DownloadLimits(timeout_s=5, allow_private_network=True)


def test_download_reports_progress_and_checks_length(server: PodServer, tmp_path: Path) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    seen: list[float] = []
    got = download(
        server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=LIMITS, progress=seen.append
    )
    assert got.path.read_bytes() == BODY and got.size_bytes == len(BODY)
    assert got.content_type == "audio/mpeg" and got.resumed_from == 0
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    assert not (tmp_path / "a.part").exists()


def test_partial_download_resumes_with_range(server: PodServer, tmp_path: Path) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    (tmp_path / "a.part").write_bytes(BODY[:300_000])
    got = download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=LIMITS)
    assert got.path.read_bytes() == BODY
    assert got.resumed_from == 300_000
    assert server.gets("/a.mp3") == ["bytes=300000-"]


def test_dropped_connection_is_resumed_in_the_same_run(server: PodServer, tmp_path: Path) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    server.cut_once.add("/a.mp3")
    got = download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=LIMITS)
    assert got.path.read_bytes() == BODY
    ranges = server.gets("/a.mp3")
    assert ranges[0] is None and ranges[1] == f"bytes={len(BODY) // 2}-"


def test_changed_file_restarts_instead_of_splicing(server: PodServer, tmp_path: Path) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    (tmp_path / "a.part").write_bytes(b"\0" * 1000)
    (tmp_path / "a.part.json").write_text(json.dumps({"validator": '"stale"'}))
    got = download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=LIMITS)
    # This server ignores If-Range and answers 206; a real one answers 200 with the new file.
    # Either way the result must be the server's bytes or a refusal, never a splice.
    assert got.path.read_bytes()[1000:] == BODY[1000:]


def test_404_names_the_url(server: PodServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed, match=r"/gone\.mp3: download failed: HTTP 404"):
        download(server.url("/gone.mp3"), tmp_path / "g", max_bytes=10**7, limits=LIMITS)


def test_size_limit_refuses_before_and_while_reading(server: PodServer, tmp_path: Path) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    with pytest.raises(DownloadFailed, match="more than the limit of 1000"):
        download(server.url("/a.mp3"), tmp_path / "a", max_bytes=1000, limits=LIMITS)
    part = tmp_path / "a.part"
    assert not part.exists() or part.stat().st_size <= 1000


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.mp3", "data:,hello", "/etc/passwd"]
)
def test_only_http_urls_are_downloaded(url: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadFailed, match="only http"):
        download(url, tmp_path / "x", max_bytes=10**7, limits=LIMITS)


def test_redirect_to_a_file_url_is_refused(server: PodServer, tmp_path: Path) -> None:
    server.redirects["/a.mp3"] = "file:///etc/passwd"
    with pytest.raises(DownloadFailed, match=r"file:///etc/passwd'?, which is not http"):
        download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=LIMITS)
    server.redirects["/f.mp3"] = "ftp://127.0.0.1/a.mp3"  # urllib alone would follow this one
    with pytest.raises(DownloadFailed, match="which is not http"):
        download(server.url("/f.mp3"), tmp_path / "f", max_bytes=10**7, limits=LIMITS)
    server.redirects["/b.mp3"] = server.url("/c.mp3")
    server.files["/c.mp3"] = (b"ID3" + BODY[:100], "audio/mpeg")
    got = download(server.url("/b.mp3"), tmp_path / "b", max_bytes=10**7, limits=LIMITS)
    assert got.path.read_bytes().startswith(b"ID3")


def test_timeout_is_a_clear_error(server: PodServer, tmp_path: Path) -> None:
    server.files["/slow.mp3"] = (BODY, "audio/mpeg")
    server.slow["/slow.mp3"] = 2.0
    with pytest.raises(DownloadFailed, match="timed out"):
        download(
            server.url("/slow.mp3"),
            tmp_path / "s",
            max_bytes=10**7,
            limits=DownloadLimits(timeout_s=0.3, attempts=1, allow_private_network=True),
        )


def test_feed_source_is_a_file_or_http_url(server: PodServer, tmp_path: Path) -> None:
    feed = tmp_path / "feed.rss"
    feed.write_bytes(b"<rss/>")
    assert fetch_source(str(feed), limits=LIMITS) == b"<rss/>"
    server.files["/feed.rss"] = (b"<rss/>", "application/rss+xml")
    assert fetch_source(server.url("/feed.rss"), limits=LIMITS) == b"<rss/>"
    with pytest.raises(SourceUnreadable, match="only a file or an http"):
        fetch_source("file:///etc/passwd", limits=LIMITS)
    with pytest.raises(SourceUnreadable, match="HTTP 404"):
        fetch_source(server.url("/nope.rss"), limits=LIMITS)
    with pytest.raises(SourceUnreadable, match="larger than 3 bytes"):
        fetch_source(str(feed), limits=DownloadLimits(max_feed_bytes=3))
    with pytest.raises(SourceUnreadable, match="cannot fetch the feed: cannot connect"):
        fetch_source("http://127.0.0.1:9/feed.rss", limits=LIMITS)


def test_sniff_audio(tmp_path: Path) -> None:
    cases = {
        b"ID3\x04\0\0": "mp3",
        b"\xff\xfb\x90\x00": "mp3",
        b"\0\0\0\x20ftypM4A ": "mp4",
        b"<html>": None,
    }
    for i, (head, kind) in enumerate(cases.items()):
        path = tmp_path / str(i)
        path.write_bytes(head + b"\0" * 16)
        assert sniff_audio(path) == kind
    assert os.path.exists(tmp_path / "0")


def test_a_failed_download_leaves_no_part_unless_resume_was_asked(
    server: PodServer, tmp_path: Path
) -> None:
    server.files["/a.mp3"] = (BODY, "audio/mpeg")
    once = DownloadLimits(timeout_s=5, attempts=1, allow_private_network=True)
    server.cut_once.add("/a.mp3")
    with pytest.raises(DownloadFailed, match="ended after"):
        download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=once)
    assert list(tmp_path.iterdir()) == []
    # Asked to keep partials, from a server that announces byte ranges: kept, then resumed.
    keep = DownloadLimits(timeout_s=5, attempts=1, allow_private_network=True, keep_partial=True)
    server.cut_once.add("/a.mp3")
    with pytest.raises(DownloadFailed, match="ended after"):
        download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=keep)
    assert (tmp_path / "a.part").stat().st_size == len(BODY) // 2
    got = download(server.url("/a.mp3"), tmp_path / "a", max_bytes=10**7, limits=keep)
    assert got.path.read_bytes() == BODY and got.resumed_from == len(BODY) // 2
