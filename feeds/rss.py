"""Render the podcast RSS feed: Apple's itunes tags and the Podcast Index namespace.

feedgen builds the RSS 2.0 skeleton (channel basics, items, itunes channel tags through its
``podcast`` extension). What feedgen lacks or gets wrong for today's apps is rendered by our
own extension, registered as ``podcastindex`` (feedgen already uses the name ``podcast`` for
the itunes tags): every ``podcast:`` tag, ``itunes:explicit`` as ``true``/``false`` (feedgen
only knows yes/no/clean, Apple wants true/false), the item-level itunes tags, ``itunes:image``
with any image extension, and ``atom:link rel="alternate"`` (feedgen writes only rel=self).

Output is deterministic: items newest first with ties broken by guid, ``lastBuildDate`` is the
newest ``pubDate`` (never the clock), pubDates are written in UTC, no generator version.
Text loses only the characters XML 1.0 cannot carry (see :func:`feeds.description.xml_text`).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.base import BaseExtension
from feedgen.ext.podcast import PodcastExtension
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822
from lxml import etree

from episodes.errors import FieldInvalid
from episodes.model import Asset, Episode, Person, Show, Transcript, Variant
from episodes.persons import person_role
from feeds.description import description_html, xml_text
from feeds.errors import FeedUnrenderable, UrlInvalid
from feeds.guid import podcast_guid
from feeds.podcast_tags import (
    HISTORY_NS,
    ChannelTags,
    ItemTags,
    Trailer,
    channel_nodes,
    item_nodes,
    season_node,
    show_channel_tags,
)

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"
GENERATOR = "kotocast"

_ITUNES = f"{{{ITUNES_NS}}}"
_PODCAST = f"{{{PODCAST_NS}}}"
_ATOM = f"{{{ATOM_NS}}}"
# lxml writes the declaration with single quotes; Apple's guide shows (and some validators
# compare) the double-quoted form, so we write it ourselves.
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# A node our extension appends: (tag, attributes, text, children).
Node = tuple[str, dict[str, str], str | None, tuple[Any, ...]]

_FREQ_LABELS = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly", "YEARLY": "Yearly"}
_RRULE_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)")


class EpisodeUnrenderable(FeedUnrenderable):
    """An episode handed to :func:`render_feed` lacks what every item needs."""


@dataclass(frozen=True, slots=True)
class AlternateEnclosure:
    """One ``podcast:alternateEnclosure``: another rendition or language of an item's media.

    Podcast Index ``alternateEnclosure.md``: apps drop one without ``type``, ``length`` and
    at least one ``podcast:source``; ``lang`` is a BCP 47 tag. Attributes are written in the
    spec's order (type, length, bitrate, height, lang, title, rel, codecs, default).

    Attributes:
        type: MIME type (``audio/mpeg``, ``audio/x-m4a``, ``video/mp4``).
        length_bytes: file size in bytes (> 0).
        sources: absolute URIs of the same file, preferred first (one ``podcast:source`` each).
        lang: BCP 47 language of this rendition (``sv``); None for the item's own language.
        title: short label apps show in a picker (``Svenska``), at most 32 characters.
        bitrate_bps: average bits per second.
        height_px: video height in pixels.
        rel: group name for renditions that belong together.
        codecs: RFC 6381 codecs string (``mp4a.40.2``).
        default: this rendition is the item's ``enclosure``.
    """

    type: str
    length_bytes: int
    sources: tuple[str, ...]
    lang: str | None = None
    title: str | None = None
    bitrate_bps: int | None = None
    height_px: int | None = None
    rel: str | None = None
    codecs: str | None = None
    default: bool = False


class PodcastIndexExtension(BaseExtension):  # type: ignore[misc]
    """Our channel extension (feedgen extension API): channel nodes, then every item.

    Items do not go through feedgen's ``FeedEntry``: per item it costs ~40 Python calls
    (atom links, ``ensure_format``, three ``setlocale`` calls for each pubDate) and one lxml
    call per element, twice the time of the whole rest of the feed. Instead ``_item`` writes
    each item as escaped markup, all items are parsed in one libxml2 call and the parsed
    ``<item>`` elements are moved into the channel feedgen built, in the element order
    feedgen's ``rss_entry`` uses. lxml serialises the parsed tree exactly like one built
    element by element, so the bytes do not change (golden files).
    """

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.items: list[str] = []
        self.extra_ns: dict[str, str] = {}  # e.g. fh: for an RFC 5005 archive document

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS, **self.extra_ns}

    def extend_rss(self, element: etree._Element) -> etree._Element:
        # feedgen passes the <rss> root; it appends its own entries (we add none) after this.
        channel = element[0]
        _append(channel, self.nodes)
        if self.items:
            channel.extend(_parse_items(self.items))
        return element

    def extend_atom(self, element: etree._Element) -> etree._Element:
        return element


_ITEMS_OPEN = (
    f'<channel xmlns:itunes="{ITUNES_NS}" xmlns:podcast="{PODCAST_NS}" xmlns:atom="{ATOM_NS}">'
)


# Parsed markup cannot tell empty text from no text, lxml's serialiser can (<a></a> vs <a/>):
# an element whose text is "" carries this marker attribute until it gets its text back.
_EMPTY_TEXT = "kotocast-empty-text"


def _parse_items(items: list[str]) -> list[etree._Element]:
    markup = "".join((_ITEMS_OPEN, *items, "</channel>"))
    # Our own generated markup: keep CDATA sections as such (as etree.CDATA renders them);
    # huge_tree lifts libxml2's size limits for feeds with tens of thousands of items. A
    # parser per call: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(strip_cdata=False, huge_tree=True, resolve_entities=False)
    wrapper = etree.fromstring(markup.encode("utf-8"), parser)
    if f" {_EMPTY_TEXT}=" in markup:
        for element in wrapper.iterfind(f".//*[@{_EMPTY_TEXT}]"):
            del element.attrib[_EMPTY_TEXT]
            element.text = ""
    return list(wrapper)


_PREFIXES = {_ITUNES: "itunes:", _PODCAST: "podcast:", _ATOM: "atom:"}
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Attribute values also keep tab/LF/CR as references: the parser would normalise them to spaces.
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    | {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)
_NEEDS_TEXT_ESCAPE = re.compile("[&<>\r]")
_NEEDS_ATTR_ESCAPE = re.compile('[&<>"\t\n\r]')
# lxml's message for a string it refuses (what feedgen's element building raised).
_NOT_XML = (
    "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
)


def _text(value: str) -> str:
    """Escape element text for our item markup."""
    return value.translate(_TEXT_ESCAPES) if _NEEDS_TEXT_ESCAPE.search(value) else value


def _attr(value: str) -> str:
    """Escape an attribute value for our item markup."""
    return value.translate(_ATTR_ESCAPES) if _NEEDS_ATTR_ESCAPE.search(value) else value


def _value(value: str) -> str:
    """Return an attribute value as :func:`_node` keeps it (:func:`xml_text`), escaped."""
    if not (value.isascii() and value.isprintable()):
        value = xml_text(value)
    return _attr(value)


def _raw(value: str) -> str:
    """Refuse, like lxml, a value that did not pass :func:`xml_text` and XML cannot carry."""
    if not (value.isascii() and value.isprintable()) and xml_text(value) != value:
        raise ValueError(_NOT_XML)
    return value


def _markup(node: Node, out: list[str]) -> None:
    """Append ``node`` (values already through :func:`xml_text`) as markup to ``out``."""
    tag, attrs, text, children = node
    ns, _, local = tag.rpartition("}")
    name = _PREFIXES[ns + "}"] + local if ns else local
    out.append("<" + name)
    if text == "":
        out.append(f' {_EMPTY_TEXT}=""')
    for key, value in attrs.items():
        out.append(f' {key}="{_attr(value)}"')
    if text is None and not children:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(_text(text))
    for child in children:
        _markup(child, out)
    out.append(f"</{name}>")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc2822(date: datetime) -> str:
    """Format a UTC ``date`` exactly as feedgen's ``formatRFC2822`` (C locale) does."""
    if date.year < 1000:  # strftime's unpadded %Y; rare enough to take feedgen's own path
        return formatRFC2822(date)
    return (
        f"{_DAYS[date.weekday()]}, {date.day:02d} {_MONTHS[date.month - 1]} {date.year} "
        f"{date.hour:02d}:{date.minute:02d}:{date.second:02d} +0000"
    )


