"""A show's Podcasting 2.0 settings from ``kotocast.toml``: funding, podroll, license,
location, Apple's ownership code, season names, enclosure prefix and ``[notify]``.

The keys are declared in :data:`episodes.config_schema.CONFIG_SCHEMA` (unknown keys are refused
there); this module turns their values into :class:`Podcasting`, checking each one and
naming ``file: section.key`` when one is wrong::

    [[show.funding]]                      # podcast:funding, several allowed
    url = "https://example.org/amif"
    text = "EU Asylum, Migration and Integration Fund (AMIF)"

    [[show.podroll]]                      # podcast:remoteItem in podcast:podroll
    feed_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    feed_url = "https://example.org/other/feed.xml"

    [show]
    license = "cc-by-4.0"                 # podcast:license (SPDX id)
    license_url = "https://creativecommons.org/licenses/by/4.0/"
    location = { name = "Helsinki", geo = "geo:60.17,24.94", osm = "R34914" }
    season_names = { 1 = "Syksy 2024" }   # podcast:season name="..."

    [feed]
    apple_podcasts_verify = "abc-123"     # podcast:txt purpose="applepodcastsverify"
    podroll_own_feeds = true              # link the show's language feeds to each other
    enclosure_prefix = "https://op3.dev/e,pg=<podcast guid>/"

    [notify]
    websub_hubs = ["https://pubsubhubbub.appspot.com/"]
    ping_urls = ["https://api.podcastindex.org/api/1.0/hub/pubnotify?url={url}"]
    podping_url = "https://podping.cloud/?url={url}"
    timeout_s = 10
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigInvalid

FUNDING_TEXT_MAX_CHARS = 128
_GEO = re.compile(r"^geo:-?[0-9.]+,-?[0-9.]+(,-?[0-9.]+)?(;[a-z]+=[^;]+)*$", re.IGNORECASE)
_OSM = re.compile(r"^[NWR][0-9]+(#[0-9]+)?$")


@dataclass(frozen=True, slots=True)
class Funding:
    """``podcast:funding``: a link for listeners (or a funder's page) with a short text."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class RemoteItem:
    """``podcast:remoteItem``: another feed, by its ``podcast:guid``."""

    feed_guid: str
    feed_url: str | None = None
    medium: str | None = None


@dataclass(frozen=True, slots=True)
class License:
    """``podcast:license``: an SPDX identifier (``cc-by-4.0``), a URL when not SPDX-listed."""

    identifier: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """``podcast:location``: a place name, an RFC 5870 ``geo:`` URI, an OSM id."""

    name: str
    geo: str | None = None
    osm: str | None = None
    rel: str | None = None  # "subject" (default) or "creator"


@dataclass(frozen=True, slots=True)
class Notify:
    """``[notify]``: who is told after a publish changed a feed.

    ``ping_urls`` None means "not set": the Podcast Index default applies, and is skipped
    while the feed's URL is local; ``()`` turns pinging off.
    """

    websub_hubs: tuple[str, ...] = ()
    ping_urls: tuple[str, ...] | None = None
    podping_url: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Podcasting:
    """Every Podcasting 2.0 setting of a show (all optional)."""

    funding: tuple[Funding, ...] = ()
    podroll: tuple[RemoteItem, ...] = ()
    podroll_own_feeds: bool = False
    license: License | None = None
    location: Location | None = None
    apple_podcasts_verify: str | None = None
    season_names: dict[int, str] = field(default_factory=dict)
    enclosure_prefix: str | None = None
    notify: Notify = Notify()


class _Where:
    def __init__(self, path: Path, section: str) -> None:
        self.path, self.section = path, section

    def fail(self, key: str, why: str) -> ConfigInvalid:
        return ConfigInvalid(f"{self.path}: {self.section}.{key}: {why}")

    def url(self, key: str, value: Any, *, template: bool = False) -> str:
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise self.fail(key, f"must be an http(s) URL, not {value!r}")
        if template and "{url}" not in value:
            raise self.fail(key, f"{value!r} has no {{url}} for the feed's address")
        return value.strip()

    def text(self, key: str, value: Any, max_chars: int = 4000) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be non-empty text")
        if len(value) > max_chars:
            raise self.fail(key, f"is {len(value)} characters (at most {max_chars})")
        return " ".join(value.split())

    def table(self, key: str, value: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", f"unknown key; known: {', '.join(keys)}")
        return value

    def items(self, key: str, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, "must be a list")
        return value


def read_podcasting(data: Mapping[str, Any], path: Path) -> Podcasting:
    """Build :class:`Podcasting` from parsed ``kotocast.toml`` (keys already known-checked).

    Raises:
        ConfigInvalid: a value is wrong; the message names the file and the key.
    """
    show = data.get("show", {})
    feed = data.get("feed", {})
    notify = data.get("notify", {})
    s, f, n = _Where(path, "show"), _Where(path, "feed"), _Where(path, "notify")
    return Podcasting(
        funding=tuple(
            _funding(s, i, v) for i, v in enumerate(s.items("funding", show.get("funding", [])))
        ),
        podroll=tuple(
            _remote(s, i, v) for i, v in enumerate(s.items("podroll", show.get("podroll", [])))
        ),
        podroll_own_feeds=_bool(f, "podroll_own_feeds", feed.get("podroll_own_feeds", False)),
        license=_license(s, show),
        location=_location(s, "location", show.get("location")),
        apple_podcasts_verify=None
        if feed.get("apple_podcasts_verify") is None
        else f.text("apple_podcasts_verify", feed["apple_podcasts_verify"], 128),
        season_names=_season_names(s, show.get("season_names", {})),
        enclosure_prefix=None
        if feed.get("enclosure_prefix") is None
        else _prefix(f, feed["enclosure_prefix"]),
        notify=Notify(
            websub_hubs=tuple(
                n.url(f"websub_hubs[{i}]", v)
                for i, v in enumerate(n.items("websub_hubs", notify.get("websub_hubs", [])))
            ),
            ping_urls=None
            if notify.get("ping_urls") is None
            else tuple(
                n.url(f"ping_urls[{i}]", v, template=True)
                for i, v in enumerate(n.items("ping_urls", notify["ping_urls"]))
            ),
            podping_url=None
            if notify.get("podping_url") is None
            else n.url("podping_url", notify["podping_url"], template=True),
            timeout_s=_timeout(n, notify.get("timeout_s", 10.0)),
        ),
    )


def _bool(w: _Where, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise w.fail(key, f"must be true or false, not {value!r}")
    return value


def _funding(w: _Where, index: int, value: Any) -> Funding:
    key = f"funding[{index}]"
    table = w.table(key, value, ("url", "text"))
    return Funding(
        url=w.url(f"{key}.url", table.get("url")),
        text=w.text(f"{key}.text", table.get("text"), FUNDING_TEXT_MAX_CHARS),
    )


def _remote(w: _Where, index: int, value: Any) -> RemoteItem:
    key = f"podroll[{index}]"
    table = w.table(key, value, ("feed_guid", "feed_url", "medium"))
    guid = table.get("feed_guid")
    try:
        guid = str(uuid.UUID(str(guid)))
    except ValueError:
        raise w.fail(f"{key}.feed_guid", f"must be the feed's podcast:guid, not {guid!r}") from None
    url = table.get("feed_url")
    return RemoteItem(
        feed_guid=guid,
        feed_url=None if url is None else w.url(f"{key}.feed_url", url),
        medium=None
        if table.get("medium") is None
        else w.text(f"{key}.medium", table["medium"], 32),
    )


def _license(w: _Where, show: Mapping[str, Any]) -> License | None:
    if show.get("license") is None:
        if show.get("license_url") is not None:
            raise w.fail("license_url", "needs license (an SPDX identifier such as cc-by-4.0)")
        return None
    url = show.get("license_url")
    return License(
        identifier=w.text("license", show["license"], 128).lower(),
        url=None if url is None else w.url("license_url", url),
    )


def _location(w: _Where, key: str, value: Any) -> Location | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Location(name=w.text(key, value, 128))
    table = w.table(key, value, ("name", "geo", "osm", "rel"))
    geo, osm, rel = table.get("geo"), table.get("osm"), table.get("rel")
    if geo is not None and not (isinstance(geo, str) and _GEO.match(geo)):
        raise w.fail(f"{key}.geo", f"must be an RFC 5870 geo: URI (geo:60.17,24.94), not {geo!r}")
    if osm is not None and not (isinstance(osm, str) and _OSM.match(osm)):
        raise w.fail(f"{key}.osm", f"must be an OpenStreetMap id (R34914, W123, N1), not {osm!r}")
    if rel is not None and rel not in ("subject", "creator"):
        raise w.fail(f"{key}.rel", f"must be subject or creator, not {rel!r}")
    return Location(name=w.text(f"{key}.name", table.get("name"), 128), geo=geo, osm=osm, rel=rel)


def _season_names(w: _Where, value: Any) -> dict[int, str]:
    if not isinstance(value, Mapping):
        raise w.fail("season_names", 'must be a table: { 1 = "name" }')
    out = {}
    for season, name in value.items():
        if not str(season).isdigit() or int(season) < 1:
            raise w.fail(f"season_names.{season}", "season must be a positive whole number")
        out[int(season)] = w.text(f"season_names.{season}", name, 128)
    return dict(sorted(out.items()))


def _prefix(w: _Where, value: Any) -> str:
    prefix = w.url("enclosure_prefix", value)
    if not prefix.endswith("/"):
        raise w.fail("enclosure_prefix", f"must end with '/', as OP3's does: {prefix!r}")
    return prefix


def _timeout(w: _Where, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
        raise w.fail("timeout_s", f"must be a number of seconds between 0 and 120, not {value!r}")
    return float(value)


def podcasting_config(settings: Podcasting) -> dict[str, dict[str, Any]]:
    """Return ``settings`` as ``kotocast.toml`` tables (``show``, ``feed``, ``notify`` keys).

    The inverse of :func:`read_podcasting` (``kotocast import`` writes an imported feed's
    funding, podroll, license, location... with it); values at their default are left out.
    """
    show: dict[str, Any] = {}
    feed: dict[str, Any] = {}
    notify: dict[str, Any] = {}
    if settings.funding:
        show["funding"] = [{"url": f.url, "text": f.text} for f in settings.funding]
    if settings.podroll:
        show["podroll"] = [
            {
                k: v
                for k, v in (
                    ("feed_guid", r.feed_guid),
                    ("feed_url", r.feed_url),
                    ("medium", r.medium),
                )
                if v
            }
            for r in settings.podroll
        ]
    if settings.license is not None:
        show["license"] = settings.license.identifier
        if settings.license.url:
            show["license_url"] = settings.license.url
    if settings.location is not None:
        where = settings.location
        show["location"] = {
            k: v
            for k, v in (
                ("name", where.name),
                ("geo", where.geo),
                ("osm", where.osm),
                ("rel", where.rel),
            )
            if v
        }
    if settings.season_names:
        show["season_names"] = {str(k): v for k, v in settings.season_names.items()}
    if settings.apple_podcasts_verify:
        feed["apple_podcasts_verify"] = settings.apple_podcasts_verify
    if settings.podroll_own_feeds:
        feed["podroll_own_feeds"] = True
    if settings.enclosure_prefix:
        feed["enclosure_prefix"] = settings.enclosure_prefix
    n = settings.notify
    if n.websub_hubs:
        notify["websub_hubs"] = list(n.websub_hubs)
    if n.ping_urls is not None:
        notify["ping_urls"] = list(n.ping_urls)
    if n.podping_url:
        notify["podping_url"] = n.podping_url
    if n.timeout_s != Notify().timeout_s:
        notify["timeout_s"] = n.timeout_s
    return {k: v for k, v in (("show", show), ("feed", feed), ("notify", notify)) if v}
