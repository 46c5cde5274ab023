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

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import lxml.etree  # noqa: F401  (feedgen.util uses lxml.etree without importing it)
from feedgen.ext.base import BaseExtension
from feedgen.ext.podcast import PodcastExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from episodes.model import Episode, Show, Transcript, Variant
from feeds.description import description_html, xml_text
from feeds.errors import FeedUnrenderable
from feeds.guid import podcast_guid
from feeds.markup import XML_DECLARATION, Node, asset_url
from feeds.markup import append_nodes as _append
from feeds.markup import attr_value as _value
from feeds.markup import checked_value as _raw
from feeds.markup import encoded_key as _encoded_key
from feeds.markup import escape_attr as _attr
from feeds.markup import escape_text as _text
from feeds.markup import is_url as _is_url
from feeds.markup import node as _node
from feeds.markup import parse_items as _parse_items
from feeds.markup import rfc2822 as _rfc2822
from feeds.markup import rfc2822_local as _rfc2822_local
from feeds.markup import seconds_text as _number
from feeds.markup import url_prefix as _url_prefix
from feeds.markup import write_markup as _markup
from feeds.namespaces import ATOM_NS, HISTORY_NS, ITUNES_NS, PODCAST_NS
from feeds.podcast_tags import (
    AlternateEnclosure,
    ChannelTags,
    ItemTags,
    Trailer,
    alternate_enclosure,
    channel_nodes,
    item_nodes,
    person_node,
    rendition_title,
    season_node,
    show_channel_tags,
    update_frequency_node,
)
from feeds.podcast_tags import alternate_node as _alternate

CHAPTERS_TYPE = "application/json+chapters"
GENERATOR = "kotocast"

_ITUNES = f"{{{ITUNES_NS}}}"
_PODCAST = f"{{{PODCAST_NS}}}"
_ATOM = f"{{{ATOM_NS}}}"


class EpisodeUnrenderable(FeedUnrenderable):
    """An episode handed to :func:`render_feed` lacks what every item needs."""


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


def _transcript(base_url: str, transcript: Transcript, *, rel: str | None) -> str:
    # Markup of _node(_PODCAST + "transcript", url=..., type=..., language=..., rel=...),
    # written directly: one per item on most feeds.
    url = _value(base_url + _encoded_key(transcript.asset.key))
    kind, language = _value(transcript.asset.mime_type), _value(transcript.language)
    rel_attr = "" if rel is None else f' rel="{_value(rel)}"'
    return f'<podcast:transcript url="{url}" type="{kind}" language="{language}"{rel_attr}/>'


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
        nodes.append(update_frequency_node(update_frequency, show.complete))
    nodes.extend(_node(_PODCAST + "txt", txt) for txt in show.txt)
    nodes.extend(person_node(p) for p in show.persons)
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
        nodes.extend(person_node(p) for p in (*hosts, *variant.persons))
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
    if variant.location is not None or variant.license is not None:
        extra = replace(
            extra or ItemTags(),
            location=(extra and extra.location) or variant.location,
            license=(extra and extra.license) or variant.license,
        )
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


__all__ = [
    "ATOM_NS",
    "CHAPTERS_TYPE",
    "ITUNES_NS",
    "PODCAST_NS",
    "XML_DECLARATION",
    "AlternateEnclosure",
    "EpisodeUnrenderable",
    "alternate_enclosure",
    "asset_url",
    "feed_guid",
    "render_feed",
    "rendition_title",
]
