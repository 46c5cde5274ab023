"""Read a foreign podcast feed (another host's RSS) into plain frozen values.

This is the reading half of ``kotocast import``: no network, no files, only bytes in and
dataclasses out. The feed comes from anywhere, so it is parsed with defusedxml and *every*
DTD is refused before anything in it is looked at (``forbid_dtd``): an external entity
(``<!ENTITY x SYSTEM "file:///etc/passwd">``) is never resolved and an entity-expansion bomb
("billion laughs") is never expanded, so neither reads a file nor costs memory. Real podcast
feeds have no use for a DTD.

What a parser of podcast apps tolerates, this one tolerates too, and says so: an item without
a guid is identified by its enclosure URL (what gPodder and most apps fall back to), an item
without an enclosure or a usable date is listed in :attr:`ForeignFeed.skipped` with the reason,
odd numbers are dropped rather than guessed. Item guids are kept verbatim (only surrounding
whitespace is trimmed, as every app does): they are the episodes' identity in every
subscriber's app (Apple's RSS guide: a guid never changes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from episodes.model import EPISODE_TYPES, Person, Soundbite
from episodes.text import parse_clock
from feeds import parse_tags
from feeds.description import html_to_text
from feeds.errors import FeedUnreadable
from feeds.namespaces import (
    ATOM_NS,
    CONTENT_NS,
    ITUNES_NS,
    ITUNES_NS_OLD,
    PODCAST_NS,
    PODCAST_NS_OLD,
)
from feeds.podcast_tags import Funding, License, Location, RemoteItem, Txt
from feeds.rss import AlternateEnclosure

#: The itunes namespace as Apple writes it, and the capitalised spelling old feeds still use.
ITUNES_NAMESPACES = (ITUNES_NS, ITUNES_NS_OLD)
#: The Podcast Index namespace, and the GitHub URL early adopters declared.
PODCAST_NAMESPACES = (PODCAST_NS, PODCAST_NS_OLD)

_MEDIA_TYPES = ("audio/", "video/")


class FeedForbidden(FeedUnreadable):
    """The XML declares a DTD or entities (external entities, expansion bombs): refused unread."""


class FeedNotPodcast(FeedUnreadable):
    """The bytes are not an RSS 2.0 podcast feed (an HTML page, Atom, a blog without media...)."""


@dataclass(frozen=True, slots=True)
class ForeignEnclosure:
    """An item's ``enclosure``: the media file listeners downloaded."""

    url: str
    length_bytes: int | None
    mime_type: str


