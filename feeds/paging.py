"""RFC 5005 paging for very long back catalogues (``[feed] page_size``).

The subscription feed lists the newest episodes and links the archive documents; each
archive document holds a fixed run of older episodes, oldest first in numbering (archive 1 is
the oldest), so an archive never changes once written: new episodes only ever grow the
subscription feed until it holds two pages' worth, and then its oldest page becomes the next
archive.

Links (``atom:link``): section 4 (archived feeds: ``prev-archive`` from the subscription feed
to the newest archive and from each archive to the one before it, ``next-archive`` forward,
``current`` back to the subscription feed, ``<fh:archive/>`` on archives) and, because the
podcast apps that page feeds follow Podlove's reading of section 3 (gPodder's podcastparser
reads ``first``/``next``), ``first``, ``next`` (older), ``previous`` (newer) and ``last``.
Apple Podcasts reads only the subscription feed; apps that follow neither see the newest
``page_size`` to ``2 * page_size - 1`` episodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from episodes.model import Episode, Show
from feeds.podcast_tags import ArchiveLinks, ChannelTags
from feeds.rss import feed_guid, render_feed


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One document of a paged feed: where it lives, its XML, the item guids it lists."""

    url: str
    xml: bytes
    guids: tuple[str, ...]
    archive: int | None  # 1 = oldest archive; None: the subscription feed


def _released(show: Show, episode: Episode, language: str | None) -> datetime | None:
    variant = episode.variant(language or show.language)
    if variant is None and language is None:
        variant = episode.main
    if variant is None or variant.publish_at is None:
        return None
    return variant.publish_at.astimezone(UTC)


def plan_pages(
    show: Show, episodes: Sequence[Episode], page_size: int, *, language: str | None = None
) -> list[list[Episode]]:
    """Split the episodes a feed lists into archive pages (oldest first) and the rest.

    Returns:
        ``[archive 1, archive 2, ..., subscription feed]``: every archive has exactly
        ``page_size`` episodes; the last list has ``page_size`` to ``2 * page_size - 1``
        (all of them when there are fewer than two pages' worth).

    Raises:
        ValueError: ``page_size`` below 1.
    """
    if page_size < 1:
        raise ValueError(f"page_size {page_size} must be at least 1")
    dated = [(when, e.guid, e) for e in episodes if (when := _released(show, e, language))]
    oldest_first = [e for _, _, e in sorted(dated, key=lambda t: (t[0], t[1]))]
    archives = max(0, len(oldest_first) // page_size - 1)
    pages = [oldest_first[k * page_size : (k + 1) * page_size] for k in range(archives)]
    return [*pages, oldest_first[archives * page_size :]]


def render_paged_feed(
    show: Show,
    episodes: Sequence[Episode],
    *,
    feed_url: str,
    base_url: str,
    page_size: int,
    archive_url: Callable[[int], str],
    language: str | None = None,
    guid: str | None = None,
    tags: ChannelTags | None = None,
    **render: Any,
) -> list[FeedPage]:
    """Render the subscription feed and its RFC 5005 archive documents.

    Args:
        show, episodes, feed_url, base_url, language: as for ``render_feed``.
        page_size: episodes per archive document.
        archive_url: archive number (1 = oldest) -> its absolute URL.
        guid: the feed's ``podcast:guid`` (every page carries the same: one podcast).
        tags: channel tags for every page; ``**render``: further ``render_feed`` keywords.

    Returns:
        The archives, oldest first, then the subscription feed (``archive`` None).
    """
    pages = plan_pages(show, episodes, page_size, language=language)
    count = len(pages) - 1
    guid = guid or feed_guid(show, feed_url, language)
    base_tags = tags or ChannelTags()
    out = []
    for index, page in enumerate(pages, start=1):
        is_archive = index <= count
        url = archive_url(index) if is_archive else feed_url
        links = _links(index, count, feed_url, archive_url) if count else ()
        page_tags = replace(base_tags, archive=ArchiveLinks(links, is_archive)) if count else tags
        xml = render_feed(
            show,
            page,
            feed_url=url,
            base_url=base_url,
            language=language,
            guid=guid,
            tags=page_tags,
            **render,
        )
        out.append(FeedPage(url, xml, tuple(e.guid for e in page), index if is_archive else None))
    return out


def _links(
    index: int, count: int, feed_url: str, archive_url: Callable[[int], str]
) -> tuple[tuple[str, str], ...]:
    links: list[tuple[str, str]] = []
    if index > count:  # the subscription feed
        links.append(("prev-archive", archive_url(count)))
        links += [("first", feed_url), ("next", archive_url(count)), ("last", archive_url(1))]
        return tuple(links)
    links.append(("current", feed_url))
    if index > 1:
        links.append(("prev-archive", archive_url(index - 1)))
    if index < count:
        links.append(("next-archive", archive_url(index + 1)))
    links.append(("first", feed_url))
    links.append(("previous", archive_url(index + 1) if index < count else feed_url))
    if index > 1:
        links.append(("next", archive_url(index - 1)))
    links.append(("last", archive_url(1)))
    return tuple(links)
