"""The Podcast Index tags beyond the basics, from plain data: funding, podroll, txt, license,
location, updateFrequency, images, trailers, WebSub hub links and season names.

:func:`channel_nodes` and :func:`item_nodes` return nodes in :mod:`feeds.rss`'s
``(tag, attributes, text, children)`` shape; ``render_feed`` appends them. Values pass
through :func:`feeds.description.xml_text` (the characters XML cannot carry go).

Spec: Podcastindex-org/podcast-namespace ``docs/tags/*.md`` (funding, podroll, remoteItem,
txt, license, location, updateFrequency, images, trailer, season). Apps that read them
(Podcast Index app list, 2026): funding 57 of 132, remoteItem 27, podroll 24, location 21,
txt 19, license 12, updateFrequency 9, images 5.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from episodes.errors import FieldInvalid
from episodes.model import Asset, Person, Show
from episodes.persons import person_role
from episodes.podcasting import Funding, License, Location, RemoteItem
from feeds.markup import Node, asset_url, node, rfc2822
from feeds.namespaces import ATOM_NS, HISTORY_NS, PODCAST_NS

_P = f"{{{PODCAST_NS}}}"
_A = f"{{{ATOM_NS}}}"


FUNDING_TEXT_MAX_CHARS = 128
__all__ = [  # Funding, License, Location, RemoteItem: the show's settings (episodes.podcasting)
    "AlternateEnclosure",
    "ArchiveLinks",
    "ChannelTags",
    "Funding",
    "ImageSize",
    "ItemTags",
    "License",
    "Location",
    "RemoteItem",
    "Trailer",
    "Txt",
]
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQ_LABELS = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly", "YEARLY": "Yearly"}


@dataclass(frozen=True, slots=True)
class Txt:
    """``podcast:txt``: free text, e.g. ``purpose="applepodcastsverify"`` and Apple's code."""

    text: str
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class ImageSize:
    """One entry of ``podcast:images srcset`` (``https://.../cover-600.jpg 600w``)."""

    url: str
    width_px: int


@dataclass(frozen=True, slots=True)
class Trailer:
    """``podcast:trailer`` on the channel: a trailer episode's media."""

    url: str
    title: str
    pub_date: datetime
    length_bytes: int | None = None
    type: str | None = None
    season: int | None = None


@dataclass(frozen=True, slots=True)
class ArchiveLinks:
    """The RFC 5005 links of one document of a paged back catalogue.

    ``links`` are ``(rel, href)`` pairs written as ``atom:link``: section 4 (``current``,
    ``prev-archive``, ``next-archive``) and, for apps that follow Podlove-style paging
    (gPodder's podcastparser), section 3 (``first``, ``next``, ``previous``, ``last``).
    ``is_archive`` writes ``<fh:archive/>`` (an archive document never changes).
    """

    links: tuple[tuple[str, str], ...] = ()
    is_archive: bool = False


@dataclass(frozen=True, slots=True)
class ChannelTags:
    """Channel-level tags ``render_feed`` writes besides the basics (all optional)."""

    funding: tuple[Funding, ...] = ()
    podroll: tuple[RemoteItem, ...] = ()
    txt: tuple[Txt, ...] = ()
    license: License | None = None
    location: Location | None = None
    images: tuple[ImageSize, ...] = ()
    hubs: tuple[str, ...] = ()  # WebSub hubs: atom:link rel="hub"
    trailers: tuple[Trailer, ...] = ()
    season_names: dict[int, str] = field(default_factory=dict)
    archive: ArchiveLinks | None = None


@dataclass(frozen=True, slots=True)
class ItemTags:
    """Item-level tags: where the episode is about or was made, its artwork sizes, license."""

    location: Location | None = None
    images: tuple[ImageSize, ...] = ()
    license: License | None = None


def _location(location: Location) -> Node:
    return node(
        _P + "location", location.name, rel=location.rel, geo=location.geo, osm=location.osm
    )


def _license(license_: License) -> Node:
    return node(_P + "license", license_.identifier, url=license_.url)


def _images(images: Sequence[ImageSize]) -> Node:
    srcset = ", ".join(f"{i.url} {i.width_px}w" for i in sorted(images, key=lambda i: i.width_px))
    return node(_P + "images", srcset=srcset)


def hub_nodes(hubs: Iterable[str]) -> list[Node]:
    """Return ``atom:link rel="hub"`` for each WebSub hub (W3C WebSub section 4)."""
    return [node(_A + "link", rel="hub", href=hub) for hub in hubs]


def channel_nodes(tags: ChannelTags) -> list[Node]:
    """Return the channel nodes for ``tags`` in a fixed order (deterministic feeds)."""
    nodes = hub_nodes(tags.hubs)
    if tags.archive is not None:
        nodes += [
            node(_A + "link", rel=rel, type="application/rss+xml", href=href)
            for rel, href in tags.archive.links
        ]
        if tags.archive.is_archive:
            nodes.append((f"{{{HISTORY_NS}}}archive", {}, None, ()))
    for funding in tags.funding:
        nodes.append(node(_P + "funding", funding.text[:FUNDING_TEXT_MAX_CHARS], url=funding.url))
    nodes.extend(node(_P + "txt", t.text, purpose=t.purpose) for t in tags.txt)
    if tags.license is not None:
        nodes.append(_license(tags.license))
    if tags.location is not None:
        nodes.append(_location(tags.location))
    if tags.images:
        nodes.append(_images(tags.images))
    for trailer in sorted(tags.trailers, key=lambda t: (t.pub_date, t.url)):
        nodes.append(
            node(
                _P + "trailer",
                trailer.title,
                pubdate=rfc2822(trailer.pub_date.astimezone(UTC)),
                url=trailer.url,
                length=trailer.length_bytes,
                type=trailer.type,
                season=trailer.season,
            )
        )
    if tags.podroll:
        items = tuple(
            node(_P + "remoteItem", feedGuid=r.feed_guid, feedUrl=r.feed_url, medium=r.medium)
            for r in tags.podroll
        )
        nodes.append(node(_P + "podroll", None, items))
    return nodes


