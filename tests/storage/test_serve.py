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


@pytest.mark.parametrize("header", ["bytes=20000-", "bytes=500-100", "bytes=-0"])
def test_unsatisfiable_range_is_416(site: tuple[str, int], header: str) -> None:
    status, headers, _ = _request(site, "GET", "/media/ep1.mp3", {"Range": header})
    assert status == 416 and headers["content-range"] == f"bytes */{len(AUDIO)}"


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