def _rfc2822_local(date: datetime) -> str:
    """Format an aware ``date`` in its own UTC offset (``Mon, 04 Mar 2024 07:00:00 +0200``)."""
    offset = date.utcoffset()
    if date.year < 1000 or offset is None or not offset:
        return _rfc2822(date.astimezone(UTC))
    minutes = round(offset.total_seconds() / 60)
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (
        f"{_DAYS[date.weekday()]}, {date.day:02d} {_MONTHS[date.month - 1]} {date.year} "
        f"{date.hour:02d}:{date.minute:02d}:{date.second:02d} {sign}{minutes // 60:02d}"
        f"{minutes % 60:02d}"
    )


def _append(parent: etree._Element, nodes: Iterable[Node]) -> None:
    for tag, attrs, text, children in nodes:
        element = etree.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = text
        if children:
            _append(element, children)


def _node(tag: str, text: str | None = None, children: tuple[Node, ...] = (), **attrs: Any) -> Node:
    return (
        tag,
        {
            k: v if type(v) is str and v.isascii() and v.isprintable() else xml_text(str(v))
            for k, v in attrs.items()
            if v is not None
        },
        None if text is None else xml_text(text),
        children,
    )


def asset_url(base_url: str, key: str) -> str:
    """Return the absolute URL of a storage object key under ``base_url``.

    Args:
        base_url: absolute http(s) URL the storage is served from (a path is kept).
        key: object key (``media/2024/ep-1-3f2a.mp3``); each segment is percent-encoded as
            UTF-8, so spaces, ``%``, ``#``, ``?`` and non-ASCII survive as data.

    Returns:
        ``base_url`` + ``/`` + the encoded key.

    Raises:
        UrlInvalid: base URL not absolute http(s), or the key empty, absolute or holding
            empty, ``.`` or ``..`` segments (which would leave the storage root).
    """
    return _url_prefix(base_url) + _encoded_key(key)


