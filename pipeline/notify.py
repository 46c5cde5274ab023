"""Tell hubs and directories that a feed changed, once per changed feed, after a publish.

Two kinds of call, as Castopod and the Podcast Index document them:

* **WebSub** (W3C WebSub section 7, "publishing"): the feed carries ``atom:link rel="hub"``
  for each hub; after a change, ``POST hub.mode=publish&hub.url=<feed>`` to every hub.
* **Pings**: a GET of a URL in which ``{url}`` is replaced by the percent-encoded feed URL.
  The default is the Podcast Index ``hub/pubnotify`` endpoint, which needs no key; it is
  skipped while the feed's URL is not one the Index could fetch (localhost, a private
  address, ``example.org`` and other special-use names: demos and tests stay offline). A podping
  endpoint (``podping_url``) gets the token from :data:`PODPING_TOKEN_ENV` as its
  ``Authorization`` header, as podping.cloud expects.

A notification never fails a publish: every call returns a :class:`Notification` with its
outcome, and the caller prints a warning line for each failure. Calls run in parallel,
each bounded by ``timeout_s``, so a hub that never answers delays a publish by at most that.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

log = logging.getLogger(__name__)

PODCAST_INDEX_PUBNOTIFY = "https://api.podcastindex.org/api/1.0/hub/pubnotify?url={url}"
DEFAULT_PING_URLS = (PODCAST_INDEX_PUBNOTIFY,)
PODPING_TOKEN_ENV = "KOTOCAST_PODPING_TOKEN"
USER_AGENT = "kotocast (+https://github.com/kotocast)"
MAX_PARALLEL = 8


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """``[notify]`` in ``kotocast.toml``.

    Attributes:
        websub_hubs: WebSub hub URLs; the feeds carry ``atom:link rel="hub"`` for each.
        ping_urls: GET endpoints with ``{url}``; None means :data:`DEFAULT_PING_URLS`,
            ``()`` turns pinging off.
        podping_url: an HTTP podping endpoint with ``{url}``, called with the token from
            the environment variable :data:`PODPING_TOKEN_ENV`.
        timeout_s: per call.
    """

    websub_hubs: tuple[str, ...] = ()
    ping_urls: tuple[str, ...] | None = None
    podping_url: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Notification:
    """The outcome of one call: which endpoint, for which feed, and how it went."""

    kind: str  # "websub" | "ping" | "podping"
    endpoint: str  # the hub URL, or the ping URL as called
    feed_url: str
    ok: bool
    status: int | None = None  # HTTP status, when there was an answer
    error: str | None = None  # why it failed, one line

    def as_json(self) -> dict[str, Any]:
        """Return the outcome as a JSON-ready mapping (``publish --json``)."""
        return {
            "kind": self.kind,
            "endpoint": self.endpoint,
            "feed_url": self.feed_url,
            "ok": self.ok,
            "status": self.status,
            "error": self.error,
        }

    def __str__(self) -> str:
        outcome = "ok" if self.ok else f"failed: {self.error}"
        return f"{self.kind} {self.endpoint} for {self.feed_url}: {outcome}"


@dataclass(frozen=True, slots=True)
class _Call:
    kind: str
    endpoint: str
    feed_url: str
    method: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    skip_reason: str | None = None


def is_local_url(url: str) -> bool:
    """Return whether ``url``'s host is this machine (``localhost``, a loopback address)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost") or not host:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# RFC 2606 / RFC 6761 special-use names: no directory can fetch a feed there.
_SPECIAL_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local", ".internal")
_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")


def is_public_url(url: str) -> bool:
    """Return whether a directory on the internet could fetch ``url``.

    False for this machine (:func:`is_local_url`), private and link-local addresses, and the
    special-use names of RFC 2606 / 6761 (``example.org``, ``*.test``, ``*.local``...): the
    default Podcast Index ping is skipped for those (tests and demos stay offline).
    """
    if is_local_url(url):
        return False
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        domain = "." + host
        return not (
            domain.endswith(_SPECIAL_SUFFIXES)
            or any(domain.endswith("." + name) for name in _EXAMPLE_DOMAINS)
        )
    return address.is_global


