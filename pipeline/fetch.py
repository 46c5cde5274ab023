"""Every HTTP request kotocast makes to a server it does not own goes through here.

An imported feed is untrusted input: every URL in it (enclosures, artwork, chapters,
transcripts) and every redirect could point at a private service next to the producer
(``http://127.0.0.1:6379/``, the cloud metadata address ``169.254.169.254``, a router), and
whatever comes back would be republished. So a request here:

- goes only to ``http`` and ``https`` URLs, and follows redirects only to ``http(s)``;
- resolves the host name itself, refuses loopback, private, link-local, multicast, reserved
  and other non-public addresses (however spelled: ``0x7f000001``, ``2130706433``,
  ``127.1``, ``[::ffff:127.0.0.1]`` all resolve to 127.0.0.1) and then connects to the
  address it checked, so a DNS answer cannot change between the check and the connection;
- does all of that again on every redirect;
- has a size cap and an overall deadline per object: a watchdog shuts the socket when the
  deadline passes, so a server dripping one byte every few seconds cannot hold it longer.

A URL the producer typed on the command line (``kotocast import URL``, ``kotocast validate
URL``) is theirs to choose: its own host is exempt from the address check, but redirects to
other hosts are not. Producers importing from an intranet opt in with
``KOTOCAST_ALLOW_PRIVATE_NETWORK=1`` (tests on 127.0.0.1 do the same).

Proxies from the environment are not used: the address policy needs to see the destination.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .errors import PipelineError

log = logging.getLogger(__name__)

ALLOW_PRIVATE_ENV = "KOTOCAST_ALLOW_PRIVATE_NETWORK"
USER_AGENT = "kotocast (+https://podcastindex.org/namespace/1.0)"
CHUNK_BYTES = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: an IPv4 address inside IPv6
# RFC 3986 characters a URL may carry unescaped; anything else (a space, non-ASCII) is
# percent-encoded the way podcast apps do before they request it.
_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"


class FetchError(PipelineError):
    """Base of the download errors: ``str()`` is ``"<url>: <why>"``."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"{url}: {why}")
        self.url = url
        self.why = why


class FetchRefused(FetchError):
    """The URL or a redirect breaks the policy (scheme, address); nothing was fetched."""


class FetchTooLarge(FetchError):
    """The object is larger than its size cap."""


class FetchTimedOut(FetchError):
    """The object did not arrive within its deadline."""


class FetchFailed(FetchError):
    """The server answered an error status, or the connection failed."""

    def __init__(self, url: str, why: str, status: int | None = None, headers: Any = None) -> None:
        super().__init__(url, why)
        self.status = status
        self.headers = headers


def private_network_allowed() -> bool:
    """Return whether ``KOTOCAST_ALLOW_PRIVATE_NETWORK`` opts in to private addresses."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Where a request may go and how long it may take.

    ``timeout_s`` bounds each connect and each wait for bytes; ``deadline_s`` bounds the
    whole object, from DNS to the last byte, redirects included.
    """

    allow_private_network: bool = False
    timeout_s: float = 30.0
    deadline_s: float = 300.0
    max_redirects: int = 5
    user_agent: str = USER_AGENT


def normalize_url(url: str) -> str:
    """Return ``url`` with spaces and non-ASCII characters percent-encoded (as apps do).

    The host is IDNA-encoded; what is already escaped stays as it is.
    """
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        with suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    path = quote(parts.path, safe=_URL_SAFE)
    query = quote(parts.query, safe=_URL_SAFE)
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def is_http_url(url: str) -> bool:
    """Return whether ``url`` is an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def address_refusal(address: str) -> str | None:
    """Return why ``address`` (an IP literal) is not a public destination, or ``None``."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # 64:ff9b::a.b.c.d
        if embedded is not None:
            # The IPv4 address inside decides (NAT64/DNS64 networks hand these out for
            # every IPv4-only host, so a public one must pass).
            return address_refusal(str(embedded))
    for attribute, name in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(ip, attribute):
            return name
    if not ip.is_global:
        return "not public"
    return None