@dataclass(frozen=True, slots=True)
class ForeignTranscript:
    """A ``podcast:transcript`` link."""

    url: str
    mime_type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignItem:
    """One episode of a foreign feed, as the feed states it."""

    guid: str
    title: str
    published_at: datetime
    enclosure: ForeignEnclosure
    description: str = ""
    duration_s: float | None = None
    season: int | None = None
    number: int | None = None
    episode_type: str = "full"
    explicit: bool | None = None
    chapters_url: str | None = None
    transcripts: tuple[ForeignTranscript, ...] = ()
    image_url: str | None = None
    guid_from_enclosure: bool = False
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    alternates: tuple[AlternateEnclosure, ...] = ()
    location: Location | None = None
    license: License | None = None


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item the parser could not take, and why (1-based position in the feed)."""

    position: int
    title: str
    why: str

    def __str__(self) -> str:
        name = f"{self.title!r}" if self.title else "(untitled)"
        return f"item {self.position} {name}: {self.why}"


@dataclass(frozen=True, slots=True)
class ForeignShow:
    """The channel-level settings of a foreign feed."""

    title: str
    description: str = ""
    language: str | None = None
    author: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None
    category: str | None = None
    subcategory: str | None = None
    explicit: bool | None = None
    image_url: str | None = None
    link: str | None = None
    copyright: str | None = None
    show_type: str = "episodic"
    podcast_guid: str | None = None
    self_url: str | None = None
    new_feed_url: str | None = None
    persons: tuple[Person, ...] = ()
    funding: tuple[Funding, ...] = ()
    podroll: tuple[RemoteItem, ...] = ()
    txt: tuple[Txt, ...] = ()
    license: License | None = None
    location: Location | None = None
    update_frequency: str | None = None
    hubs: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ForeignFeed:
    """A parsed foreign feed: the show, its usable items (feed order) and the skipped ones."""

    show: ForeignShow
    items: tuple[ForeignItem, ...]
    skipped: tuple[SkippedItem, ...] = ()


def parse_feed(xml: bytes, *, source: str) -> ForeignFeed:
    """Parse a foreign podcast feed safely.

    Args:
        xml: the feed's bytes (the caller limits their size).
        source: the file name or URL, named in every error.

    Returns:
        The show settings and items.

    Raises:
        FeedForbidden: the document has a DTD (external entities, entity bombs): nothing
            in it was resolved or expanded.
        FeedNotPodcast: not well-formed XML, not RSS 2.0, or no item with an audio or video
            enclosure.
    """
    try:
        root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedForbidden(
            f"{source}: refused: the XML declares a DTD or entities ({type(exc).__name__}); "
            "podcast feeds never need one, and external entities or entity expansion are "
            "never read"
        ) from None
    except ParseError as exc:
        raise FeedNotPodcast(f"{source}: not a podcast feed: not well-formed XML ({exc})") from None
    if root.tag != "rss":
        raise FeedNotPodcast(
            f"{source}: not a podcast feed: the document is <{_local(root.tag)}>, not <rss>"
        )
    channel = root.find("channel")
    if channel is None:
        raise FeedNotPodcast(f"{source}: not a podcast feed: <rss> has no <channel>")
    show = _show(channel, source)
    items: list[ForeignItem] = []
    skipped: list[SkippedItem] = []
    elements = channel.findall("item")
    seen: set[str] = set()
    for position, element in enumerate(elements, start=1):
        result = _item(element, position)
        if isinstance(result, SkippedItem):
            skipped.append(result)
        elif result.guid in seen:
            # One guid is one episode in every app: a repeat is a copy, not a new episode.
            why = f"guid {result.guid!r} repeats an earlier item"
            skipped.append(SkippedItem(position, result.title, why))
        else:
            seen.add(result.guid)
            items.append(result)
    if elements and all(_enclosure(e) is None for e in elements):
        raise FeedNotPodcast(
            f"{source}: not a podcast feed: none of its {len(elements)} items has an "
            "audio or video enclosure"
        )
    return ForeignFeed(show=show, items=tuple(items), skipped=tuple(skipped))


# --- channel -----------------------------------------------------------------------------


def _show(channel: Element, source: str) -> ForeignShow:
    title = _text(channel.find("title"))
    if not title:
        raise FeedNotPodcast(f"{source}: not a podcast feed: the channel has no <title>")
    owner = _itunes(channel, "owner")
    category, subcategory = _category(channel)
    image = _itunes(channel, "image")
    image_url = _attr(image, "href")
    if image_url is None:
        image_url = _text(channel.find("image/url")) or None
    self_url = None
    hubs: list[str] = []
    for link in channel.findall(f"{{{ATOM_NS}}}link"):
        if link.get("rel") == "self" and link.get("href") and self_url is None:
            self_url = link.get("href", "").strip()
        elif link.get("rel") == "hub" and (link.get("href") or "").strip():
            hubs.append(link.get("href", "").strip())
    guid = _text(_podcast(channel, "guid")).lower() or None
    show_type = _text(_itunes(channel, "type")).lower()
    description = _text(channel.find("description")) or _text(_itunes(channel, "summary"))
    return ForeignShow(
        title=_single_line(title),
        description=html_to_text(description),
        language=_text(channel.find("language")) or None,
        author=_single_line(_text(_itunes(channel, "author"))) or None,
        owner_name=_single_line(_text(_itunes(owner, "name"))) or None,
        owner_email=_text(_itunes(owner, "email")) or None,
        category=category,
        subcategory=subcategory,
        explicit=_explicit(_text(_itunes(channel, "explicit"))),
        image_url=image_url,
        link=_text(channel.find("link")) or None,
        copyright=_single_line(_text(channel.find("copyright"))) or None,
        show_type=show_type if show_type in ("episodic", "serial") else "episodic",
        podcast_guid=guid,
        self_url=self_url,
        new_feed_url=_text(_itunes(channel, "new-feed-url")) or None,
        persons=parse_tags.persons(channel, _podcast_all),
        funding=parse_tags.funding(channel, _podcast_all),
        podroll=parse_tags.podroll(channel, _podcast_all),
        txt=parse_tags.txt(channel, _podcast_all),
        license=parse_tags.license_(channel, _podcast_all),
        location=parse_tags.location(channel, _podcast_all),
        update_frequency=parse_tags.update_frequency(channel, _podcast_all),
        hubs=tuple(hubs),
    )


def _category(channel: Element) -> tuple[str | None, str | None]:
    for element in _all(channel, ITUNES_NAMESPACES, "category"):
        text = (element.get("text") or "").strip()
        if text:
            sub = next(iter(_all(element, ITUNES_NAMESPACES, "category")), None)
            sub_text = (sub.get("text") or "").strip() if sub is not None else ""
            return text, sub_text or None
    return None, None


# --- items -------------------------------------------------------------------------------


def _item(element: Element, position: int) -> ForeignItem | SkippedItem:
    title = _single_line(_text(element.find("title")) or _text(_itunes(element, "title")))
    enclosure = _enclosure(element)
    if enclosure is None:
        return SkippedItem(position, title, "no audio or video enclosure")
    guid = _text(element.find("guid"))
    from_enclosure = not guid
    if from_enclosure:
        # What podcast apps identify such an item by (gPodder, Pocket Casts): its media URL.
        guid = enclosure.url
    if not title:
        return SkippedItem(position, title, "no title")
    raw_date = _text(element.find("pubDate"))
    published = parse_rfc2822(raw_date)
    if published is None:
        why = f"pubDate {raw_date!r} is not an RFC 2822 date" if raw_date else "no pubDate"
        return SkippedItem(position, title, why)
    description = (
        _text(element.find(f"{{{CONTENT_NS}}}encoded"))
        or _text(element.find("description"))
        or _text(_itunes(element, "summary"))
    )
    episode_type = _text(_itunes(element, "episodeType")).lower()
    chapters = _podcast(element, "chapters")
    return ForeignItem(
        guid=guid,
        title=title,
        published_at=published,
        enclosure=enclosure,
        description=html_to_text(description),
        duration_s=parse_duration(_text(_itunes(element, "duration"))),
        season=_positive(_text(_itunes(element, "season")) or _text(_podcast(element, "season"))),
        number=_positive(_text(_itunes(element, "episode")) or _text(_podcast(element, "episode"))),
        episode_type=episode_type if episode_type in EPISODE_TYPES else "full",
        explicit=_explicit(_text(_itunes(element, "explicit"))),
        chapters_url=_attr(chapters, "url"),
        transcripts=tuple(
            ForeignTranscript(
                url=t.get("url", "").strip(),
                mime_type=(t.get("type") or "").strip().lower(),
                language=(t.get("language") or "").strip() or None,
                rel=(t.get("rel") or "").strip() or None,
            )
            for t in _all(element, PODCAST_NAMESPACES, "transcript")
            if (t.get("url") or "").strip()
        ),
        image_url=_attr(_itunes(element, "image"), "href"),
        guid_from_enclosure=from_enclosure,
        persons=parse_tags.persons(element, _podcast_all),
        soundbites=parse_tags.soundbites(element, _podcast_all),
        alternates=parse_tags.alternates(element, _podcast_all),
        location=parse_tags.location(element, _podcast_all),
        license=parse_tags.license_(element, _podcast_all),
    )


def _enclosure(element: Element) -> ForeignEnclosure | None:
    for enc in element.findall("enclosure"):
        url = (enc.get("url") or "").strip()
        mime = (enc.get("type") or "").strip().lower()
        if not url or (mime and not mime.startswith(_MEDIA_TYPES)):
            continue
        length = (enc.get("length") or "").strip()
        return ForeignEnclosure(
            url=url,
            length_bytes=int(length) if length.isdigit() and int(length) > 0 else None,
            mime_type=mime,
        )
    return None


# --- values ------------------------------------------------------------------------------


def parse_rfc2822(value: str) -> datetime | None:
    """Parse an RSS ``pubDate``, keeping its UTC offset; ``None`` if it is not a date.

    ``-0000`` ("offset unknown", RFC 2822 section 3.3) and zone names are read as UTC.
    """
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.replace(microsecond=0)


def parse_duration(value: str) -> float | None:
    """Parse ``itunes:duration`` (seconds, ``MM:SS`` or ``HH:MM:SS``); ``None`` if odd."""
    if not value:
        return None
    try:
        seconds = parse_clock(value.strip())
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _positive(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) >= 1 else None


def _explicit(value: str) -> bool | None:
    value = value.lower()
    if value in ("true", "yes", "explicit"):
        return True
    if value in ("false", "no", "clean"):
        return False
    return None


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _single_line(text: str) -> str:
    return " ".join(text.split())


def _attr(element: Element | None, name: str) -> str | None:
    if element is None:
        return None
    return (element.get(name) or "").strip() or None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(element: Element | None, namespaces: tuple[str, ...], name: str) -> list[Element]:
    if element is None:
        return []
    found: list[Element] = []
    for ns in namespaces:
        found += element.findall(f"{{{ns}}}{name}")
    return found


def _itunes(element: Element | None, name: str) -> Element | None:
    return next(iter(_all(element, ITUNES_NAMESPACES, name)), None)


def _podcast(element: Element | None, name: str) -> Element | None:
    return next(iter(_all(element, PODCAST_NAMESPACES, name)), None)


def _podcast_all(element: Element | None, name: str) -> list[Element]:
    return _all(element, PODCAST_NAMESPACES, name)
