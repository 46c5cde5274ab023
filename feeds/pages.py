"""Render the series' static pages: ``index.html`` and one page per language.

Jinja2 with autoescape on for every template: each producer-written string (titles,
descriptions, names) is escaped; the only markup that reaches a page unescaped is what
:func:`feeds.description.description_html` makes from a description (``p``, lists and http(s)
links, all text escaped). Pages carry no JavaScript and a Content-Security-Policy forbidding
scripts, so even a bug in escaping could not run one.

Media and captions are linked relative to the page (same origin, so ``<track>`` loads without
CORS); feeds, canonical and hreflang links are absolute under ``base_url``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from episodes.model import Episode, Show
from feeds.description import description_html
from feeds.strings import language_name, text_direction, ui_strings


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """Absolute URLs of everything a series publishes besides media."""

    base_url: str
    feeds: dict[str, str]  # language -> feed URL, in series order
    pages: dict[str, str]  # language -> page URL
    opml: str
    index_json: str
    image: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    guids: dict[str, str] = field(default_factory=dict)  # language -> feed's podcast:guid


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


_ENV = _environment()


def podcast_app_link(feed_url: str) -> str:
    """Return the ``podcast://`` link that opens a feed in the system's podcast app."""
    parts = urlsplit(feed_url)
    return "podcast://" + feed_url[len(parts.scheme) + 3 :]


def _key_url(key: str, root: str) -> str:
    return root + quote(key, safe="/-._~!$'()*+,;=:@")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def _language(lang: str, links: SiteLinks) -> dict[str, str]:
    return {
        "code": lang,
        "name": language_name(lang),
        "dir": text_direction(lang),
        "page": links.pages[lang],
        "feed": links.feeds[lang],
    }


def _sorted(episodes: Sequence[Episode], lang: str | None = None) -> list[Episode]:
    def released(e: Episode) -> datetime | int:
        variant = e.variant(lang) or e.main
        return variant.publish_at.astimezone(UTC) if variant.publish_at else 0

    by_slug = sorted(episodes, key=lambda e: e.slug)
    return sorted(by_slug, key=released, reverse=True)


def _episode_view(episode: Episode, lang: str, root: str) -> dict[str, object] | None:
    variant = episode.variant(lang)
    if variant is None or variant.media is None:
        return None
    date = variant.publish_at.astimezone(UTC) if variant.publish_at else None
    captions: list[dict[str, object]] = [
        {
            "url": _key_url(c.asset.key, root),
            "lang": c.language,
            "label": language_name(c.language),
            "dir": text_direction(c.language),
        }
        # Browsers' <track> takes only WebVTT.
        for c in variant.transcripts
        if c.asset.mime_type == "text/vtt"
    ]
    default = next((c for c in captions if c["lang"] == lang), captions[0] if captions else None)
    for c in captions:
        c["default"] = c is default
    # The accessible HTML text version in the page's language (WCAG 2.1 SC 1.2.1).
    text_version = next(
        (
            _key_url(t.asset.key, root)
            for t in variant.transcripts
            if t.asset.mime_type == "text/html" and t.language == lang
        ),
        None,
    )
    return {
        "slug": episode.slug,
        "title": variant.title,
        "description": Markup(description_html(variant.description)),
        "date_iso": date.date().isoformat() if date else "",
        "duration": _clock(variant.media.duration_s),
        "duration_iso": f"PT{round(variant.media.duration_s or 0)}S",
        "media_url": _key_url(variant.media.key, root),
        "audio": variant.media.mime_type.startswith("audio/"),
        "media_type": variant.media.mime_type,
        "width": variant.media.width,
        "height": variant.media.height,
        "captions": captions,
        "text_version": text_version,
        "other": [v.language for v in episode.variants if v.language != lang],
    }


def render_pages(
    show: Show,
    episodes: Sequence[Episode],
    links: SiteLinks,
    *,
    strings: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, bytes]:
    """Render ``index.html`` and ``<lang>/index.html`` for every series language.

    Args:
        show: the series settings (``languages``, ``titles``, ``descriptions``).
        episodes: the released episodes; each language page lists those with a variant in it.
        links: absolute URLs of feeds, pages, OPML and index.json.
        strings: producer overrides of UI strings, by language.

    Returns:
        Object key -> UTF-8 HTML, deterministic for the same input.
    """
    languages = list(links.feeds)
    audio = show.medium != "video"  # the pages say "episodes", not "videos"
    langs = [_language(lang, links) for lang in languages]
    common = {
        "show": show,
        "links": links,
        "languages": langs,
        "name": language_name,
    }
    out: dict[str, bytes] = {}
    for lang in languages:
        root = "../"
        ordered = _sorted(episodes, lang)
        views = [v for v in (_episode_view(e, lang, root) for e in ordered) if v is not None]
        html = _ENV.get_template("language.html.j2").render(
            **common,
            lang=lang,
            dir=text_direction(lang),
            s=ui_strings(lang, strings, audio=audio),
            root=root,
            title=show.titles.get(lang, show.title),
            description=Markup(description_html(show.descriptions.get(lang, show.description))),
            canonical=links.pages[lang],
            feed_url=links.feeds[lang],
            podcast_link=podcast_app_link(links.feeds[lang]),
            episodes=views,
        )
        out[f"{lang}/index.html"] = html.encode("utf-8")
    main = show.language if show.language in languages else languages[0]
    cards = [
        {
            **_language(lang, links),
            "title": show.titles.get(lang, show.title),
            "description": Markup(description_html(show.descriptions.get(lang, show.description))),
            "s": ui_strings(lang, strings, audio=audio),
            "podcast_link": podcast_app_link(links.feeds[lang]),
            "count": sum(1 for e in episodes if any(v.language == lang for v in e.variants)),
            "href": f"{lang}/index.html",
        }
        for lang in languages
    ]
    html = _ENV.get_template("index.html.j2").render(
        **common,
        lang=main,
        dir=text_direction(main),
        s=ui_strings(main, strings, audio=audio),
        root="",
        title=show.titles.get(main, show.title),
        canonical=links.base_url,
        cards=cards,
    )
    out["index.html"] = html.encode("utf-8")
    return out