def _url_prefix(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UrlInvalid(f"{base_url}: base URL is not an absolute http(s) URL")
    return base_url.rstrip("/") + "/"


_SAFE_KEY = re.compile(r"[A-Za-z0-9/._~-]+")
_BAD_SEGMENT = re.compile(r"(?:^|/)\.{0,2}(?:/|$)")


def _encoded_key(key: str) -> str:
    if not key or _BAD_SEGMENT.search(key):
        raise UrlInvalid(f"{key!r}: object key is empty, absolute or has empty/./.. segments")
    if _SAFE_KEY.fullmatch(key):  # the usual slug-and-hash keys: nothing to encode
        return key
    return quote(key, safe="/-._~!$'()*+,;=:@")


def _number(value: float) -> str:
    """Format seconds the same way every run: up to 3 decimals, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _person_role(person: Person) -> tuple[str, str]:
    """Return role and group as the Podcast Index taxonomy spells them (lowercase).

    A role outside the group it was given (``producer`` with the default group ``cast``, or
    an unknown group such as ``crew``) is written in its own group; a role outside the
    taxonomy is written as given, for ``validate`` to report.
    """
    return _taxonomy_role(person.role, person.group)


@functools.lru_cache(maxsize=256)
def _taxonomy_role(role: str, group: str) -> tuple[str, str]:
    # Cached: the same few roles repeat on every item, and a refused one costs a difflib hint.
    try:
        checked = person_role(role, group)
    except FieldInvalid:
        try:
            checked = person_role(role)
        except FieldInvalid:
            return role.lower(), group.lower()
    return checked.role, checked.group


def _person(person: Person) -> Node:
    role, group = _person_role(person)
    return _node(
        _PODCAST + "person",
        person.name,
        role=role,
        group=group,
        img=person.img,
        href=person.href,
    )


def _transcript(base_url: str, transcript: Transcript, *, rel: str | None) -> str:
    # Markup of _node(_PODCAST + "transcript", url=..., type=..., language=..., rel=...),
    # written directly: one per item on most feeds.
    url = _value(base_url + _encoded_key(transcript.asset.key))
    kind, language = _value(transcript.asset.mime_type), _value(transcript.language)
    rel_attr = "" if rel is None else f' rel="{_value(rel)}"'
    return f'<podcast:transcript url="{url}" type="{kind}" language="{language}"{rel_attr}/>'


def _update_frequency(value: str, complete: bool) -> Node:
    match = _RRULE_FREQ.search(value.upper())
    if match:  # an RFC 5545 rrule: FREQ=WEEKLY;BYDAY=MO
        label = _FREQ_LABELS.get(match.group(1), match.group(1).title())
        rrule = value.upper()
        return _node(
            _PODCAST + "updateFrequency", label, complete="true" if complete else None, rrule=rrule
        )
    return _node(_PODCAST + "updateFrequency", value, complete="true" if complete else None)


def _released_at(episode: Episode, language: str | None = None) -> datetime:
    variant = episode.variant(language) or episode.main
    if variant.publish_at is None or variant.publish_at.tzinfo is None:
        raise EpisodeUnrenderable(f"{episode.slug}: no timezone-aware publish time")
    return variant.publish_at.astimezone(UTC)


def _sorted(episodes: Iterable[Episode], language: str | None = None) -> list[Episode]:
    # Newest first, ties by guid ascending: two stable sorts, the last one wins.
    by_guid = sorted(episodes, key=lambda e: e.guid)
    return sorted(by_guid, key=lambda e: _released_at(e, language), reverse=True)


def render_feed(
    show: Show,
    episodes: Sequence[Episode],
    *,
    feed_url: str,
    base_url: str,
    language: str | None = None,
    alternate_feeds: Mapping[str, str] | None = None,
    alternates: Mapping[str, Sequence[AlternateEnclosure]] | None = None,
    guid: str | None = None,
    tags: ChannelTags | None = None,
    item_tags: Mapping[str, ItemTags] | None = None,
    last_build_date: datetime | None = None,
    pubdate_offsets: bool = False,
    sibling_guids: Mapping[str, str] | None = None,
) -> bytes:
    """Render the show's RSS feed as deterministic UTF-8 bytes.

    Args:
        show: the show's settings.
        episodes: the released episodes (the caller filters with ``Episode.is_released``);
            any order, rendered newest first, ties by guid.
        feed_url: the canonical URL of this feed (``atom:link rel="self"``; derivation source
            of ``podcast:guid`` when ``show.podcast_guid`` is not yet assigned).
        base_url: absolute URL storage objects are served from.
        language: render the feed of one language (``feeds/<lang>.xml``): each episode's
            variant in that language (episodes without one are left out) and the localized
            show title and description. None: the one-feed show's ``feed.xml``, listing each
            episode's variant in the show's language (else its main variant).
        alternate_feeds: language -> URL of sibling feeds, as ``atom:link rel="alternate"``.
        alternates: episode guid -> further ``podcast:alternateEnclosure``s of that item
            (e.g. its other languages in an all-languages feed), written after the
            episode's own ``alternates`` in the order given.
        guid: this feed's ``podcast:guid`` as recorded at its first publish (the caller
            keeps it); None derives it (:func:`feed_guid`).
        tags: funding, podroll, txt, license, location, images, WebSub hubs, season names
            (:class:`feeds.podcast_tags.ChannelTags`). Trailer episodes in the feed become
            ``podcast:trailer`` on the channel in any case.
        item_tags: episode guid -> that item's location, images, license.
        last_build_date: when the feed's content last changed (the caller keeps it in the
            publish state); None: the newest pubDate. Never the clock.
        pubdate_offsets: write each pubDate in the UTC offset its publish time was given
            with (``+0200``; an imported feed's own offsets survive) instead of ``+0000``.
        sibling_guids: language -> ``podcast:guid`` of the feeds in ``alternate_feeds``, for
            the podroll ``[feed] podroll_own_feeds`` writes; by default derived as
            :mod:`pipeline.site` assigns them.

    The show's ``kotocast.toml`` Podcasting 2.0 settings (``show.podcasting``: funding,
    podroll, license, location, Apple's ownership code, season names, WebSub hubs,
    enclosure prefix) and ``[feed] update_frequency`` (an rrule, or ``"auto"``: derived from
    the release schedule) are written as well.

    Returns:
        The feed, starting ``<?xml version="1.0" encoding="UTF-8"?>``.

    Raises:
        FeedUnrenderable: blank show title; ``EpisodeUnrenderable`` (a subclass) for an
            episode without media, title or a timezone-aware publish time.
        UrlInvalid: ``base_url`` is not absolute http(s) or an object key is unusable.
    """
    alternate_feeds = alternate_feeds or {}
    base_url = _url_prefix(base_url)  # validated once; helpers append encoded keys
    alternates = alternates or {}
    tags = tags or ChannelTags()
    item_tags = item_tags or {}
    ordered = _sorted(episodes, language or show.language)
    season_names = {**show.podcasting.season_names, **tags.season_names}
    items = [
        _item(
            show,
            e,
            base_url=base_url,
            language=language,
            alternates=alternates.get(e.guid, ()),
            extra=item_tags.get(e.guid),
            season_names=season_names,
            pubdate_offsets=pubdate_offsets,
        )
        for e in ordered
    ]
    rendered = [i for i in items if i is not None]
    trailers = [
        _trailer(show, e, base_url, language) for e in ordered if e.episode_type == "trailer"
    ]
    tags = replace(tags, trailers=(*tags.trailers, *(t for t in trailers if t is not None)))
    siblings = {
        lang: (url, (sibling_guids or {}).get(lang) or _sibling_guid(show, lang, url))
        for lang, url in alternate_feeds.items()
    }
    tags, frequency = show_channel_tags(
        show, tags, sibling_feeds=siblings, episodes_released_at=[d for d, _ in rendered]
    )

    fg = FeedGenerator()
    # feedgen's itunes channel extension without its entry class: items get their itunes tags
    # from our extension (feedgen's entry class writes explicit as yes/no and drops images
    # not ending in .jpg/.png); add_entry skips an extension without entry class.
    fg.register_extension("podcast", PodcastExtension, None)
    fg.register_extension("podcastindex", PodcastIndexExtension, None)

    title = show.titles.get(language, show.title) if language else show.title
    text = show.descriptions.get(language, show.description) if language else show.description
    if not xml_text(title).strip():
        raise FeedUnrenderable(f"show title {title!r} is blank once XML-forbidden characters go")
    fg.title(xml_text(title))
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.link or base_url, rel="alternate")  # RSS <link>: the last link() call
    fg.description(etree.CDATA(description_html(text) or description_html(title)))
    fg.language(language or show.language)
    if show.copyright:
        fg.copyright(xml_text(show.copyright))
    fg.generator(GENERATOR)
    image = _show_image_url(show, base_url)
    if image:
        fg.image(url=image, title=xml_text(title), link=show.link or base_url)

    itunes = fg.podcast
    itunes.itunes_author(xml_text(show.author))
    category: dict[str, str] = {"cat": show.category}
    if show.subcategory:
        category["sub"] = show.subcategory
    itunes.itunes_category(category)
    itunes.itunes_owner(name=xml_text(show.author), email=xml_text(show.email))
    itunes.itunes_type(show.show_type)
    if show.block:
        itunes.itunes_block(True)
    if show.complete:
        itunes.itunes_complete(True)
    if show.new_feed_url:
        itunes.itunes_new_feed_url(show.new_feed_url)

    fg.podcastindex.nodes = _channel_nodes(
        show,
        feed_url=feed_url,
        image=image,
        language=language,
        alternate_feeds=alternate_feeds,
        guid=guid,
        update_frequency=frequency,
    )
    fg.podcastindex.nodes += channel_nodes(tags)
    if tags.archive is not None and tags.archive.is_archive:
        fg.podcastindex.extra_ns = {"fh": HISTORY_NS}
    fg.podcastindex.items = [markup for _, markup in rendered]

    if last_build_date is not None:
        fg.lastBuildDate(last_build_date.astimezone(UTC))
    elif rendered:
        fg.lastBuildDate(rendered[0][0])  # the newest pubDate: items are sorted newest first
    else:
        # feedgen falls back to the clock; an empty feed has no build date from content.
        fg._FeedGenerator__rss_lastBuildDate = None
    return XML_DECLARATION + bytes(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=False))


def _show_image_url(show: Show, base_url: str) -> str | None:
    if show.image_key:
        return base_url + _encoded_key(show.image_key)
    if show.image:
        # Without a recorded key the artwork is published under its workspace path.
        return show.image if _is_url(show.image) else base_url + _encoded_key(show.image)
    return None


def _channel_nodes(
    show: Show,
    *,
    feed_url: str,
    image: str | None,
    language: str | None,
    alternate_feeds: Mapping[str, str],
    guid: str | None = None,
    update_frequency: str | None = None,
) -> list[Node]:
    nodes: list[Node] = []
    for lang, href in sorted(alternate_feeds.items()):
        nodes.append(
            _node(
                _ATOM + "link",
                rel="alternate",
                type="application/rss+xml",
                hreflang=lang,
                href=href,
            )
        )
    if image:
        nodes.append(_node(_ITUNES + "image", href=image))
    nodes.append(_node(_ITUNES + "explicit", "true" if show.explicit else "false"))
    nodes.append(_node(_PODCAST + "locked", "yes" if show.locked else "no", owner=show.email))
    nodes.append(_node(_PODCAST + "guid", guid or feed_guid(show, feed_url, language)))
    nodes.append(_node(_PODCAST + "medium", show.medium))
    if update_frequency:
        nodes.append(_update_frequency(update_frequency, show.complete))
    nodes.extend(_node(_PODCAST + "txt", txt) for txt in show.txt)
    nodes.extend(_person(p) for p in show.persons)
    return nodes


def _sibling_guid(show: Show, language: str, url: str) -> str:
    """The ``podcast:guid`` of the show's ``language`` feed at ``url`` (as pipeline.site
    assigns it: recorded, else kotocast 0.1's series derivation, else UUIDv5 of the URL)."""
    if language in show.feed_guids:
        return show.feed_guids[language]
    if show.medium == "video" and show.languages and show.podcast_guid and not show.feed_guids:
        return feed_guid(show, url, language)
    return podcast_guid(url)