def ping_url(template: str, feed_url: str) -> str:
    """Return ``template`` with ``{url}`` replaced by the percent-encoded ``feed_url``."""
    return template.replace("{url}", quote(feed_url, safe=""))


def _calls(
    feed_urls: Iterable[str], settings: NotifySettings, environ: Mapping[str, str]
) -> list[_Call]:
    calls: list[_Call] = []
    pings = DEFAULT_PING_URLS if settings.ping_urls is None else settings.ping_urls
    token = environ.get(PODPING_TOKEN_ENV, "").strip()
    for feed in dict.fromkeys(feed_urls):  # each changed feed once, in order
        body = urlencode({"hub.mode": "publish", "hub.url": feed}).encode("ascii")
        form = (("Content-Type", "application/x-www-form-urlencoded"),)
        calls += [_Call("websub", hub, feed, "POST", body, form) for hub in settings.websub_hubs]
        for template in pings:
            # The default directory ping cannot fetch a feed on this machine; listed ones can.
            default = settings.ping_urls is None
            skip = "feed URL is not public" if default and not is_public_url(feed) else None
            calls.append(_Call("ping", ping_url(template, feed), feed, "GET", skip_reason=skip))
        if settings.podping_url:
            auth = (("Authorization", token),) if token else ()
            skip = None if token else f"no token in ${PODPING_TOKEN_ENV}"
            url = ping_url(settings.podping_url, feed)
            calls.append(_Call("podping", url, feed, "GET", None, auth, skip))
    return calls


def _perform(call: _Call, timeout_s: float) -> Notification:
    request = urllib.request.Request(
        call.endpoint,
        data=call.body,
        method=call.method,
        headers={"User-Agent": USER_AGENT, **dict(call.headers)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = int(response.status)
            response.read(65536)
    except urllib.error.HTTPError as exc:
        return Notification(
            call.kind, call.endpoint, call.feed_url, False, exc.code, f"HTTP {exc.code}"
        )
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused, bad URL
        reason = getattr(exc, "reason", exc)
        return Notification(call.kind, call.endpoint, call.feed_url, False, None, str(reason))
    ok = 200 <= status < 300
    error = None if ok else f"HTTP {status}"
    return Notification(call.kind, call.endpoint, call.feed_url, ok, status, error)


def notify(
    feed_urls: Iterable[str],
    settings: NotifySettings,
    *,
    environ: Mapping[str, str] | None = None,
) -> list[Notification]:
    """Notify every hub and ping endpoint about each changed feed; never raise.

    Args:
        feed_urls: the feeds this publish changed (a no-change run passes none: no calls).
        settings: ``[notify]``.
        environ: where the podping token is read (default: ``os.environ``).

    Returns:
        One :class:`Notification` per call (skipped calls too, with ``ok`` False and the
        reason, except the default ping skipped for a local feed, which is not reported),
        in a fixed order: per feed, hubs, then pings, then podping.
    """
    calls = _calls(feed_urls, settings, os.environ if environ is None else environ)
    results: list[Notification | None] = [None] * len(calls)
    todo = []
    for index, call in enumerate(calls):
        if call.skip_reason is None:
            todo.append(index)
        elif call.kind != "ping":  # a missing podping token is worth a warning
            results[index] = Notification(
                call.kind, call.endpoint, call.feed_url, False, None, call.skip_reason
            )
        else:
            log.debug("not pinging %s: %s", call.endpoint, call.skip_reason)
    if todo:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(todo))) as pool:
            done = pool.map(lambda i: _perform(calls[i], settings.timeout_s), todo)
            for index, result in zip(todo, done, strict=True):
                results[index] = result
    out = [r for r in results if r is not None]
    for result in out:
        (log.info if result.ok else log.warning)("%s", result)
    return out
