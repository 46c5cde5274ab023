"""Notifications against real HTTP servers on 127.0.0.1: a recording hub, a failing one, a
silent one. Exactly one call per changed feed and endpoint; failures are results, not errors."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.notify import (
    PODPING_TOKEN_ENV,
    NotifySettings,
    is_local_url,
    is_public_url,
    notify,
    ping_url,
)

FEED = "https://media.example.org/kotona/feed.xml"
SV_FEED = "https://media.example.org/kotona/feeds/sv.xml"


class Hub:
    """A WebSub hub / ping endpoint that records every request and answers ``status``."""

    def __init__(self, status: int = 204, delay_s: float = 0.0) -> None:
        self.requests: list[dict[str, object]] = []
        self.status = status
        self.delay_s = delay_s
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                hub.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "query": parse_qs(urlsplit(self.path).query),
                        "form": parse_qs(body),
                        "type": self.headers.get("Content-Type"),
                        "auth": self.headers.get("Authorization"),
                    }
                )
                time.sleep(hub.delay_s)
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _record

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    yield server
    server.close()


def test_one_websub_publish_and_one_ping_per_changed_feed(hub: Hub) -> None:
    settings = NotifySettings(
        websub_hubs=(f"{hub.url}/hub",), ping_urls=(f"{hub.url}/ping?url={{url}}",)
    )
    results = notify([FEED, SV_FEED, FEED], settings, environ={})
    assert [(r.kind, r.feed_url, r.ok, r.status) for r in results] == [
        ("websub", FEED, True, 204),
        ("ping", FEED, True, 204),
        ("websub", SV_FEED, True, 204),
        ("ping", SV_FEED, True, 204),
    ]
    websub = [r for r in hub.requests if r["method"] == "POST"]
    assert sorted(r["form"]["hub.url"][0] for r in websub) == [FEED, SV_FEED]  # type: ignore[index]
    assert all(r["form"]["hub.mode"] == ["publish"] for r in websub)  # type: ignore[index]
    assert all(r["type"] == "application/x-www-form-urlencoded" for r in websub)
    pings = [r for r in hub.requests if r["method"] == "GET"]
    assert sorted(r["query"]["url"][0] for r in pings) == [FEED, SV_FEED]  # type: ignore[index]
    assert len(hub.requests) == 4


def test_no_changed_feed_calls_nothing(hub: Hub) -> None:
    settings = NotifySettings(
        websub_hubs=(f"{hub.url}/hub",), ping_urls=(f"{hub.url}/p?u={{url}}",)
    )
    assert notify([], settings, environ={}) == []
    assert hub.requests == []


def test_a_failing_hub_is_a_result_not_an_error(hub: Hub) -> None:
    broken = Hub(status=500)
    try:
        settings = NotifySettings(websub_hubs=(f"{broken.url}/hub", f"{hub.url}/hub"), ping_urls=())
        results = notify([FEED], settings, environ={})
    finally:
        broken.close()
    assert [(r.ok, r.status, r.error) for r in results] == [
        (False, 500, "HTTP 500"),
        (True, 204, None),
    ]
    assert len(broken.requests) == 1 and len(hub.requests) == 1
    assert results[0].as_json()["error"] == "HTTP 500"


def test_a_silent_hub_times_out_without_holding_up_the_others(hub: Hub) -> None:
    silent = Hub(delay_s=5.0)
    try:
        settings = NotifySettings(
            websub_hubs=(f"{silent.url}/hub",),
            ping_urls=(f"{hub.url}/ping?url={{url}}",),
            timeout_s=0.5,
        )
        started = time.monotonic()
        results = notify([FEED], settings, environ={})
        elapsed = time.monotonic() - started
    finally:
        silent.server.shutdown()
        silent.server.server_close()
    assert elapsed < 3.0
    assert results[0].kind == "websub" and not results[0].ok
    assert "timed out" in (results[0].error or "")
    assert results[1].ok


def test_a_hub_nobody_listens_on() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    results = notify(
        [FEED], NotifySettings(websub_hubs=(f"http://127.0.0.1:{port}/",), ping_urls=())
    )
    assert len(results) == 1 and not results[0].ok and results[0].status is None
    assert "refused" in (results[0].error or "").lower()


def test_default_ping_is_skipped_for_a_local_feed_and_listed_pings_are_not(hub: Hub) -> None:
    local = "http://localhost:8000/feed.xml"
    assert notify([local], NotifySettings(), environ={}) == []  # no network call at all
    listed = NotifySettings(ping_urls=(f"{hub.url}/ping?url={{url}}",))
    assert [r.ok for r in notify([local], listed, environ={})] == [True]
    assert hub.requests[0]["query"]["url"] == [local]  # type: ignore[index]


def test_podping_sends_the_token_from_the_environment(hub: Hub) -> None:
    settings = NotifySettings(ping_urls=(), podping_url=f"{hub.url}/?url={{url}}")
    (missing,) = notify([FEED], settings, environ={})
    assert not missing.ok and PODPING_TOKEN_ENV in (missing.error or "")
    assert hub.requests == []
    (sent,) = notify([FEED], settings, environ={PODPING_TOKEN_ENV: "s3cret"})
    assert sent.ok and hub.requests[0]["auth"] == "s3cret"


def test_ping_url_encodes_the_feed_url() -> None:
    assert ping_url("https://x/pubnotify?url={url}", "https://a.b/f?x=1&y=ä") == (
        "https://x/pubnotify?url=https%3A%2F%2Fa.b%2Ff%3Fx%3D1%26y%3D%C3%A4"
    )


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8000/feed.xml", True),
        ("http://127.0.0.1/feed.xml", True),
        ("http://[::1]:8080/feed.xml", True),
        ("http://demo.localhost/feed.xml", True),
        ("https://media.example.org/feed.xml", False),
        ("http://10.0.0.5/feed.xml", False),
    ],
)
def test_local_urls(url: str, local: bool) -> None:
    assert is_local_url(url) is local


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://media.kotona.fi/feed.xml", True),
        ("https://93.184.215.14/feed.xml", True),
        ("https://media.example.org/feed.xml", False),
        ("https://example.com/feed.xml", False),
        ("http://show.test/feed.xml", False),
        ("http://nas.local/feed.xml", False),
        ("http://10.0.0.5/feed.xml", False),
        ("http://192.168.1.20/feed.xml", False),
        ("http://localhost:8000/feed.xml", False),
    ],
)
def test_the_default_ping_is_only_for_feeds_a_directory_can_fetch(url: str, public: bool) -> None:
    assert is_public_url(url) is public


def test_default_ping_skips_example_domains_without_a_network_call() -> None:
    assert notify([FEED], NotifySettings(), environ={}) == []
