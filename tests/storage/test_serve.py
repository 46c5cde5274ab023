"""The preview server answers like a media host: types, HEAD, byte ranges, no escapes."""

from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Iterator

import pytest

from pipeline.serve import content_type_for, make_server

AUDIO = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp_path = tmp_path_factory.mktemp("serve")
    root = tmp_path / "public"
    (root / "media").mkdir(parents=True)
    (root / "media" / "ep1.mp3").write_bytes(AUDIO)
    (root / "media" / "ep1.m4a").write_bytes(b"m4a")
    (root / "media" / "ep1.vtt").write_text("WEBVTT\n")
    (root / "media" / "ep1.chapters.json").write_text("{}")
    (root / "feed.xml").write_text("<rss/>")
    (root / "feeds.opml").write_text("<opml/>")
    (root / "index.json").write_text("{}")
    (root / "index.html").write_text("<html/>")
    (root / "media" / ".ep2.mp3.kotocast-tmp-x").write_bytes(b"partial")
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_address[1]
    server.shutdown()
    server.server_close()


def _request(
    site: tuple[str, int], method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(*site, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/media/ep1.mp3", "audio/mpeg"),
        ("/media/ep1.m4a", "audio/x-m4a"),
        ("/media/ep1.vtt", "text/vtt; charset=utf-8"),
        ("/media/ep1.chapters.json", "application/json+chapters"),
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/index.json", "application/json; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_content_types(site: tuple[str, int], path: str, ctype: str) -> None:
    status, headers, _ = _request(site, "GET", path)
    assert status == 200 and headers["content-type"] == ctype


def test_content_type_table() -> None:
    assert content_type_for("x.mp4") == "video/mp4"
    assert content_type_for("cover.JPG") == "image/jpeg"
    assert content_type_for("x.unknownext") == "application/octet-stream"
    assert content_type_for("feeds.opml").startswith("text/x-opml")


def test_head_has_length_and_no_body(site: tuple[str, int]) -> None:
    status, headers, body = _request(site, "HEAD", "/media/ep1.mp3")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(AUDIO))
    assert headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
def test_byte_ranges(site: tuple[str, int], header: str, start: int, end: int) -> None:
    status, headers, body = _request(site, "GET", "/media/ep1.mp3", {"Range": header})
    assert status == 206
    assert headers["content-range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert body == AUDIO[start : end + 1]
    assert headers["content-length"] == str(end - start + 1)
    status, headers, body = _request(site, "HEAD", "/media/ep1.mp3", {"Range": header})
    assert status == 206 and body == b""


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=-0", "BYTES=10240-"])
def test_unsatisfiable_range_is_416(site: tuple[str, int], header: str) -> None:
    status, headers, _ = _request(site, "GET", "/media/ep1.mp3", {"Range": header})
    assert status == 416 and headers["content-range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize(
    "header", ["bytes=5-3", "bytes=500-100", "bytes=abc", "items=0-5", "bytes=0-1,4-5", "bytes=-"]
)
def test_invalid_or_multiple_ranges_are_ignored(site: tuple[str, int], header: str) -> None:
    # RFC 9110 14.2: a Range the server does not understand is ignored: the whole file, 200.
    status, headers, body = _request(site, "GET", "/media/ep1.mp3", {"Range": header})
    assert status == 200 and body == AUDIO and "content-range" not in headers


@pytest.mark.parametrize("unit", ["BYTES", "Bytes", "bytes "])
def test_range_unit_is_case_insensitive(site: tuple[str, int], unit: str) -> None:
    status, headers, body = _request(site, "GET", "/media/ep1.mp3", {"Range": f"{unit}=0-9"})
    assert status == 206 and body == AUDIO[:10]
    assert headers["content-range"] == f"bytes 0-9/{len(AUDIO)}"


def test_if_range_needs_the_current_strong_etag(site: tuple[str, int]) -> None:
    _, headers, _ = _request(site, "HEAD", "/media/ep1.mp3")
    etag, modified = headers["etag"], headers["last-modified"]
    for good in (etag, modified):
        status, _, body = _request(
            site, "GET", "/media/ep1.mp3", {"Range": "bytes=0-9", "If-Range": good}
        )
        assert status == 206 and body == AUDIO[:10]
    for stale in ('"0-0"', f"W/{etag}", "Wed, 21 Oct 2015 07:28:00 GMT"):
        status, _, body = _request(
            site, "GET", "/media/ep1.mp3", {"Range": "bytes=0-9", "If-Range": stale}
        )
        assert status == 200 and body == AUDIO  # the file changed: send it whole


def test_conditional_requests_answer_304(site: tuple[str, int]) -> None:
    _, headers, _ = _request(site, "HEAD", "/media/ep1.mp3")
    etag, modified = headers["etag"], headers["last-modified"]
    for condition in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
    ):
        status, got, body = _request(site, "GET", "/media/ep1.mp3", condition)
        assert status == 304 and body == b"" and got["etag"] == etag
    status, _, body = _request(site, "GET", "/media/ep1.mp3", {"If-None-Match": '"other"'})
    assert status == 200 and body == AUDIO
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    status, _, _ = _request(
        site, "GET", "/media/ep1.mp3", {"If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert status == 200
    old = "Wed, 21 Oct 2015 07:28:00 GMT"
    status, _, _ = _request(site, "GET", "/media/ep1.mp3", {"If-Modified-Since": old})
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/media/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/media/%2E%2E/%2E%2E/secret.txt",
        "/link.txt",
        "/media/",
        "/media/.ep2.mp3.kotocast-tmp-x",
        "/missing.mp3",
        "/%ff",
        "/..%5csecret.txt",
    ],
)
def test_traversal_listing_and_hidden_are_refused(site: tuple[str, int], path: str) -> None:
    status, _, body = _request(site, "GET", path)
    assert status == 404
    assert b"outside" not in body and b"ep1" not in body
