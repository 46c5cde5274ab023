"""The XML layer under :mod:`feeds.rss`: namespaces, escaping, item markup, dates, URLs.

Items are written as escaped markup and parsed in one libxml2 call (see
:class:`feeds.rss.PodcastIndexExtension`); channel nodes are ``(tag, attributes, text,
children)`` tuples appended with lxml. Both shapes and every helper they need live here so
:mod:`feeds.rss` and :mod:`feeds.podcast_tags` write the same bytes the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.util import formatRFC2822
from lxml import etree

from feeds.description import xml_text
from feeds.errors import UrlInvalid
from feeds.namespaces import ATOM_NS, ITUNES_NS, PODCAST_NS

_ITUNES = f"{{{ITUNES_NS}}}"
_PODCAST = f"{{{PODCAST_NS}}}"
_ATOM = f"{{{ATOM_NS}}}"
# lxml writes the declaration with single quotes; Apple's guide shows (and some validators
# compare) the double-quoted form, so we write it ourselves.
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# A node our extension appends: (tag, attributes, text, children).
Node = tuple[str, dict[str, str], str | None, tuple[Any, ...]]


_ITEMS_OPEN = (
    f'<channel xmlns:itunes="{ITUNES_NS}" xmlns:podcast="{PODCAST_NS}" xmlns:atom="{ATOM_NS}">'
)


# Parsed markup cannot tell empty text from no text, lxml's serialiser can (<a></a> vs <a/>):
# an element whose text is "" carries this marker attribute until it gets its text back.
_EMPTY_TEXT = "kotocast-empty-text"


def parse_items(items: list[str]) -> list[etree._Element]:
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


def escape_text(value: str) -> str:
    """Escape element text for our item markup."""
    return value.translate(_TEXT_ESCAPES) if _NEEDS_TEXT_ESCAPE.search(value) else value


def escape_attr(value: str) -> str:
    """Escape an attribute value for our item markup."""
    return value.translate(_ATTR_ESCAPES) if _NEEDS_ATTR_ESCAPE.search(value) else value


def attr_value(value: str) -> str:
    """Return an attribute value as :func:`node` keeps it (:func:`xml_text`), escaped."""
    if not (value.isascii() and value.isprintable()):
        value = xml_text(value)
    return escape_attr(value)


def checked_value(value: str) -> str:
    """Refuse, like lxml, a value that did not pass :func:`xml_text` and XML cannot carry."""
    if not (value.isascii() and value.isprintable()) and xml_text(value) != value:
        raise ValueError(_NOT_XML)
    return value


def write_markup(node: Node, out: list[str]) -> None:
    """Append ``node`` (values already through :func:`xml_text`) as markup to ``out``."""
    tag, attrs, text, children = node
    ns, _, local = tag.rpartition("}")
    name = _PREFIXES[ns + "}"] + local if ns else local
    out.append("<" + name)
    if text == "":
        out.append(f' {_EMPTY_TEXT}=""')
    for key, value in attrs.items():
        out.append(f' {key}="{escape_attr(value)}"')
    if text is None and not children:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(escape_text(text))
    for child in children:
        write_markup(child, out)
    out.append(f"</{name}>")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(date: datetime) -> str:
    """Format a UTC ``date`` exactly as feedgen's ``formatRFC2822`` (C locale) does."""
    if date.year < 1000:  # strftime's unpadded %Y; rare enough to take feedgen's own path
        return formatRFC2822(date)
    return (
        f"{_DAYS[date.weekday()]}, {date.day:02d} {_MONTHS[date.month - 1]} {date.year} "
        f"{date.hour:02d}:{date.minute:02d}:{date.second:02d} +0000"
    )


def rfc2822_local(date: datetime) -> str:
    """Format an aware ``date`` in its own UTC offset (``Mon, 04 Mar 2024 07:00:00 +0200``)."""
    offset = date.utcoffset()
    if date.year < 1000 or offset is None or not offset:
        return rfc2822(date.astimezone(UTC))
    minutes = round(offset.total_seconds() / 60)
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (
        f"{_DAYS[date.weekday()]}, {date.day:02d} {_MONTHS[date.month - 1]} {date.year} "
        f"{date.hour:02d}:{date.minute:02d}:{date.second:02d} {sign}{minutes // 60:02d}"
        f"{minutes % 60:02d}"
    )


def append_nodes(parent: etree._Element, nodes: Iterable[Node]) -> None:
    for tag, attrs, text, children in nodes:
        element = etree.SubElement(parent, tag, attrs)
        if text is not None:
            element.text = text
        if children:
            append_nodes(element, children)


def node(tag: str, text: str | None = None, children: tuple[Node, ...] = (), **attrs: Any) -> Node:
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
    return url_prefix(base_url) + encoded_key(key)


def url_prefix(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UrlInvalid(f"{base_url}: base URL is not an absolute http(s) URL")
    return base_url.rstrip("/") + "/"


_SAFE_KEY = re.compile(r"[A-Za-z0-9/._~-]+")
_BAD_SEGMENT = re.compile(r"(?:^|/)\.{0,2}(?:/|$)")


def encoded_key(key: str) -> str:
    if not key or _BAD_SEGMENT.search(key):
        raise UrlInvalid(f"{key!r}: object key is empty, absolute or has empty/./.. segments")
    if _SAFE_KEY.fullmatch(key):  # the usual slug-and-hash keys: nothing to encode
        return key
    return quote(key, safe="/-._~!$'()*+,;=:@")


def seconds_text(value: float) -> str:
    """Format seconds the same way every run: up to 3 decimals, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))