def feed_guid(show: Show, feed_url: str, language: str | None) -> str:
    """Return the ``podcast:guid`` of the show's feed, or of its ``language`` feed."""
    main = show.podcast_guid or podcast_guid(feed_url)
    if language is None:
        return main
    # A language feed is a feed of its own and needs its own podcast:guid; derive it from the
    # show's stored guid (not the URL) so it survives moves just like the main one.
    return str(uuid.uuid5(uuid.UUID(main), language))


def _prefixed(show: Show, url: str) -> str:
    """Put ``[feed] enclosure_prefix`` (an analytics redirect such as OP3's) before ``url``.

    OP3 and its kin take the target without ``https://`` (``https://op3.dev/e/host/a.mp3``)
    and an ``http://`` target with its scheme.
    """
    prefix = show.podcasting.enclosure_prefix
    if not prefix:
        return url
    return prefix + url.removeprefix("https://")


def _variant(show: Show, episode: Episode, language: str | None) -> Variant | None:
    """Return the variant a feed lists: in ``language``, else (one-feed show) the main one."""
    variant = episode.variant(language or show.language)
    if variant is None and language is None:
        variant = episode.main  # a one-feed show lists each episode's main variant
    return variant


def _trailer(show: Show, episode: Episode, base_url: str, language: str | None) -> Trailer | None:
    """Return the ``podcast:trailer`` of a trailer episode listed in this feed."""
    variant = _variant(show, episode, language)
    if variant is None or variant.media is None:
        return None
    return Trailer(
        url=base_url + _encoded_key(variant.media.key),
        title=xml_text(variant.title),
        pub_date=_released_at(episode, variant.language),
        length_bytes=variant.media.size_bytes,
        type=variant.media.mime_type,
        season=episode.season,
    )


