"""Render every document a show publishes, for audio and video alike.

One shape for every show: episodes with language variants. What is published depends only on
the show's languages:

* a show without ``languages`` (the one-language podcast) publishes ``feed.xml``;
* a show with ``languages`` publishes ``feeds/<lang>.xml`` for each, ``index.json``,
  ``feeds.opml``, ``index.html`` and ``<lang>/index.html``, and, with
  ``all_languages_feed = true``, ``feed.xml`` listing every episode once with its other
  languages as ``podcast:alternateEnclosure lang="…"``.

Each feed's ``podcast:guid`` is the one recorded at its first publish; a feed never published
gets the spec's (UUIDv5 of its own URL), see :func:`feed_guids`. Rendering is pure: the same
catalog renders the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from episodes.errors import ConfigInvalid
from episodes.model import Asset, Episode, Show
from feeds.guid import podcast_guid
from feeds.rss import AlternateEnclosure, alternate_enclosure, render_feed

if TYPE_CHECKING:
    from feeds.pages import SiteLinks

FEED_KEY = "feed.xml"
FEEDS_DIR = "feeds"
OPML_KEY = "feeds.opml"
INDEX_JSON_KEY = "index.json"
ALL_LANGUAGES = "*"  # the guid-table name of the all-languages feed.xml

RSS_TYPE = "application/rss+xml; charset=utf-8"


def feed_key(language: str) -> str:
    """Return the object key of a language's feed: ``feeds/<lang>.xml``."""
    return f"{FEEDS_DIR}/{language}.xml"


def page_key(language: str) -> str:
    """Return the object key of a language's page: ``<lang>/index.html``."""
    return f"{language}/index.html"


def document_type(key: str) -> str:
    """Return the Content-Type of a published document by its key."""
    if key.endswith(".xml"):
        return RSS_TYPE
    if key.endswith(".json"):
        return "application/json"
    if key.endswith(".opml"):
        return "text/x-opml; charset=utf-8"
    return "text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class FeedGuid:
    """A feed's ``podcast:guid`` and where it comes from."""

    guid: str
    recorded: bool  # already in kotocast.toml
    legacy: bool = False  # kept from kotocast 0.1's derivation, not the spec's
    spec: str = ""  # what the spec gives for the feed's URL


def feed_guids(show: Show, urls: Mapping[str, str]) -> dict[str, FeedGuid]:
    """Return each feed's ``podcast:guid`` by language (``*``: ``feed.xml``).

    Spec (Podcast Index ``guid.md``): UUIDv5 of the feed's URL without scheme and trailing
    slashes, assigned once and kept forever (also when the feed moves). kotocast 0.1
    published a video series' language feeds with ``uuid5(show guid, lang)``; those feeds keep
    that guid (changing it would look like a new podcast to directories).
    """
    out: dict[str, FeedGuid] = {}
    legacy_series = (
        show.medium == "video" and show.per_language and show.podcast_guid and not show.feed_guids
    )
    for lang, url in urls.items():
        spec = podcast_guid(url)
        if lang == ALL_LANGUAGES:
            kept = show.podcast_guid
            out[lang] = FeedGuid(kept or spec, kept is not None, spec=spec)
        elif lang in show.feed_guids:
            guid = show.feed_guids[lang]
            out[lang] = FeedGuid(guid, True, legacy=guid != spec, spec=spec)
        elif legacy_series:
            assert show.podcast_guid is not None
            guid = str(uuid.uuid5(uuid.UUID(show.podcast_guid), lang))
            out[lang] = FeedGuid(guid, False, legacy=True, spec=spec)
        else:
            out[lang] = FeedGuid(spec, False, spec=spec)
    return out


def released_view(episodes: Sequence[Episode], now: datetime) -> list[Episode]:
    """Return the episodes with at least one released variant, keeping only those variants."""
    out = []
    for ep in episodes:
        if ep.withdrawn:
            continue
        variants = tuple(v for v in ep.variants if v.is_released(now))
        if variants:
            out.append(ep if len(variants) == len(ep.variants) else replace(ep, variants=variants))
    return out


@dataclass(frozen=True, slots=True)
class RenderedSite:
    """Every document of a show as of one moment."""

    show: Show  # image_key filled in
    episodes: list[Episode]  # the whole catalog
    released: list[Episode]  # released variants only
    artwork: Asset | None
    feeds: dict[str, bytes]  # feed key -> XML, in publish order
    documents: dict[str, bytes]  # index.json, feeds.opml, pages, in publish order
    feed_urls: dict[str, str]  # feed key -> URL
    guids: dict[str, FeedGuid]  # language (or "*") -> podcast:guid
    main_feed_url: str

    def guids_to_record(self) -> dict[str, str]:
        """Feeds published for the first time: language (or ``*``) -> guid to store."""
        return {lang: g.guid for lang, g in self.guids.items() if not g.recorded}


