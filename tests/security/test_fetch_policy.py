"""pipeline.fetch against real hostile servers on 127.0.0.1: addresses, redirects, caps, deadlines.

Every case runs with the private-network opt-in OFF (the default), except where a test shows
the opt-in itself; the servers record every connection, so "refused" also means "never asked".
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.download import DownloadFailed, DownloadLimits, download
from pipeline.fetch import (
    ALLOW_PRIVATE_ENV,
    FetchPolicy,
    FetchRefused,
    FetchTimedOut,
    address_refusal,
    fetch_bytes,
    normalize_url,
    private_network_allowed,
)
from tests.security.hostile import HostileServer, answer, drip, endless, redirect

STRICT = FetchPolicy(timeout_s=5, deadline_s=10)
OPEN = FetchPolicy(allow_private_network=True, timeout_s=5, deadline_s=10)
STRICT_LIMITS = DownloadLimits(timeout_s=5, allow_private_network=False)


@pytest.fixture
def ok_server() -> Iterator[HostileServer]:
    server = HostileServer(answer("200 OK", {"Content-Type": "audio/mpeg"}, b"ID3" + b"\0" * 64))
    yield server
    server.close()


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "0x7f000001",  # hex
        "2130706433",  # decimal
        "0177.0.0.1",  # octal
        "127.1",  # short form
        "[::ffff:127.0.0.1]",  # IPv6-mapped
        "[::1]",
    ],
)
def test_loopback_in_any_spelling_is_refused_before_connecting(
    ok_server: HostileServer, host: str, tmp_path: Path
) -> None:
    url = f"http://{host}:{ok_server.port}/a.mp3"
    with pytest.raises(FetchRefused, match="refused"):
        fetch_bytes(url, policy=STRICT, max_bytes=1000)
    with pytest.raises(DownloadFailed, match="download refused"):
        download(url, tmp_path / "a", max_bytes=1000, limits=STRICT_LIMITS)
    assert ok_server.connections == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.5", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("100.64.0.1", "not public"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("240.0.0.1", "reserved"),
    ],
)
def test_address_policy(address: str, reason: str) -> None:
    assert address_refusal(address) == reason


def test_public_addresses_pass() -> None:
    assert address_refusal("93.184.215.14") is None
    assert address_refusal("2606:4700:4700::1111") is None
    assert address_refusal("64:ff9b::5db8:d70e") is None  # NAT64 of a public address
    assert address_refusal("::ffff:93.184.215.14") is None


def test_the_opt_in_allows_private_addresses(
    ok_server: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fetch_bytes(ok_server.url("/a.mp3"), policy=OPEN, max_bytes=1000).startswith(b"ID3")
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    assert not private_network_allowed() and not DownloadLimits().allow_private_network
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    assert private_network_allowed() and DownloadLimits().allow_private_network


def test_a_typed_url_is_trusted_but_its_redirect_to_another_host_is_not(
    ok_server: HostileServer,
) -> None:
    hop = HostileServer(redirect(ok_server.url("/a.mp3")))
    try:
        # The producer typed the first URL: its host may be private. The redirect goes to
        # another origin (another port on loopback): checked, refused, never contacted.
        with pytest.raises(FetchRefused, match="loopback"):
            fetch_bytes(hop.url("/feed"), policy=STRICT, max_bytes=1000, trusted=True)
        assert hop.connections == 1 and ok_server.connections == 0
        # Not typed (a URL from inside a feed): the first hop is already refused.
        with pytest.raises(FetchRefused):
            fetch_bytes(hop.url("/feed"), policy=STRICT, max_bytes=1000)
        assert hop.connections == 1
    finally:
        hop.close()


@pytest.mark.parametrize("target", ["ftp://127.0.0.1:{port}/x", "file:///etc/passwd"])
def test_redirect_to_another_scheme_is_refused(target: str) -> None:
    listener = HostileServer(answer("200 OK", {}, b"220 ftp ready\r\n"))
    hop = HostileServer(redirect(target.format(port=listener.port)))
    try:
        with pytest.raises(FetchRefused, match="not http"):
            fetch_bytes(hop.url("/feed"), policy=OPEN, max_bytes=1000)
        assert listener.connections == 0  # no "USER anonymous" ever sent
    finally:
        hop.close()
        listener.close()


def test_redirect_loop_stops() -> None:
    loop = HostileServer(redirect("/again"))
    try:
        with pytest.raises(FetchRefused, match="more than 5 redirects"):
            fetch_bytes(loop.url("/"), policy=OPEN, max_bytes=1000)
        assert loop.connections == 6
    finally:
        loop.close()


def test_endless_enclosure_stops_at_the_cap_and_leaves_nothing(tmp_path: Path) -> None:
    server = HostileServer(endless())
    try:
        started = time.monotonic()
        with pytest.raises(DownloadFailed, match="larger than the limit of 5000000"):
            download(
                server.url("/endless.mp3"),
                tmp_path / "e",
                max_bytes=5_000_000,
                limits=DownloadLimits(timeout_s=5, allow_private_network=True),
            )
        assert time.monotonic() - started < 10
        assert list(tmp_path.iterdir()) == []  # no .part, no .part.json
    finally:
        server.close()


@pytest.mark.parametrize("in_headers", [False, True])
def test_drip_server_is_stopped_at_the_deadline(tmp_path: Path, in_headers: bool) -> None:
    # Every byte arrives well within the 5 s read timeout; only the deadline can stop this.
    server = HostileServer(drip(0.2, in_headers=in_headers))
    try:
        limits = DownloadLimits(timeout_s=5, allow_private_network=True, attempts=3)
        started = time.monotonic()
        with pytest.raises(DownloadFailed, match="timed out"):
            download(
                server.url("/drip.mp3"),
                tmp_path / "d",
                max_bytes=10**6,
                limits=limits,
                deadline_s=1.5,
            )
        elapsed = time.monotonic() - started
        assert 1.4 < elapsed < 3.0
        assert list(tmp_path.iterdir()) == []
        with pytest.raises(FetchTimedOut):
            fetch_bytes(server.url("/drip.xml"), policy=FetchPolicy(True, 5, 1.0), max_bytes=10**6)
    finally:
        server.close()


def test_urls_are_percent_encoded_as_apps_do() -> None:
    assert normalize_url("https://host.example/My Show/ep 1.mp3") == (
        "https://host.example/My%20Show/ep%201.mp3"
    )
    assert normalize_url("https://host.example/a%20b.mp3?x=1&y=ä") == (
        "https://host.example/a%20b.mp3?x=1&y=%C3%A4"
    )