def resolve(
    url: str, host: str, port: int, *, check: bool, deadline: float
) -> list[tuple[Any, ...]]:
    """Resolve ``host`` and, when ``check``, refuse it if any address is not public.

    Refusing when *any* address is private (not only the first) keeps a name that answers
    both a public and a private address from being used to reach the private one.

    Raises:
        FetchRefused: an address is not public.
        FetchFailed: the name does not resolve.
    """
    if time.monotonic() >= deadline:
        raise FetchTimedOut(url, "timed out (deadline)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(url, f"cannot resolve {host!r} ({_why(exc)})") from None
    if check:
        for info in infos:
            address = str(info[4][0])
            reason = address_refusal(address)
            if reason:
                raise FetchRefused(
                    url,
                    f"{host} is a {reason} address ({address}); refused (set "
                    f"{ALLOW_PRIVATE_ENV}=1 to import from a private network)",
                )
    return infos


class _Watchdog:
    """Shut a socket down when the overall deadline passes (a blocked read then returns)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        self._sock = sock
        if self.expired:
            self._fire()

    def _fire(self) -> None:
        self.expired = True
        sock = self._sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(infos: list[tuple[Any, ...]], timeout: float) -> socket.socket:
    last: OSError | None = None
    for family, kind, proto, _name, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError("no address")


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand (no second DNS lookup)."""

    def __init__(self, host: str, port: int, infos: list[tuple[Any, ...]], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._infos = infos

    def connect(self) -> None:
        self.sock = _connect(self._infos, self.timeout)  # type: ignore[arg-type]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is checked for the name."""

    def __init__(self, host: str, port: int, infos: list[tuple[Any, ...]], timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._infos = infos

    def connect(self) -> None:
        raw = _connect(self._infos, self.timeout)  # type: ignore[arg-type]
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class Response:
    """An open response: status, headers, the final URL, and reads bounded by the deadline."""

    def __init__(
        self,
        conn: http.client.HTTPConnection,
        raw: http.client.HTTPResponse,
        url: str,
        watchdog: _Watchdog,
    ) -> None:
        self._conn = conn
        self._raw = raw
        self._watchdog = watchdog
        self.url = url
        self.status = raw.status
        self.reason = raw.reason
        self.headers = raw.headers

    def read_chunk(self, size: int = CHUNK_BYTES) -> bytes:
        """Return the next bytes (at most ``size``; ``b""`` at the end).

        Raises:
            FetchTimedOut: the object's deadline passed.
            FetchFailed: the connection broke.
        """
        try:
            chunk = self._raw.read1(size)
        except (OSError, http.client.HTTPException) as exc:
            if self._watchdog.expired:
                raise FetchTimedOut(self.url, "timed out (deadline)") from None
            raise FetchFailed(self.url, f"connection broke: {_why(exc)}") from None
        if self._watchdog.expired:
            raise FetchTimedOut(self.url, "timed out (deadline)")
        return chunk

    def read_all(self, max_bytes: int) -> bytes:
        """Return the whole body, refusing more than ``max_bytes``.

        Raises:
            FetchTooLarge: the body is larger than ``max_bytes``.
        """
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise FetchTooLarge(self.url, f"{length} bytes is more than the limit of {max_bytes}")
        out = bytearray()
        while chunk := self.read_chunk():
            out += chunk
            if len(out) > max_bytes:
                raise FetchTooLarge(self.url, f"larger than the limit of {max_bytes} bytes")
        return bytes(out)

    def close(self) -> None:
        self._watchdog.cancel()
        with suppress(Exception):
            self._raw.close()
        with suppress(Exception):
            self._conn.close()


@contextmanager
def open_url(
    url: str,
    *,
    policy: FetchPolicy,
    headers: dict[str, str] | None = None,
    trusted: bool = False,
    method: str = "GET",
) -> Iterator[Response]:
    """Open ``url`` under ``policy``, following redirects; yield the final response.

    Any status is yielded except redirects (followed) and errors >= 400 (raised).

    Args:
        url: an http(s) URL.
        policy: addresses, timeouts, deadline, redirect count.
        headers: extra request headers (``Range``, ``If-Range``).
        trusted: the producer typed this URL: its own host skips the address check.
        method: ``GET`` or ``HEAD``.

    Raises:
        FetchRefused: not http(s), a redirect to another scheme, too many redirects, or a
            non-public address (unless ``policy.allow_private_network``).
        FetchFailed: an HTTP error status (``.status``) or a network failure.
        FetchTimedOut: ``policy.deadline_s`` passed.
    """
    deadline = time.monotonic() + policy.deadline_s
    watchdog = _Watchdog(deadline)
    current = normalize_url(url)
    if not is_http_url(current):
        watchdog.cancel()
        raise FetchRefused(url, "only http(s) URLs are downloaded")
    trusted_origin = _origin(current) if trusted else None
    response: Response | None = None
    try:
        for _hop in range(policy.max_redirects + 1):
            check = not policy.allow_private_network and _origin(current) != trusted_origin
            conn, raw = _request_once(
                current, method, headers or {}, policy, deadline, check, watchdog
            )
            location = raw.getheader("Location")
            if raw.status in _REDIRECTS and location:
                with suppress(Exception):
                    conn.close()
                target = urljoin(current, location)
                if not is_http_url(target):
                    raise FetchRefused(
                        current, f"redirected to {target!r}, which is not http(s); refused"
                    )
                log.debug("%s: redirected to %s", current, target)
                current = normalize_url(target)
                continue
            if raw.status >= 400:
                status, reason, got = raw.status, raw.reason, raw.headers
                with suppress(Exception):
                    conn.close()
                raise FetchFailed(current, f"HTTP {status} {reason}", status, got)
            response = Response(conn, raw, current, watchdog)
            break
        else:
            raise FetchRefused(url, f"more than {policy.max_redirects} redirects")
        yield response
    finally:
        watchdog.cancel()
        if response is not None:
            response.close()


def _origin(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return (parts.hostname or "").lower(), port


def _request_once(
    url: str,
    method: str,
    headers: dict[str, str],
    policy: FetchPolicy,
    deadline: float,
    check: bool,
    watchdog: _Watchdog,
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    parts = urlsplit(url)
    host, port = _origin(url)
    infos = resolve(url, host, port, check=check, deadline=deadline)
    timeout = max(0.05, min(policy.timeout_s, deadline - time.monotonic()))
    cls = _PinnedHTTPS if parts.scheme.lower() == "https" else _PinnedHTTP
    conn = cls(host, port, infos, timeout)
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    stage = "cannot connect"
    try:
        conn.connect()
        watchdog.watch(conn.sock)
        stage = "no answer"
        conn.putrequest(method, target, skip_accept_encoding=True)
        sent = {
            "User-Agent": policy.user_agent,
            "Accept-Encoding": "identity",
            "Connection": "close",
            **headers,
        }
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders()
        raw = conn.getresponse()
    except (OSError, http.client.HTTPException, ssl.CertificateError) as exc:
        conn.close()
        if watchdog.expired or time.monotonic() >= deadline:
            raise FetchTimedOut(url, "timed out (deadline)") from None
        raise FetchFailed(url, f"{stage} ({_why(exc)})") from None
    return conn, raw


def fetch_bytes(url: str, *, policy: FetchPolicy, max_bytes: int, trusted: bool = False) -> bytes:
    """Return the body at ``url`` (a feed, chapters, a transcript) within ``max_bytes``.

    Raises:
        FetchError: refused, failed, timed out or too large (the message names the URL).
    """
    with open_url(url, policy=policy, trusted=trusted) as response:
        return response.read_all(max_bytes)


def fetch_feed_url(url: str, *, max_bytes: int = 50_000_000) -> bytes:
    """Fetch a feed URL the producer typed (``kotocast validate URL``) under the policy.

    Its own host may be private (the producer chose it); redirects elsewhere are checked,
    and go to http(s) only. ``KOTOCAST_ALLOW_PRIVATE_NETWORK=1`` lifts the address check.

    Raises:
        FetchError: refused, failed, timed out (60 s) or larger than ``max_bytes``.
    """
    policy = FetchPolicy(
        allow_private_network=private_network_allowed(), timeout_s=20, deadline_s=60
    )
    return fetch_bytes(url, policy=policy, max_bytes=max_bytes, trusted=True)


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS: {getattr(exc, 'reason', None) or exc}"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


__all__ = [
    "ALLOW_PRIVATE_ENV",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "FetchTimedOut",
    "FetchTooLarge",
    "Response",
    "address_refusal",
    "fetch_bytes",
    "fetch_feed_url",
    "is_http_url",
    "normalize_url",
    "open_url",
    "private_network_allowed",
]
