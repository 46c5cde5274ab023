"""Feed checks that read every element: language tags, escaping, persons and namespace tags.

Split from :mod:`feeds.validate` (which walks the channel and its items): these rules look at
attributes and text anywhere in the document or at one Podcast Index tag at a time. Each
function reports through ``add(rule, where, message)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from episodes.errors import FieldInvalid
from episodes.persons import person_role
from feeds.namespaces import ATOM_NS, CONTENT_NS, ITUNES_NS, PODCAST_NS, XML_NS

_I = f"{{{ITUNES_NS}}}"
_P = f"{{{PODCAST_NS}}}"
_A = f"{{{ATOM_NS}}}"

Add = Callable[[str, str, str], None]

#: Podcast Index transcript.md types (``application/srt`` is the older SRT spelling that
#: apps such as Pocket Casts still read).
TRANSCRIPT_TYPES = frozenset(
    {
        "text/vtt",
        "application/x-subrip",
        "application/srt",
        "application/json",
        "text/html",
        "text/plain",
    }
)
CHAPTERS_TYPE = "application/json+chapters"
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")

# RFC 5646 section 2.1 well-formed language tags (langtag, private use, the irregular
# grandfathered tags apps still meet). Case-insensitive, as the RFC says.
_LANGTAG = re.compile(
    r"""^(?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})   # language (+ extlang)
      (?:-[a-z]{4})?                                        # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                           # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*              # variants
      (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*                  # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                            # private use
    |x(?:-[a-z0-9]{1,8})+
    |en-gb-oed|i-[a-z]{3,8}|sgn-[a-z]{2}-[a-z]{2}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# 5-8 letter primary subtags are reserved for registration and none is registered: "suomi"
# or "finnish" is well-formed by the grammar but names no language.
_RESERVED_PRIMARY = re.compile(r"^[a-z]{4,8}(?:-|$)", re.IGNORECASE)

#: Attributes (any element) that carry a BCP 47 tag.
LANGUAGE_ATTRIBUTES = ("lang", "language", "hreflang", f"{{{XML_NS}}}lang")

# Parsed text that still holds a character reference was escaped twice (&amp;amp; in the
# file): podcast-partytime decodes such text once more than feedparser or podcastparser do.
_ENTITY = r"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_DOUBLE_IN_TEXT = re.compile(_ENTITY)
# HTML fields legitimately hold one level of escaping (<p>a &amp; b</p>); two is a bug.
_DOUBLE_IN_HTML = re.compile("&amp;" + _ENTITY[1:])
HTML_ELEMENTS = frozenset({"description", _I + "summary", f"{{{CONTENT_NS}}}encoded", _P + "txt"})

_DURATION = re.compile(r"^(?:[0-9]+|[0-9]+:[0-5][0-9]|[0-9]+:[0-5][0-9]:[0-5][0-9])$")
_RRULE_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-:]+$")
_RRULE_FREQ = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_POSITIVE_INT = re.compile(r"^[1-9][0-9]*$")
_TXT_MAX_CHARS = 4000
_FUNDING_MAX_CHARS = 128


def is_language_tag(value: str) -> bool:
    """Return whether ``value`` is a well-formed BCP 47 (RFC 5646) tag naming a language."""
    value = value.strip()
    return bool(_LANGTAG.match(value)) and (
        not _RESERVED_PRIMARY.match(value) or value.lower().startswith(("x-", "i-"))
    )


def is_duration(value: str) -> bool:
    """Return whether ``value`` is an ``itunes:duration`` Apple accepts.

    Apple's podcast RSS guide: seconds, ``MM:SS`` or ``HH:MM:SS`` (``H:MM:SS``, ``M:SS``).
    """
    return bool(_DURATION.match(value.strip()))


def _name(tag: str) -> str:
    for uri, prefix in ((_I, "itunes:"), (_P, "podcast:"), (_A, "atom:")):
        if tag.startswith(uri):
            return prefix + tag[len(uri) :]
    return tag.rpartition("}")[2] if "}" in tag else tag


def check_document(root: Element, where_of: Callable[[Element], str], add: Add) -> None:
    """Check language attributes and double escaping on every element under ``root``.

    Args:
        root: the parsed ``<rss>``.
        where_of: the place to name for an element (its item, or the channel).
        add: reports one problem.
    """
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attr in LANGUAGE_ATTRIBUTES:
            value = element.get(attr)
            if value is not None and not is_language_tag(value):
                add(
                    "language-tag",
                    where_of(element),
                    f"{_name(element.tag)} {_name(attr)}={value!r} is not a BCP 47 language tag",
                )
        text = element.text or ""
        pattern = _DOUBLE_IN_HTML if element.tag in HTML_ELEMENTS else _DOUBLE_IN_TEXT
        if "&" in text and (match := pattern.search(text)):
            add(
                "double-escape",
                where_of(element),
                f"{_name(element.tag)} holds {match.group()!r} after parsing: escaped twice",
            )
        for attr, value in element.attrib.items():
            if "&" in value and (match := _DOUBLE_IN_TEXT.search(value)):
                add(
                    "double-escape",
                    where_of(element),
                    f"{_name(element.tag)} {_name(attr)} holds {match.group()!r}: escaped twice",
                )


