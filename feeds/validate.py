"""Check any podcast feed against Apple's and the Podcast Index's rules.

One :class:`Problem` per broken rule and place, so ``kotocast validate`` can print one line
each. The rules (ids in brackets in every message) come from Apple's podcast RSS guide and
requirements, the Podcast Index namespace (``docs/tags/*.md``) and PSP-1, as collected in
``REFERENCE.md``; :data:`RULES` lists them all.

The feed may come from anywhere, so it is parsed with defusedxml (no DTDs, no entity
expansion, no network). ``podcast:guid`` policy: it must be a well-formed, lowercase UUIDv5;
it is *not* required to equal the derivation from the current ``atom:link rel="self"`` URL,
because the spec keeps the guid forever when a feed moves. What is refused is the known
wrong derivation: the self URL hashed with its scheme (``https://``) or trailing slash kept.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from feeds.categories import APPLE_CATEGORIES
from feeds.errors import FeedUnreadable
from feeds.guid import PODCAST_GUID_NAMESPACE, is_well_formed_guid, podcast_guid
from feeds.namespaces import ATOM_NS, ITUNES_NS, PODCAST_NS
from feeds.validate_tags import (
    check_channel_tags,
    check_document,
    check_episode_numbers,
    check_html,
    check_item_tags,
    check_media_tags,
    is_language_tag,
)

_I = f"{{{ITUNES_NS}}}"
_P = f"{{{PODCAST_NS}}}"
_A = f"{{{ATOM_NS}}}"

#: Apple: enclosure types and the file extension each one needs.
ENCLOSURE_TYPES: dict[str, tuple[str, ...]] = {
    "audio/mpeg": (".mp3",),
    "audio/x-m4a": (".m4a",),
    "video/mp4": (".mp4",),
    "video/x-m4v": (".m4v",),
    "video/quicktime": (".mov",),
}
MEDIUMS = frozenset(
    {
        "podcast",
        "music",
        "video",
        "film",
        "audiobook",
        "newsletter",
        "blog",
        "publisher",
        "course",
        "podcastL",
        "musicL",
        "videoL",
        "filmL",
        "audiobookL",
        "newsletterL",
        "blogL",
        "publisherL",
        "courseL",
        "mixed",
    }
)
DESCRIPTION_MAX_BYTES = 4000

#: Every rule id this module reports, with what it checks.
RULES: dict[str, str] = {
    "xml-well-formed": "the document parses as XML 1.0 (no DTD or entities: defusedxml)",
    "xml-encoding": 'declaration <?xml version="1.0" encoding="UTF-8"?> and UTF-8 bytes',
    "namespace": "itunes:, podcast:, atom: prefixes bound to exactly the right URIs",
    "rss-root": '<rss version="2.0"> with one <channel>',
    "channel-title": "channel title present and not blank",
    "channel-description": f"channel description present, <= {DESCRIPTION_MAX_BYTES} bytes",
    "channel-image": "itunes:image href: absolute http(s) URL ending .jpg/.jpeg/.png",
    "channel-language": "language present, an ISO 639 / BCP 47 tag",
    "channel-category": "itunes:category from Apple's list, spelled exactly (and subcategory)",
    "explicit": "itunes:explicit is true or false (channel: required)",
    "channel-type": "itunes:type episodic or serial",
    "serial-episodes": "serial show: every full episode has itunes:episode (trailers need none)",
    "new-feed-url": "itunes:new-feed-url is an absolute http(s) URL",
    "self-link": 'atom:link rel="self" with an absolute http(s) href (PSP-1)',
    "podcast-guid": "podcast:guid present, lowercase UUIDv5, not derived with the scheme",
    "podcast-locked": "podcast:locked yes|no",
    "podcast-medium": "podcast:medium from the namespace list",
    "medium-video": "podcast:medium video: every enclosure is video/*",
    "item-title": "item title present and not blank",
    "enclosure": "enclosure with absolute http(s) url, length > 0, Apple type, matching extension",
    "enclosure-unique": "no two items share an enclosure URL",
    "guid": "guid present, not blank, unique",
    "guid-permalink": 'a guid that is not a URL has isPermaLink="false"',
    "pubdate": "pubDate RFC 2822 with the correct weekday",
    "pubdate-future": "no pubDate in the future (directories hide such items)",
    "duration": "itunes:duration as seconds, MM:SS or HH:MM:SS (Apple)",
    "season-episode": "itunes:/podcast: season and episode are positive integers",
    "episode-type": "itunes:episodeType full|trailer|bonus",
    "description-html": "descriptions use only p, ol, ul, li, a (http(s) href)",
    "transcript": "podcast:transcript url absolute, type from the namespace list",
    "chapters": "podcast:chapters url absolute, type application/json+chapters",
    "alternate-enclosure": "podcast:alternateEnclosure has type, length and a podcast:source uri",
    "soundbite": "podcast:soundbite startTime and duration are non-negative numbers",
    "language-tag": "every lang/language/hreflang/xml:lang attribute is a BCP 47 tag",
    "double-escape": "no text escaped twice (&amp;amp; parses to &amp;)",
    "person": "podcast:person role and group from the Podcast Index taxonomy",
    "episode-number-unique": "no two items share a season and episode number",
    "funding": "podcast:funding url absolute, text at most 128 characters",
    "txt": "podcast:txt text of 1-4000 characters, purpose at most 128",
    "remote-item": "podcast:podroll holds podcast:remoteItem with a feedGuid UUID",
    "update-frequency": "podcast:updateFrequency has a label and an RFC 5545 rrule",
    "license": "podcast:license identifier (and absolute url)",
    "hub-link": 'atom:link rel="hub" (WebSub) href is an absolute http(s) URL',
    "location": "podcast:location has a name",
    "trailer": "podcast:trailer has an absolute url, an RFC 2822 pubdate and a title",
    "images": "podcast:images srcset lists absolute URLs with widths (URL 600w)",
}

_RFC2822 = re.compile(
    r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    r"Nov|Dec) \d{4} \d{2}:\d{2}(:\d{2})? ([+-]\d{4}|GMT|UT|[A-IK-Z]|[ECMP][SD]T)$"
)
_DECLARATION = re.compile(rb"^<\?xml\s+version=([\"'])1\.0\1\s+encoding=([\"'])([^\"']+)\2")
_POSITIVE_INT = re.compile(r"^[1-9][0-9]*$")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule at one place of a feed."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.rule}]"


def fetch_feed(source: str, *, timeout_s: float = 20, max_bytes: int = 50_000_000) -> bytes:
    """Read a feed from a file path or an http(s) URL.

    Args:
        source: path or ``http://`` / ``https://`` URL.
        timeout_s: network timeout.
        max_bytes: refuse feeds larger than this.

    Returns:
        The raw bytes.

    Raises:
        FeedUnreadable: missing file, network or HTTP error, or too large.
    """
    try:
        if source.startswith(("http://", "https://")):
            import urllib.request  # 25 ms of imports (http.client, email) only when fetching

            request = urllib.request.Request(source, headers={"User-Agent": "kotocast-validate"})
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                data = bytes(response.read(max_bytes + 1))
        elif "://" in source:
            raise FeedUnreadable(f"{source}: only files and http(s) URLs can be read")
        else:
            with Path(source).open("rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as e:  # URLError and HTTPError are OSErrors
        raise FeedUnreadable(f"{source}: cannot read feed: {e}") from e
    if len(data) > max_bytes:
        raise FeedUnreadable(f"{source}: cannot read feed: larger than {max_bytes} bytes")
    return data


def validate_feed(xml: bytes, *, source: str, now: datetime | None = None) -> list[Problem]:
    """Check a podcast feed against every rule in :data:`RULES`.

    Args:
        xml: the feed's bytes.
        source: file name or URL, used in every problem's ``where``.
        now: the moment "future" is measured from (aware); default: the clock.

    Returns:
        The problems in document order; empty when the feed passes.
    """
    checker = _Checker(source, now or datetime.now(UTC))
    checker.run(xml)
    return checker.problems


class _Checker:
    def __init__(self, source: str, now: datetime) -> None:
        self.source = source
        self.now = now
        self.problems: list[Problem] = []
        self.places: dict[int, str] = {}  # id(element inside an item) -> that item's place

    def add(self, rule: str, where: str, message: str) -> None:
        self.problems.append(Problem(rule, where, message))

    def run(self, xml: bytes) -> None:
        self.check_encoding(xml)
        try:
            prefixes, root = _parse(xml)
        except ParseError as e:
            self.add("xml-well-formed", self.source, f"not well-formed XML: {e}")
            return
        except DefusedXmlException as e:
            self.add("xml-well-formed", self.source, f"forbidden XML construct: {e}")
            return
        self.check_namespaces(prefixes)
        channel = root.find("channel")
        if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
            self.add("rss-root", self.source, 'not an <rss version="2.0"> with a <channel>')
            return
        self.check_channel(channel)
        self.check_items(channel)
        check_document(root, self.where_of, self.add)

    def where_of(self, element: Element) -> str:
        return self.places.get(id(element), f"{self.source}: channel")

    def check_encoding(self, xml: bytes) -> None:
        match = _DECLARATION.match(xml)
        if match is None:
            self.add("xml-encoding", self.source, 'no <?xml version="1.0" encoding="UTF-8"?>')
        elif match.group(3).decode("ascii", "replace").upper() != "UTF-8":
            self.add("xml-encoding", self.source, f"encoding {match.group(3)!r}, not UTF-8")
        try:
            xml.decode("utf-8")
        except UnicodeDecodeError as e:
            self.add("xml-encoding", self.source, f"bytes are not UTF-8 at offset {e.start}")

    def check_namespaces(self, prefixes: list[tuple[str, str]]) -> None:
        # podcast-partytime and others match the literal prefixes, so both prefix and URI count.
        wanted = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}
        for prefix, uri in prefixes:
            if prefix in wanted and uri != wanted[prefix]:
                self.add(
                    "namespace", self.source, f"xmlns:{prefix}={uri!r}, want {wanted[prefix]!r}"
                )
            for name, want in wanted.items():
                if uri == want and prefix != name:
                    self.add(
                        "namespace", self.source, f"{uri} bound to {prefix!r}, apps need {name!r}"
                    )

    # -- channel ----------------------------------------------------------------------------

    def check_channel(self, ch: Element) -> None:
        where = f"{self.source}: channel"
        title = ch.findtext("title")
        if not (title or "").strip():
            self.add("channel-title", where, "title missing or blank")
        description = ch.findtext("description")
        if not (description or "").strip():
            self.add("channel-description", where, "description missing or blank")
        else:
            size = len(description.encode("utf-8"))  # type: ignore[union-attr]
            if size > DESCRIPTION_MAX_BYTES:
                self.add("channel-description", where, f"description is {size} bytes (max 4000)")
            check_html(description or "", where, self.add)
        image = ch.find(_I + "image")
        href = image.get("href", "") if image is not None else ""
        if not href:
            self.add("channel-image", where, "itunes:image href missing")
        elif not _absolute(href) or not urlsplit(href).path.lower().endswith(
            (".jpg", ".jpeg", ".png")
        ):
            self.add(
                "channel-image", where, f"itunes:image {href!r} is not an absolute .jpg/.png URL"
            )
        language = (ch.findtext("language") or "").strip()
        if not language:
            self.add("channel-language", where, "language missing")
        elif not is_language_tag(language):
            self.add("channel-language", where, f"language {language!r} is not ISO 639 / BCP 47")
        self.check_categories(ch, where)
        explicit = ch.findtext(_I + "explicit")
        if explicit is None:
            self.add("explicit", where, "itunes:explicit missing (true or false)")
        else:
            self.check_explicit(explicit, where)
        show_type = ch.findtext(_I + "type")
        if show_type is not None and show_type.strip() not in ("episodic", "serial"):
            self.add("channel-type", where, f"itunes:type {show_type!r} is not episodic|serial")
        new_url = ch.findtext(_I + "new-feed-url")
        if new_url is not None and not _absolute(new_url.strip()):
            self.add("new-feed-url", where, f"itunes:new-feed-url {new_url!r} is not absolute")
        self_url = self.check_self_link(ch, where)
        self.check_podcast_guid(ch, where, self_url)
        locked = ch.findtext(_P + "locked")
        if locked is not None and locked.strip() not in ("yes", "no"):
            self.add("podcast-locked", where, f"podcast:locked {locked!r} is not yes|no")
        medium = ch.findtext(_P + "medium")
        if medium is not None and medium.strip() not in MEDIUMS:
            self.add("podcast-medium", where, f"podcast:medium {medium!r} is unknown")
        check_channel_tags(ch, where, self.add)

    def check_categories(self, ch: Element, where: str) -> None:
        categories = ch.findall(_I + "category")
        if not categories:
            self.add("channel-category", where, "itunes:category missing")
        for category in categories:
            name = category.get("text", "")
            if name not in APPLE_CATEGORIES:
                self.add("channel-category", where, f"itunes:category {name!r} is not Apple's")
                continue
            for sub in category.findall(_I + "category"):
                if sub.get("text", "") not in APPLE_CATEGORIES[name]:
                    self.add(
                        "channel-category",
                        where,
                        f"itunes:category {sub.get('text')!r} is not a subcategory of {name!r}",
                    )

    def check_explicit(self, value: str, where: str) -> None:
        if value.strip() not in ("true", "false"):
            self.add("explicit", where, f"itunes:explicit {value!r}: Apple accepts true|false only")

    def check_self_link(self, ch: Element, where: str) -> str | None:
        for link in ch.findall(_A + "link"):
            if link.get("rel") == "self":
                href = link.get("href", "")
                if not _absolute(href):
                    self.add("self-link", where, f'atom:link rel="self" href {href!r} not absolute')
                return href
        self.add("self-link", where, 'atom:link rel="self" missing')
        return None

    def check_podcast_guid(self, ch: Element, where: str, self_url: str | None) -> None:
        value = ch.findtext(_P + "guid")
        if value is None:
            self.add("podcast-guid", where, "podcast:guid missing")
            return
        value = value.strip()
        if not is_well_formed_guid(value) or uuid.UUID(value).version != 5:
            self.add("podcast-guid", where, f"podcast:guid {value!r} is not a lowercase UUIDv5")
            return
        if self_url and value != podcast_guid(self_url):
            wrong = {
                str(uuid.uuid5(PODCAST_GUID_NAMESPACE, self_url)),
                str(uuid.uuid5(PODCAST_GUID_NAMESPACE, self_url.rstrip("/"))),
            }
            if value in wrong:
                self.add(
                    "podcast-guid",
                    where,
                    f"podcast:guid {value} hashes {self_url!r} with its scheme; the spec "
                    f"removes it: {podcast_guid(self_url)}",
                )

    # -- items ------------------------------------------------------------------------------

    def check_items(self, ch: Element) -> None:
        serial = (ch.findtext(_I + "type") or "").strip() == "serial"
        video = (ch.findtext(_P + "medium") or "").strip() == "video"
        guids: dict[str, int] = {}
        urls: dict[str, int] = {}
        items = ch.findall("item")
        if serial and not items:
            self.add("serial-episodes", f"{self.source}: channel", "serial show without episodes")
        places = []
        for index, item in enumerate(items, 1):
            guid = (item.findtext("guid") or "").strip()
            where = f"{self.source}: item {index}" + (f" ({guid})" if guid else "")
            places.append((where, item))
            self.places.update((id(e), where) for e in item.iter())
            self.check_item(item, where, serial=serial, video=video)
            if guid:
                if guid in guids:
                    self.add("guid", where, f"guid {guid!r} repeats item {guids[guid]}")
                guids.setdefault(guid, index)
            enclosure = item.find("enclosure")
            url = enclosure.get("url", "") if enclosure is not None else ""
            if url:
                if url in urls:
                    self.add("enclosure-unique", where, f"enclosure url repeats item {urls[url]}")
                urls.setdefault(url, index)
        check_episode_numbers(places, self.add)

    def check_item(self, item: Element, where: str, *, serial: bool, video: bool) -> None:
        if not (item.findtext("title") or "").strip():
            self.add("item-title", where, "title missing or blank")
        self.check_enclosure(item.find("enclosure"), where, video=video)
        guid = item.find("guid")
        if guid is None or not (guid.text or "").strip():
            self.add("guid", where, "guid missing or blank")
        elif guid.get("isPermaLink", "true") != "false" and not _absolute(guid.text.strip()):  # type: ignore[union-attr]
            self.add("guid-permalink", where, 'guid is not a URL: needs isPermaLink="false"')
        self.check_pubdate(item.findtext("pubDate"), where)
        for tag in (_I + "season", _I + "episode", _P + "season", _P + "episode"):
            value = item.findtext(tag)
            if value is not None and not _POSITIVE_INT.match(value.strip()):
                self.add(
                    "season-episode", where, f"{_prefixed(tag)} {value!r} is not a positive integer"
                )
        episode_type = item.findtext(_I + "episodeType")
        # Apple: trailers and bonus episodes of a serial show need no number.
        full = (episode_type or "full").strip() == "full"
        if serial and full and item.findtext(_I + "episode") is None:
            self.add("serial-episodes", where, "serial show: itunes:episode missing")
        if episode_type is not None and episode_type.strip() not in ("full", "trailer", "bonus"):
            self.add(
                "episode-type",
                where,
                f"itunes:episodeType {episode_type!r} is not full|trailer|bonus",
            )
        explicit = item.findtext(_I + "explicit")
        if explicit is not None:
            self.check_explicit(explicit, where)
        check_html(item.findtext("description") or "", where, self.add)
        check_media_tags(item, where, self.add)
        check_item_tags(item, where, self.add)

    def check_enclosure(self, enclosure: Element | None, where: str, *, video: bool) -> None:
        if enclosure is None:
            self.add("enclosure", where, "enclosure missing")
            return
        url, length, kind = (enclosure.get(k) for k in ("url", "length", "type"))
        if not url or not _absolute(url):
            self.add("enclosure", where, f"enclosure url {url!r} is not an absolute http(s) URL")
        if length is None:
            self.add("enclosure", where, "enclosure length missing")
        elif not _POSITIVE_INT.match(length.strip()):
            self.add("enclosure", where, f"enclosure length {length!r} is not bytes > 0")
        if kind not in ENCLOSURE_TYPES:
            self.add("enclosure", where, f"enclosure type {kind!r} is not one Apple accepts")
        elif url and not unquote(urlsplit(url).path).lower().endswith(ENCLOSURE_TYPES[kind]):
            self.add(
                "enclosure",
                where,
                f"enclosure url does not end in {'/'.join(ENCLOSURE_TYPES[kind])} for {kind}",
            )
        if video and kind is not None and not kind.startswith("video/"):
            self.add("medium-video", where, f"podcast:medium video but enclosure type {kind!r}")

    def check_pubdate(self, value: str | None, where: str) -> None:
        if value is None:
            self.add("pubdate", where, "pubDate missing")
            return
        text = " ".join(value.split())
        match = _RFC2822.match(text)
        try:
            when = parsedate_to_datetime(text) if match else None
        except (TypeError, ValueError):
            when = None
        if match is None or when is None:
            self.add(
                "pubdate",
                where,
                f"pubDate {value!r} is not RFC 2822 (Wed, 15 Jun 2022 19:00:00 +0000)",
            )
            return
        if match.group(1) and match.group(1) != _WEEKDAYS[when.weekday()]:
            self.add(
                "pubdate", where, f"pubDate {value!r}: that day is a {_WEEKDAYS[when.weekday()]}"
            )
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when > self.now:
            self.add("pubdate-future", where, f"pubDate {value!r} is in the future: apps hide it")


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _prefixed(tag: str) -> str:
    return tag.replace(_I, "itunes:").replace(_P, "podcast:")


def _parse(xml: bytes) -> tuple[list[tuple[str, str]], Element]:
    """Return the namespace declarations (document order) and the root, in one parse."""
    events = SafeET.iterparse(io.BytesIO(xml), events=("start-ns",))
    prefixes = [(prefix, uri) for _event, (prefix, uri) in events]
    return prefixes, events.root  # type: ignore[attr-defined]