def _item(
    show: Show,
    episode: Episode,
    *,
    base_url: str,
    language: str | None,
    alternates: Sequence[AlternateEnclosure] = (),
    extra: ItemTags | None = None,
    season_names: Mapping[int, str] | None = None,
    pubdate_offsets: bool = False,
) -> tuple[datetime, str] | None:
    """Return the item's pubDate and its ``<item>`` markup, or None (no variant in ``language``).

    Elements in the order feedgen's ``rss_entry`` writes them (title, description, guid,
    enclosure, pubDate), then our extension's.
    """
    variant = _variant(show, episode, language)
    if variant is None:
        return None
    date = _released_at(episode, variant.language)
    local = variant.publish_at if pubdate_offsets else None
    nodes: list[Node] = []
    media, title, text = variant.media, variant.title, variant.description
    transcripts = [_transcript(base_url, t, rel=t.rel) for t in variant.transcripts]
    if media is None:
        raise EpisodeUnrenderable(f"{episode.slug}: no processed media to enclose")
    title = xml_text(title)
    if not title.strip():
        raise EpisodeUnrenderable(f"{episode.slug}: title is blank")

    # The children every item has are written directly (numbers, fixed words, escaped
    # values); the rarer ones as nodes. Same elements, attributes and order either way.
    out: list[str] = []
    if media.duration_s is not None:
        out.append(f"<itunes:duration>{round(media.duration_s)}</itunes:duration>")
    if episode.image is not None:
        url = base_url + _encoded_key(episode.image.key)
        _markup(_node(_ITUNES + "image", href=url), out)
    if episode.explicit is not None:
        out.append(f"<itunes:explicit>{'true' if episode.explicit else 'false'}</itunes:explicit>")
    if episode.season is not None:
        out.append(f"<itunes:season>{episode.season}</itunes:season>")
    if episode.number is not None:
        out.append(f"<itunes:episode>{episode.number}</itunes:episode>")
    episode_type = xml_text(episode.episode_type)
    if episode_type:
        out.append(f"<itunes:episodeType>{_text(episode_type)}</itunes:episodeType>")
    else:  # keeps the empty-text marker (<a></a>, not <a/>)
        _markup(_node(_ITUNES + "episodeType", episode_type), out)
    if episode.season is not None:
        if season_names and episode.season in season_names:
            _markup(season_node(episode.season, dict(season_names)), out)
        else:
            out.append(f"<podcast:season>{episode.season}</podcast:season>")
    if episode.number is not None:
        out.append(f"<podcast:episode>{episode.number}</podcast:episode>")
    out.extend(transcripts)
    if variant.chapters_file is not None:
        url = _value(base_url + _encoded_key(variant.chapters_file.key))
        out.append(f'<podcast:chapters url="{url}" type="{CHAPTERS_TYPE}"/>')
    if variant.persons:
        # Item persons replace the channel's in apps (namespace person.md): repeat the
        # show's persons first, unless the item already names one of them (then its list is
        # complete as given, e.g. an imported feed's).
        seen = {(p.name, p.role.lower()) for p in variant.persons}
        channel = [(p.name, p.role.lower()) for p in show.persons]
        hosts = [] if seen.intersection(channel) else list(show.persons)
        nodes.extend(_person(p) for p in (*hosts, *variant.persons))
    for bite in variant.soundbites:
        nodes.append(
            _node(
                _PODCAST + "soundbite",
                bite.title,
                startTime=_number(bite.start_s),
                duration=_number(bite.duration_s),
            )
        )
    nodes.extend(
        _alternate(
            alternate_enclosure(
                base_url, a, lang=variant.language, title=rendition_title(a.mime_type, a)
            )
        )
        for a in variant.alternates
    )
    nodes.extend(_alternate(a) for a in alternates)
    if extra is not None:
        nodes.extend(item_nodes(extra))
    for node in nodes:
        _markup(node, out)

    description = description_html(text)
    guid = _raw(episode.guid)
    head = [
        "<item><title>",
        _text(title),
        "</title>",
        # description_html never contains "]]>", so CDATA is always safe.
        f"<description><![CDATA[{description}]]></description>" if description else "",
        # feedgen leaves out an empty guid.
        f'<guid isPermaLink="{"true" if _is_url(guid) else "false"}">{_text(guid)}</guid>'
        if guid
        else "",
        f'<enclosure url="{_attr(_raw(_prefixed(show, base_url + _encoded_key(media.key))))}"'
        f' length="{media.size_bytes}" type="{_attr(_raw(media.mime_type))}"/>',
        f"<pubDate>{_rfc2822_local(local) if local else _rfc2822(date)}</pubDate>",
    ]
    return date, "".join((*head, *out, "</item>"))