def check_person(person: Element, where: str, add: Add) -> None:
    """Check a ``podcast:person`` role and group against the Podcast Index taxonomy."""
    role = person.get("role") or "host"  # person.md: defaults host / cast
    group = person.get("group") or "cast"
    if person.get("role") is None and person.get("group") is not None:
        return  # a group without a role: the default role "host" need not be in it
    try:
        person_role(role, group, field=f"podcast:person {(person.text or '').strip()!r}")
    except FieldInvalid as e:
        add("person", where, str(e))


def check_channel_tags(ch: Element, where: str, add: Add) -> None:
    """Check the Podcast Index channel tags kotocast writes beyond the basics."""
    for person in ch.findall(_P + "person"):
        check_person(person, where, add)
    for trailer in ch.findall(_P + "trailer"):
        url, date = trailer.get("url", ""), trailer.get("pubdate", "")
        if not _absolute(url) or not _is_rfc2822(date) or not (trailer.text or "").strip():
            add(
                "trailer",
                where,
                f"podcast:trailer needs an absolute url, an RFC 2822 pubdate and a title "
                f"(url {url!r}, pubdate {date!r})",
            )
    check_images(ch, where, add)
    for funding in ch.findall(_P + "funding"):
        url, text = funding.get("url", ""), (funding.text or "").strip()
        if not _absolute(url):
            add("funding", where, f"podcast:funding url {url!r} is not an absolute http(s) URL")
        if len(text) > _FUNDING_MAX_CHARS:
            add("funding", where, f"podcast:funding text is {len(text)} characters (max 128)")
    for txt in ch.findall(_P + "txt"):
        text = (txt.text or "").strip()
        if not text or len(text) > _TXT_MAX_CHARS:
            add("txt", where, "podcast:txt is empty or over 4000 characters")
        purpose = txt.get("purpose")
        if purpose is not None and (not purpose.strip() or len(purpose) > 128):
            add("txt", where, f"podcast:txt purpose {purpose!r} is empty or over 128 characters")
    for podroll in ch.findall(_P + "podroll"):
        items = podroll.findall(_P + "remoteItem")
        if not items:
            add("remote-item", where, "podcast:podroll without podcast:remoteItem")
        for item in items:
            check_remote_item(item, where, add)
    frequency = ch.find(_P + "updateFrequency")
    if frequency is not None:
        rrule = frequency.get("rrule")
        if rrule is not None and not is_rrule(rrule):
            add(
                "update-frequency",
                where,
                f"podcast:updateFrequency rrule {rrule!r} is not RFC 5545",
            )
        if not (frequency.text or "").strip():
            add("update-frequency", where, "podcast:updateFrequency has no text")
    for license_ in ch.findall(_P + "license"):
        check_license(license_, where, add)
    for link in ch.findall(_A + "link"):
        if link.get("rel") == "hub" and not _absolute(link.get("href", "")):
            add("hub-link", where, f'atom:link rel="hub" href {link.get("href")!r} not absolute')


def check_remote_item(item: Element, where: str, add: Add) -> None:
    """Check a ``podcast:remoteItem``: a feedGuid (UUID) and, when given, an absolute feedUrl."""
    guid, url = item.get("feedGuid", ""), item.get("feedUrl")
    if not _UUID.match(guid):
        add("remote-item", where, f"podcast:remoteItem feedGuid {guid!r} is not a UUID")
    if url is not None and not _absolute(url):
        add("remote-item", where, f"podcast:remoteItem feedUrl {url!r} is not absolute")


def check_license(license_: Element, where: str, add: Add) -> None:
    """Check ``podcast:license``: an identifier text, and a URL when it is not SPDX-known."""
    text, url = (license_.text or "").strip(), license_.get("url")
    if not text or len(text) > 128:
        add("license", where, "podcast:license needs an identifier of at most 128 characters")
    if url is not None and not _absolute(url):
        add("license", where, f"podcast:license url {url!r} is not absolute")


def is_rrule(value: str) -> bool:
    """Return whether ``value`` looks like an RFC 5545 RRULE value with a known FREQ."""
    parts = value.strip().upper().split(";")
    if not all(_RRULE_PART.match(p) for p in parts):
        return False
    fields = dict(p.split("=", 1) for p in parts)
    return fields.get("FREQ") in _RRULE_FREQ