def item_nodes(tags: ItemTags) -> list[Node]:
    """Return the item nodes for ``tags``."""
    nodes = []
    if tags.location is not None:
        nodes.append(_location(tags.location))
    if tags.images:
        nodes.append(_images(tags.images))
    if tags.license is not None:
        nodes.append(_license(tags.license))
    return nodes


def season_node(season: int, names: dict[int, str]) -> Node:
    """Return ``podcast:season`` with its ``name`` when the show names that season."""
    return node(_P + "season", str(season), name=names.get(season))


def derived_update_frequency(publish_times: Sequence[datetime]) -> str | None:
    """Derive an RFC 5545 rrule from when episodes came out, or None when there is no rhythm.

    Needs at least three releases. The median gap decides: ~1 day DAILY, ~7 days WEEKLY
    (with BYDAY when most releases share a weekday), ~14 days WEEKLY;INTERVAL=2,
    28-31 days MONTHLY; anything else None (``updateFrequency`` is then left out).
    """
    times = sorted(t.astimezone(UTC) for t in publish_times)
    if len(times) < 3:
        return None
    gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(times)]
    import statistics  # with fractions and decimal: only for updateFrequency = "auto"

    days = statistics.median(gaps)
    weekdays = [t.weekday() for t in times]
    common = max(set(weekdays), key=weekdays.count)
    byday = f";BYDAY={_DAYS[common]}" if weekdays.count(common) * 4 >= len(times) * 3 else ""
    if 0.8 <= days <= 1.2:
        return "FREQ=DAILY"
    if 6 <= days <= 8:
        return "FREQ=WEEKLY" + byday
    if 13 <= days <= 15:
        return "FREQ=WEEKLY;INTERVAL=2" + byday
    if 27 <= days <= 32:
        return "FREQ=MONTHLY"
    return None


def update_frequency_label(rrule: str) -> str:
    """Return the human label the namespace puts in the element text (``Weekly``)."""
    fields = dict(p.split("=", 1) for p in rrule.upper().split(";") if "=" in p)
    label = _FREQ_LABELS.get(fields.get("FREQ", ""), fields.get("FREQ", "").title())
    if fields.get("INTERVAL") == "2" and label == "Weekly":
        return "Biweekly"
    return label


def show_channel_tags(
    show: Show,
    tags: ChannelTags,
    *,
    sibling_feeds: Mapping[str, tuple[str, str]],
    episodes_released_at: Sequence[datetime] = (),
) -> tuple[ChannelTags, str | None]:
    """Merge the show's ``kotocast.toml`` settings into ``tags``; also return updateFrequency.

    Args:
        show: its ``podcasting`` settings (funding, podroll, license, location, Apple's
            ownership code, season names, WebSub hubs) come first, then ``tags``' own.
        tags: what the caller passes to ``render_feed``.
        sibling_feeds: language -> (feed URL, podcast:guid) of the show's other feeds,
            linked in ``podcast:podroll`` when ``[feed] podroll_own_feeds`` is on.
        episodes_released_at: publish times, for ``update_frequency = "auto"``.

    Returns:
        The merged tags and the rrule to write (None: no ``podcast:updateFrequency``).
    """
    settings = show.podcasting
    own = (
        tuple(RemoteItem(guid, url) for _, (url, guid) in sorted(sibling_feeds.items()))
        if settings.podroll_own_feeds
        else ()
    )
    verify = settings.apple_podcasts_verify
    txt = (Txt(verify, "applepodcastsverify"),) if verify else ()
    frequency = show.update_frequency
    if frequency is not None and frequency.strip().lower() == "auto":
        frequency = derived_update_frequency(episodes_released_at)
    merged = replace(
        tags,
        funding=(*settings.funding, *tags.funding),
        podroll=(*own, *settings.podroll, *tags.podroll),
        txt=(*txt, *tags.txt),
        license=tags.license or settings.license,
        location=tags.location or settings.location,
        hubs=tuple(dict.fromkeys((*settings.notify.websub_hubs, *tags.hubs))),
        season_names={**settings.season_names, **tags.season_names},
    )
    return merged, frequency


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


def alternate_node(alternate: AlternateEnclosure) -> Node:
    """Return the ``podcast:alternateEnclosure`` node with one ``podcast:source`` per URI."""
    sources = tuple(node(_P + "source", uri=uri) for uri in alternate.sources)
    return node(
        _P + "alternateEnclosure",
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


def person_node(person: Person) -> Node:
    """Return ``podcast:person`` with role and group as the taxonomy spells them."""
    role, group = _person_role(person)
    return node(
        _P + "person",
        person.name,
        role=role,
        group=group,
        img=person.img,
        href=person.href,
    )


_RRULE_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)")


def update_frequency_node(value: str, complete: bool) -> Node:
    """Return ``podcast:updateFrequency``: the label, ``rrule`` when ``value`` is one."""
    done = "true" if complete else None
    if _RRULE_FREQ.search(value.upper()):  # an RFC 5545 rrule: FREQ=WEEKLY;BYDAY=MO
        rrule = value.upper()
        label = update_frequency_label(rrule)
        return node(_P + "updateFrequency", label, complete=done, rrule=rrule)
    return node(_P + "updateFrequency", value, complete=done)
