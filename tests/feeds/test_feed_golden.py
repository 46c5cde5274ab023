"""Golden files: each ``golden/NAME.toml`` (a tiny catalog) renders exactly ``golden/NAME.xml``.

Adding a regression case is adding two small files. After an intended change, regenerate
with ``KOTOCAST_UPDATE_GOLDEN=1 pytest tests/feeds/test_feed_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from episodes.model import Asset, Chapter, Episode, Person, Show, Soundbite, Transcript, Variant
from feeds import podcast_tags as pt
from feeds.rss import AlternateEnclosure, render_feed
from feeds.validate import validate_feed

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.toml"))


def _asset(data: dict[str, Any]) -> Asset:
    fields = {"path": data["key"], "sha256": "0" * 64, **data}
    return Asset(**fields)


def _transcript(data: dict[str, Any]) -> Transcript:
    return Transcript(**{**data, "asset": _asset(data["asset"])})


def _episode(data: dict[str, Any]) -> Episode:
    data = dict(data)
    for name in ("media", "image", "chapters_file"):
        if name in data:
            data[name] = _asset(data[name])
    data["transcripts"] = tuple(_transcript(t) for t in data.get("transcripts", ()))
    data["persons"] = tuple(Person(**p) for p in data.get("persons", ()))
    data["chapters"] = tuple(Chapter(**c) for c in data.get("chapters", ()))
    data["soundbites"] = tuple(Soundbite(**s) for s in data.get("soundbites", ()))
    data["alternates"] = tuple(_asset(a) for a in data.get("alternates", ()))
    shared = {k: data[k] for k in ("publish_at", "draft") if k in data}
    variants = tuple(
        Variant(
            **{
                **shared,
                **{k: val for k, val in v.items() if k != "captions"},
                "media": _asset(v["media"]),
                "transcripts": tuple(_transcript(c) for c in v.get("captions", ())),
            }
        )
        for v in data.pop("variants", ())
    )
    if variants:
        # A video-series episode as kotocast 0.1 described it: identity + variants.
        keep = ("slug", "guid", "episode_type", "season", "number", "explicit", "image")
        return Episode(variants=variants, **{k: data[k] for k in keep if k in data})
    return Episode.single(language=data.pop("language", "fi"), **data)


def load_catalog(path: Path) -> tuple[Show, list[Episode], dict[str, Any]]:
    """Read a golden catalog: [show], [[episodes]] and [render] (render_feed's keywords)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    show_data = dict(data["show"])
    show_data["persons"] = tuple(Person(**p) for p in show_data.get("persons", ()))
    show_data["txt"] = tuple(show_data.get("txt", ()))
    render = dict(data["render"])
    if "alternates" in render:  # episode guid -> [{type, length_bytes, sources, ...}]
        render["alternates"] = {
            guid: [AlternateEnclosure(**{**a, "sources": tuple(a["sources"])}) for a in items]
            for guid, items in render["alternates"].items()
        }
    if "tags" in render:  # feeds.podcast_tags.ChannelTags, table by table
        render["tags"] = _channel_tags(render["tags"])
    if "item_tags" in render:  # episode guid -> ItemTags
        render["item_tags"] = {g: _item_tags(t) for g, t in render["item_tags"].items()}
    return Show(**show_data), [_episode(e) for e in data.get("episodes", ())], render


def _channel_tags(data: dict[str, Any]) -> pt.ChannelTags:
    return pt.ChannelTags(
        funding=tuple(pt.Funding(**f) for f in data.get("funding", ())),
        podroll=tuple(pt.RemoteItem(**r) for r in data.get("podroll", ())),
        txt=tuple(pt.Txt(**t) for t in data.get("txt", ())),
        license=pt.License(**data["license"]) if "license" in data else None,
        location=pt.Location(**data["location"]) if "location" in data else None,
        images=tuple(pt.ImageSize(**i) for i in data.get("images", ())),
        hubs=tuple(data.get("hubs", ())),
        season_names={int(k): v for k, v in data.get("season_names", {}).items()},
    )


def _item_tags(data: dict[str, Any]) -> pt.ItemTags:
    return pt.ItemTags(
        location=pt.Location(**data["location"]) if "location" in data else None,
        images=tuple(pt.ImageSize(**i) for i in data.get("images", ())),
        license=pt.License(**data["license"]) if "license" in data else None,
    )


@pytest.mark.parametrize("name", CASES)
def test_catalog_renders_the_golden_feed(name: str) -> None:
    show, episodes, render = load_catalog(GOLDEN / f"{name}.toml")
    xml = render_feed(show, episodes, **render)
    expected = GOLDEN / f"{name}.xml"
    if os.environ.get("KOTOCAST_UPDATE_GOLDEN") or not expected.exists():
        expected.write_bytes(xml)
    assert xml.decode() == expected.read_text(encoding="utf-8")
    assert validate_feed(xml, source=name) == []


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3
