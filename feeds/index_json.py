"""Render ``index.json``: the whole series for machines and apps (schema: docs/index-json.md).

Deterministic: keys sorted, episodes newest first (ties by slug), languages in series order,
no timestamps from the clock. Every URL is absolute.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from episodes.model import Asset, Episode, Show
from feeds.pages import SiteLinks
from feeds.rss import asset_url, feed_guid
from feeds.strings import language_name, text_direction

SCHEMA_VERSION = 1


def _media(base_url: str, asset: Asset) -> dict[str, Any]:
    return {
        "url": asset_url(base_url, asset.key),
        "type": asset.mime_type,
        "size_bytes": asset.size_bytes,
        "sha256": asset.sha256,
        "duration_s": asset.duration_s,
        "width": asset.width,
        "height": asset.height,
        "bitrate_kbps": asset.bitrate_kbps,
    }


def render_index_json(show: Show, episodes: Sequence[Episode], links: SiteLinks) -> bytes:
    """Return the series index as UTF-8 JSON bytes.

    Args:
        show: the series (with ``podcast_guid`` assigned).
        episodes: the released episodes.
        links: absolute URLs of feeds, pages, OPML.
    """
    base = show.base_url
    ordered = sorted(
        sorted(episodes, key=lambda e: e.slug),
        key=lambda e: e.publish_at.astimezone(UTC) if e.publish_at else 0,
        reverse=True,
    )
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "series": {
            "title": show.title,
            "author": show.author,
            "main_language": show.language,
            "image": links.image,
            "home": links.base_url,
            "opml": links.opml,
        },
        "languages": [
            {
                "code": lang,
                "name": language_name(lang),
                "dir": text_direction(lang),
                "title": show.titles.get(lang, show.title),
                "description": show.descriptions.get(lang, show.description),
                "feed": feed_url,
                "page": links.pages[lang],
                "podcast_guid": links.guids.get(lang) or feed_guid(show, feed_url, lang),
            }
            for lang, feed_url in links.feeds.items()
        ],
        "episodes": [
            {
                "slug": e.slug,
                "guid": e.guid,
                "published": e.publish_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
                if e.publish_at
                else None,
                "episode_type": e.episode_type,
                "season": e.season,
                "number": e.number,
                "variants": [
                    {
                        "language": v.language,
                        "title": v.title,
                        "description": v.description,
                        "page": f"{links.pages[v.language]}#{e.slug}"
                        if v.language in links.pages
                        else None,
                        "media": _media(base, v.media),  # type: ignore[arg-type]
                        "captions": [
                            {
                                "language": c.language,
                                "url": asset_url(base, c.asset.key),
                                "type": c.asset.mime_type,
                                "size_bytes": c.asset.size_bytes,
                            }
                            for c in v.transcripts
                        ],
                    }
                    for v in e.variants
                    if v.language in links.feeds and v.media is not None
                ],
            }
            for e in ordered
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


# The shape docs/index-json.md promises (schema_version 1): key -> type, per level.
_INDEX_SHAPE: dict[str, dict[str, type | tuple[type, ...]]] = {
    "": {"schema_version": int, "series": dict, "languages": list, "episodes": list},
    "series": {"title": str, "author": str, "main_language": str, "home": str, "opml": str},
    "languages": {
        "code": str,
        "name": str,
        "dir": str,
        "feed": str,
        "page": str,
        "podcast_guid": str,
    },
    "episodes": {"slug": str, "guid": str, "variants": list},
    "variants": {"language": str, "title": str, "media": dict, "captions": list},
    "media": {"url": str, "type": str, "size_bytes": int, "sha256": str},
}


def check_index_json(body: bytes, *, source: str) -> list[str]:
    """Return the ways ``body`` breaks the ``index.json`` schema (empty when it conforms)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        return [f"{source}: not JSON: {exc}"]
    problems: list[str] = []

    def need(obj: Any, level: str, where: str) -> None:
        if not isinstance(obj, dict):
            problems.append(f"{source}: {where}: must be an object")
            return
        for key, kind in _INDEX_SHAPE[level].items():
            if not isinstance(obj.get(key), kind):
                problems.append(f"{source}: {where}.{key}: missing or not {kind}")

    need(data, "", "$")
    if problems:
        return problems
    if data["schema_version"] != SCHEMA_VERSION:
        problems.append(
            f"{source}: $.schema_version: {data['schema_version']} is not {SCHEMA_VERSION}"
        )
    need(data["series"], "series", "$.series")
    for i, lang in enumerate(data["languages"]):
        need(lang, "languages", f"$.languages[{i}]")
    for i, ep in enumerate(data["episodes"]):
        need(ep, "episodes", f"$.episodes[{i}]")
        for j, variant in enumerate(ep.get("variants") or []):
            need(variant, "variants", f"$.episodes[{i}].variants[{j}]")
            if isinstance(variant, dict) and isinstance(variant.get("media"), dict):
                need(variant["media"], "media", f"$.episodes[{i}].variants[{j}].media")
    return problems