def render_site(
    show: Show,
    episodes: Sequence[Episode],
    *,
    now: datetime,
    artwork: Asset | None,
) -> RenderedSite:
    """Render the feeds, pages, ``index.json`` and OPML of ``show`` at ``now``.

    Raises:
        ConfigInvalid: a ``[pages.strings]`` name that no page uses.
        FeedUnrenderable, UrlInvalid: see :func:`feeds.rss.render_feed`.
    """
    show = replace(show, image_key=artwork.key if artwork else None)
    released = released_view(episodes, now)
    base = show.base_url
    if not show.per_language:
        urls = {ALL_LANGUAGES: f"{base}{FEED_KEY}"}
        guids = feed_guids(show, urls)
        xml = render_feed(
            show,
            released,
            feed_url=urls[ALL_LANGUAGES],
            base_url=base,
            guid=guids["*"].guid,
            pubdate_offsets=show.pubdate_offsets,
        )
        return RenderedSite(
            show,
            list(episodes),
            released,
            artwork,
            {FEED_KEY: xml},
            {},
            {FEED_KEY: urls[ALL_LANGUAGES]},
            guids,
            urls[ALL_LANGUAGES],
        )

    # Pages need Jinja2: imported only by shows that publish them (the one-feed scheduled job
    # stays light).
    from feeds.index_json import render_index_json
    from feeds.opml import render_opml
    from feeds.pages import SiteLinks, render_pages

    languages = show.listed_languages
    urls = {lang: f"{base}{feed_key(lang)}" for lang in languages}
    if show.all_languages_feed:
        urls[ALL_LANGUAGES] = f"{base}{FEED_KEY}"
    guids = feed_guids(show, urls)
    links = SiteLinks(
        base_url=base,
        feeds={lang: urls[lang] for lang in languages},
        pages={lang: f"{base}{page_key(lang)}" for lang in languages},
        opml=f"{base}{OPML_KEY}",
        index_json=f"{base}{INDEX_JSON_KEY}",
        image=f"{base}{artwork.key}" if artwork else None,
        guids={lang: guids[lang].guid for lang in languages},
    )
    feeds = {
        feed_key(lang): render_feed(
            show,
            [e for e in released if e.variant(lang) is not None],
            feed_url=urls[lang],
            base_url=base,
            language=lang,
            alternate_feeds={k: v for k, v in links.feeds.items() if k != lang},
            guid=guids[lang].guid,
            sibling_guids={k: g.guid for k, g in guids.items() if k not in (lang, ALL_LANGUAGES)},
            pubdate_offsets=show.pubdate_offsets,
        )
        for lang in languages
    }
    if show.all_languages_feed:
        feeds[FEED_KEY] = _all_languages_feed(show, released, urls, guids, links)
    strings = _page_strings(show)
    documents = {
        INDEX_JSON_KEY: render_index_json(show, released, links),
        OPML_KEY: render_opml(show, links),
        **render_pages(show, released, links, strings=strings),
    }
    ordered = dict(sorted(documents.items(), key=lambda kv: _document_rank(kv[0])))
    main = show.language if show.language in links.feeds else languages[0]
    return RenderedSite(
        show,
        list(episodes),
        released,
        artwork,
        feeds,
        ordered,
        {feed_key(lang): urls[lang] for lang in languages}
        | ({FEED_KEY: urls[ALL_LANGUAGES]} if show.all_languages_feed else {}),
        guids,
        links.feeds[main],
    )


def _all_languages_feed(
    show: Show,
    released: Sequence[Episode],
    urls: Mapping[str, str],
    guids: Mapping[str, FeedGuid],
    links: SiteLinks,
) -> bytes:
    """``feed.xml``: each episode once, in the show's language where it exists, with every
    other released language as an ``alternateEnclosure`` (``lang``, ``title``, ``length``,
    ``type`` and a ``podcast:source``; Podcast Index ``alternateEnclosure.md``)."""
    from feeds.strings import language_name

    order = show.all_languages
    items: list[Episode] = []
    alternates: dict[str, list[AlternateEnclosure]] = {}
    for ep in released:
        variants = sorted(
            (v for v in ep.variants if v.media is not None),
            key=lambda v: order.index(v.language) if v.language in order else len(order),
        )
        if not variants:
            continue
        items.append(replace(ep, variants=tuple(variants)))
        alternates[ep.guid] = [
            alternate_enclosure(
                show.base_url, v.media, lang=v.language, title=language_name(v.language)[:32]
            )
            for v in variants[1:]
            if v.media is not None
        ]
    return render_feed(
        show,
        items,
        feed_url=urls[ALL_LANGUAGES],
        base_url=show.base_url,
        alternate_feeds=dict(links.feeds),
        alternates=alternates,
        guid=guids[ALL_LANGUAGES].guid,
        pubdate_offsets=show.pubdate_offsets,
    )


def _page_strings(show: Show) -> dict[str, dict[str, str]]:
    from feeds.strings import UI_STRINGS

    known = set(UI_STRINGS["en"])
    for lang, strings in show.page_strings.items():
        for name in strings:
            if name not in known:
                raise ConfigInvalid(
                    f"kotocast.toml: pages.strings.{lang}.{name}: unknown string; known are "
                    f"{', '.join(sorted(known))}"
                )
    return show.page_strings


def _document_rank(key: str) -> tuple[int, str]:
    # index.html last of all: it is the entry point and links everything else.
    return (2 if key == "index.html" else 1 if key.endswith(".html") else 0, key)