def check_images(element: Element, where: str, add: Add) -> None:
    """Check ``podcast:images srcset``: comma-separated ``URL WIDTHw`` entries."""
    for images in element.findall(_P + "images"):
        entries = [e.split() for e in (images.get("srcset") or "").split(",") if e.strip()]
        bad = [
            " ".join(e)
            for e in entries
            if len(e) != 2 or not _absolute(e[0]) or not re.fullmatch(r"[1-9][0-9]*w", e[1])
        ]
        if not entries or bad:
            add("images", where, f"podcast:images srcset entries not 'URL 600w': {bad or '(none)'}")


def _is_rfc2822(value: str) -> bool:
    try:
        return parsedate_to_datetime(value) is not None
    except (TypeError, ValueError, IndexError):
        return False


def check_item_tags(item: Element, where: str, add: Add) -> None:
    """Check item persons and the duration format."""
    for person in item.findall(_P + "person"):
        check_person(person, where, add)
    check_images(item, where, add)
    duration = item.findtext(_I + "duration")
    if duration is not None and not is_duration(duration):
        add(
            "duration",
            where,
            f"itunes:duration {duration!r} is not seconds, MM:SS or HH:MM:SS",
        )
    location = item.find(_P + "location")
    if location is not None and not (location.text or "").strip():
        add("location", where, "podcast:location has no name")


def check_episode_numbers(items: list[tuple[str, Element]], add: Add) -> None:
    """Flag two items that share a season and episode number.

    An item without ``itunes:season`` counts as season 1 only when no item has one.
    """
    seen: dict[tuple[str, str], str] = {}
    for where, item in items:
        number = (item.findtext(_I + "episode") or item.findtext(_P + "episode") or "").strip()
        if not _POSITIVE_INT.match(number):
            continue
        season = (item.findtext(_I + "season") or item.findtext(_P + "season") or "").strip()
        key = (season, number)
        if key in seen:
            label = f"S{season}E{number}" if season else f"episode {number}"
            add("episode-number-unique", where, f"{label} is also {seen[key]}")
        else:
            seen[key] = where.rpartition(": ")[2]


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_media_tags(item: Element, where: str, add: Add) -> None:
    """Check an item's transcripts, chapters, alternate enclosures and soundbites."""
    for transcript in item.findall(_P + "transcript"):
        url, kind = transcript.get("url", ""), transcript.get("type", "")
        if not _absolute(url):
            add("transcript", where, f"podcast:transcript url {url!r} is not absolute")
        if kind not in TRANSCRIPT_TYPES:
            add("transcript", where, f"podcast:transcript type {kind!r} is unknown")
    for chapters in item.findall(_P + "chapters"):
        url, kind = chapters.get("url", ""), chapters.get("type", "")
        if not _absolute(url) or kind != CHAPTERS_TYPE:
            add(
                "chapters",
                where,
                f"podcast:chapters needs an absolute url and type {CHAPTERS_TYPE}",
            )
    for alternate in item.findall(_P + "alternateEnclosure"):
        missing = [k for k in ("type", "length") if not alternate.get(k)]
        length = alternate.get("length", "")
        if length and not _POSITIVE_INT.match(length):
            missing.append("length > 0")
        sources = [s.get("uri", "") for s in alternate.findall(_P + "source")]
        if not sources:
            missing.append("podcast:source")
        missing += [f"absolute source uri {u!r}" for u in sources if not _absolute(u)]
        if missing:
            add(
                "alternate-enclosure",
                where,
                f"podcast:alternateEnclosure lacks {', '.join(missing)} (apps drop it)",
            )
    for bite in item.findall(_P + "soundbite"):
        if not (
            _NUMBER.match(bite.get("startTime", "")) and _NUMBER.match(bite.get("duration", ""))
        ):
            add("soundbite", where, "podcast:soundbite startTime/duration are not numbers")


def check_html(html: str, where: str, add: Add) -> None:
    """Check that a description uses only Apple's HTML subset (p, ol, ul, li, a http(s))."""
    if "<" not in _ALLOWED_TAGS.sub("", html):
        return  # only <p>, <ol>, <ul>, <li> (what kotocast writes): nothing to report
    checker = _HtmlSubset()
    checker.feed(html)
    checker.close()
    for tag in sorted(checker.bad_tags):
        add(
            "description-html",
            where,
            f"description uses <{tag}> (Apple allows p, ol, ul, li, a)",
        )
    for href in checker.bad_hrefs:
        add("description-html", where, f"description link {href!r} is not http(s)")


HTML_TAGS = frozenset({"p", "ol", "ul", "li", "a"})
# Bare allowed tags; a description with no other "<" has no tag the full parser would flag
# (anything else, <a href> included, goes through _HtmlSubset).
_ALLOWED_TAGS = re.compile(r"</?(?:p|ol|ul|li)>|</a>")


class _HtmlSubset(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad_tags: set[str] = set()
        self.bad_hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.bad_tags.add(tag)
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if not _absolute(href):
                self.bad_hrefs.append(href)