def alternate_enclosure(
    base_url: str, asset: Asset, *, lang: str | None = None, title: str | None = None
) -> AlternateEnclosure:
    """Return the :class:`AlternateEnclosure` of a published ``asset`` under ``base_url``.

    Raises:
        UrlInvalid: ``base_url`` is not absolute http(s) or the asset's key is unusable.
    """
    return AlternateEnclosure(
        type=asset.mime_type,
        length_bytes=asset.size_bytes,
        sources=(asset_url(base_url, asset.key),),
        lang=lang,
        title=title,
        bitrate_bps=None if asset.bitrate_kbps is None else asset.bitrate_kbps * 1000,
        height_px=asset.height,
    )


_CODEC_LABELS = {"audio/x-m4a": "AAC", "audio/mp4": "AAC", "audio/mpeg": "MP3", "audio/ogg": "Opus"}


def rendition_title(mime_type: str, asset: Asset | None = None) -> str:
    """Return the label apps show for a rendition in their picker (``AAC 96 kbps``, ``720p``).

    alternateEnclosure.md: ``title`` is at most 32 characters.
    """
    if mime_type.startswith("video/") and asset is not None and asset.height:
        return f"{asset.height}p"
    label = _CODEC_LABELS.get(mime_type, mime_type.partition("/")[2].upper())
    if asset is not None and asset.bitrate_kbps:
        label = f"{label} {asset.bitrate_kbps} kbps"
    return label[:32]


def _alternate(alternate: AlternateEnclosure) -> Node:
    sources = tuple(_node(_PODCAST + "source", uri=uri) for uri in alternate.sources)
    return _node(
        _PODCAST + "alternateEnclosure",
        None,
        sources,
        type=alternate.type,
        length=alternate.length_bytes,
        bitrate=alternate.bitrate_bps,
        height=alternate.height_px,
        lang=alternate.lang,
        title=alternate.title,
        rel=alternate.rel,
        codecs=alternate.codecs,
        default="true" if alternate.default else None,
    )
