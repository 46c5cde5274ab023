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

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.base import BaseExtension
from feedgen.ext.podcast import PodcastExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from episodes.model import Asset, Episode, Person, Show, Transcript
from feeds.description import description_html, xml_text
from feeds.errors import FeedUnrenderable, UrlInvalid
from feeds.guid import podcast_guid

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


class _Nodes(BaseExtension):  # type: ignore[misc]
    """Appends prepared nodes to the channel (feed) or item (entry) feedgen built."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def extend_rss(self, element: etree._Element) -> etree._Element:
        # feedgen passes the <rss> root for the channel extension and the <item> for entries.
        parent = element[0] if element.tag == "rss" else element
        _append(parent, self.nodes)
        return element

    def extend_atom(self, element: etree._Element) -> etree._Element:
        return element


class PodcastIndexExtension(_Nodes):
    """Channel part of our extension (feedgen extension API)."""


class PodcastIndexEntryExtension(_Nodes):
    """Item part of our extension (feedgen extension API)."""


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


def _person(person: Person) -> Node:
    return _node(
        _PODCAST + "person",
        person.name,
        role=person.role.lower(),
        group=person.group.lower(),
        img=person.img,
        href=person.href,
    )


def _transcript(base_url: str, transcript: Transcript, *, rel: str | None) -> Node:
    return _node(
        _PODCAST + "transcript",
        url=base_url + _encoded_key(transcript.asset.key),
        type=transcript.asset.mime_type,
        language=transcript.language,
        rel=rel,
    )


def _update_frequency(value: str, complete: bool) -> Node:
    match = _RRULE_FREQ.search(value.upper())
    if match:  # an RFC 5545 rrule: FREQ=WEEKLY;BYDAY=MO
        label = _FREQ_LABELS.get(match.group(1), match.group(1).title())
        rrule = value.upper()
        return _node(
            _PODCAST + "updateFrequency", label, complete="true" if complete else None, rrule=rrule
        )
    return _node(_PODCAST + "updateFrequency", value, complete="true" if complete else None)


def _released_at(episode: Episode) -> datetime:
    if episode.publish_at is None or episode.publish_at.tzinfo is None:
        raise EpisodeUnrenderable(f"{episode.slug}: no timezone-aware publish time")
    return episode.publish_at.astimezone(UTC)


def _sorted(episodes: Iterable[Episode]) -> list[Episode]:
    # Newest first, ties by guid ascending: two stable sorts, the last one wins.
    by_guid = sorted(episodes, key=lambda e: e.guid)
    return sorted(by_guid, key=_released_at, reverse=True)


def render_feed(
    show: Show,
    episodes: Sequence[Episode],
    *,
    feed_url: str,
    base_url: str,
    language: str | None = None,
    alternate_feeds: Mapping[str, str] | None = None,
) -> bytes:
    """Render the show's RSS feed as deterministic UTF-8 bytes.

    Args:
        show: the show's settings.
        episodes: the released episodes (the caller filters with ``Episode.is_released``);
            any order, rendered newest first, ties by guid.
        feed_url: the canonical URL of this feed (``atom:link rel="self"``; derivation source
            of ``podcast:guid`` when ``show.podcast_guid`` is not yet assigned).
        base_url: absolute URL storage objects are served from.
        language: render the per-language feed of a video series: each episode's ``Variant``
            in that language (episodes without one are left out), localized show title and
            description, ``podcast:medium`` video, captions as ``rel="captions"`` transcripts.
        alternate_feeds: language -> URL of sibling feeds, as ``atom:link rel="alternate"``.

    Returns:
        The feed, starting ``<?xml version="1.0" encoding="UTF-8"?>``.

    Raises:
        FeedUnrenderable: blank show title; ``EpisodeUnrenderable`` (a subclass) for an
            episode without media, title or a timezone-aware publish time.
        UrlInvalid: ``base_url`` is not absolute http(s) or an object key is unusable.
    """
    alternate_feeds = alternate_feeds or {}
    base_url = _url_prefix(base_url)  # validated once; helpers append encoded keys
    items = [_item(show, e, base_url=base_url, language=language) for e in _sorted(episodes)]
    rendered = [i for i in items if i is not None]

    fg = FeedGenerator()
    # feedgen's itunes channel extension without its entry class: items get their itunes tags
    # from our extension (feedgen's entry class writes explicit as yes/no and drops images
    # not ending in .jpg/.png); add_entry skips an extension without entry class.
    fg.register_extension("podcast", PodcastExtension, None)
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)

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
        show, feed_url=feed_url, image=image, language=language, alternate_feeds=alternate_feeds
    )

    newest: datetime | None = None
    for episode, nodes, fields in rendered:
        entry = fg.add_entry(order="append")
        entry.title(fields["title"])
        if fields["description"]:
            entry.description(etree.CDATA(fields["description"]))
        entry.guid(episode.guid, permalink=_is_url(episode.guid))
        entry.enclosure(fields["url"], str(fields["length"]), fields["type"])
        entry.pubDate(fields["date"])
        entry.podcastindex.nodes = nodes
        newest = newest or fields["date"]

    if newest is not None:
        fg.lastBuildDate(newest)
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
    nodes.append(_node(_PODCAST + "guid", _feed_guid(show, feed_url, language)))
    nodes.append(_node(_PODCAST + "medium", "video" if language else show.medium))
    if show.update_frequency:
        nodes.append(_update_frequency(show.update_frequency, show.complete))
    nodes.extend(_node(_PODCAST + "txt", txt) for txt in show.txt)
    nodes.extend(_person(p) for p in show.persons)
    return nodes


def _feed_guid(show: Show, feed_url: str, language: str | None) -> str:
    main = show.podcast_guid or podcast_guid(feed_url)
    if language is None:
        return main
    # A language feed is a feed of its own and needs its own podcast:guid; derive it from the
    # show's stored guid (not the URL) so it survives moves just like the main one.
    return str(uuid.uuid5(uuid.UUID(main), language))


def _item(
    show: Show, episode: Episode, *, base_url: str, language: str | None
) -> tuple[Episode, list[Node], dict[str, Any]] | None:
    date = _released_at(episode)
    nodes: list[Node] = []
    if language is None:
        media, title, text = episode.media, episode.title, episode.description
        transcripts = [_transcript(base_url, t, rel=t.rel) for t in episode.transcripts]
    else:
        variant = next((v for v in episode.variants if v.language == language), None)
        if variant is None:
            return None
        media, title, text = variant.media, variant.title, variant.description
        transcripts = [_transcript(base_url, t, rel="captions") for t in variant.captions]
    if media is None:
        raise EpisodeUnrenderable(f"{episode.slug}: no processed media to enclose")
    if not xml_text(title).strip():
        raise EpisodeUnrenderable(f"{episode.slug}: title is blank")

    if media.duration_s is not None:
        nodes.append(_node(_ITUNES + "duration", str(round(media.duration_s))))
    if episode.image is not None:
        nodes.append(_node(_ITUNES + "image", href=base_url + _encoded_key(episode.image.key)))
    if episode.explicit is not None:
        nodes.append(_node(_ITUNES + "explicit", "true" if episode.explicit else "false"))
    if episode.season is not None:
        nodes.append(_node(_ITUNES + "season", str(episode.season)))
    if episode.number is not None:
        nodes.append(_node(_ITUNES + "episode", str(episode.number)))
    nodes.append(_node(_ITUNES + "episodeType", episode.episode_type))
    if episode.season is not None:
        nodes.append(_node(_PODCAST + "season", str(episode.season)))
    if episode.number is not None:
        nodes.append(_node(_PODCAST + "episode", str(episode.number)))
    nodes.extend(transcripts)
    if episode.chapters_file is not None:
        nodes.append(
            _node(
                _PODCAST + "chapters",
                url=base_url + _encoded_key(episode.chapters_file.key),
                type=CHAPTERS_TYPE,
            )
        )
    if episode.persons:
        # Item persons replace the channel's in apps (namespace person.md): repeat the host.
        seen = {(p.name, p.role.lower()) for p in episode.persons}
        hosts = [p for p in show.persons if (p.name, p.role.lower()) not in seen]
        nodes.extend(_person(p) for p in (*hosts, *episode.persons))
    for bite in episode.soundbites:
        nodes.append(
            _node(
                _PODCAST + "soundbite",
                bite.title,
                startTime=_number(bite.start_s),
                duration=_number(bite.duration_s),
            )
        )
    if language is None:
        nodes.extend(_alternate(base_url, a) for a in episode.alternates)

    fields = {
        "title": xml_text(title),
        "description": description_html(text),
        "url": base_url + _encoded_key(media.key),
        "length": media.size_bytes,
        "type": media.mime_type,
        "date": date,
    }
    return episode, nodes, fields


def _alternate(base_url: str, asset: Asset) -> Node:
    source = _node(_PODCAST + "source", uri=base_url + _encoded_key(asset.key))
    return _node(
        _PODCAST + "alternateEnclosure",
        None,
        (source,),
        type=asset.mime_type,
        length=asset.size_bytes,
        bitrate=None if asset.bitrate_kbps is None else asset.bitrate_kbps * 1000,
        height=asset.height,
    )
