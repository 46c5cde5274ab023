"""The episode catalog: one producer-editable TOML file per episode under ``episodes/``.

``episodes/<slug>.toml`` holds the episode's metadata, its permanent ``guid`` and the processed
files it publishes. Producers may edit titles, descriptions and dates by hand; kotocast checks
every file when it loads it and names the file and key of any problem.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from .errors import EpisodeExists, EpisodeFileInvalid, EpisodeNotFound, FieldInvalid
from .model import (
    EPISODE_TYPES,
    Asset,
    Chapter,
    Episode,
    LoudnessRecord,
    Person,
    Soundbite,
    Transcript,
    Variant,
)
from .show import write_text_atomic
from .text import (
    canonical_language,
    check_slug,
    clean_description,
    clean_text,
    clean_title,
    parse_publish_at,
    positive_int,
)

EPISODES_DIR = "episodes"


def episode_path(workspace: Path, slug: str) -> Path:
    """Return the catalog file of ``slug`` (the slug is checked first)."""
    return workspace / EPISODES_DIR / f"{check_slug(slug)}.toml"


def new_guid() -> str:
    """Return a fresh, permanent item guid (a random UUID URN; not a URL, so isPermaLink=false)."""
    return f"urn:uuid:{uuid.uuid4()}"


def load_episodes(workspace: Path) -> list[Episode]:
    """Load every episode file, sorted by slug.

    Raises:
        EpisodeFileInvalid: a file is unparsable or has a wrong value (file and key named).
    """
    folder = workspace / EPISODES_DIR
    if not folder.is_dir():
        return []
    episodes = [_load_file(p) for p in sorted(folder.glob("*.toml"))]
    seen: dict[str, str] = {}
    for ep in episodes:
        if ep.guid in seen:
            raise EpisodeFileInvalid(
                f"{folder / (ep.slug + '.toml')}: guid: same as in {seen[ep.guid]}.toml; "
                "every episode needs its own"
            )
        seen[ep.guid] = ep.slug
    return episodes


def load_episode(workspace: Path, slug: str) -> Episode:
    """Load one episode by slug.

    Raises:
        EpisodeNotFound: no such episode.
        EpisodeFileInvalid: its file is broken.
    """
    path = episode_path(workspace, slug)
    if not path.is_file():
        raise EpisodeNotFound(f"{path}: no episode with slug {slug!r}")
    return _load_file(path)


def save_episode(workspace: Path, episode: Episode, *, new: bool = False) -> Path:
    """Write ``episode`` to its catalog file atomically.

    Args:
        new: refuse to replace an existing file (a slug names one episode forever).

    Raises:
        EpisodeExists: ``new`` and the file exists.
    """
    path = episode_path(workspace, episode.slug)
    if new and path.exists():
        raise EpisodeExists(f"{path}: an episode with slug {episode.slug!r} already exists")
    write_text_atomic(path, render_episode(episode))
    return path


def delete_episode_file(workspace: Path, slug: str) -> None:
    """Remove a catalog file (used only to roll back a failed ``add``)."""
    episode_path(workspace, slug).unlink(missing_ok=True)


def render_episode(episode: Episode) -> str:
    """Return the TOML text of an episode file, with a header for the producer."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("kotocast episode. Edit title, description, dates and numbers freely;"))
    doc.add(tomlkit.comment("never change guid or the [media] table: podcast apps depend on them."))
    data = _to_toml(episode)
    for key, value in data.items():
        if isinstance(value, str) and "\n" in value:
            # Multi-line show notes stay readable: a TOML multi-line literal-style string.
            value = tomlkit.string(value, multiline=True)
        doc.add(key, value)
    return tomlkit.dumps(doc)


# --- serialisation -----------------------------------------------------------------------

_ORDER = (
    "slug",
    "guid",
    "title",
    "description",
    "publish_at",
    "episode_type",
    "season",
    "number",
    "explicit",
    "draft",
    "withdrawn",
    "created_at",
)


def _to_toml(episode: Episode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _ORDER:
        value = getattr(episode, name)
        if value is None or (name in ("draft", "withdrawn") and value is False):
            continue
        out["type" if name == "episode_type" else name] = value
    for name in ("media", "image", "chapters_file", "loudness"):
        value = getattr(episode, name)
        if value is not None:
            out[name] = _plain(value)
    for name in ("chapters", "transcripts", "persons", "soundbites", "alternates", "variants"):
        values = getattr(episode, name)
        if values:
            out[name] = [_plain(v) for v in values]
    return out


def _plain(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {
            f.name: _plain(getattr(obj, f.name))
            for f in fields(obj)
            if getattr(obj, f.name) is not None and getattr(obj, f.name) != ()
        }
    if isinstance(obj, tuple):
        return [_plain(v) for v in obj]
    return obj


class _Fields:
    """Checked access to one table of an episode file; errors name ``file: key``."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.table = table
        self.prefix = prefix

    def fail(self, key: str, why: str) -> EpisodeFileInvalid:
        return EpisodeFileInvalid(f"{self.path}: {self.prefix}{key}: {why}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if key not in self.table:
            return default
        value = self.table[key]
        is_bool = isinstance(value, bool)
        if (is_bool and kind is not bool) or not isinstance(value, kind):
            raise self.fail(key, f"has the wrong type ({type(value).__name__})")
        return value

    def need(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in self.table:
            raise self.fail(key, "is missing")
        return self.get(key, kind)

    def check(self, key: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args, self.prefix + key)
        except FieldInvalid as exc:
            raise self.fail(key, exc.why) from None

    def sub(self, key: str, index: int | None = None) -> _Fields:
        table = self.table[key] if index is None else self.table[key][index]
        name = key if index is None else f"{key}[{index}]"
        if not isinstance(table, Mapping):
            raise self.fail(name, "must be a table")
        return _Fields(self.path, table, f"{self.prefix}{name}.")


def _load_file(path: Path) -> Episode:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise EpisodeFileInvalid(f"{path}: not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EpisodeFileInvalid(f"{path}: not valid TOML: {exc}") from None
    f = _Fields(path, data)
    slug = f.check("slug", check_slug, f.need("slug", str))
    if path.stem != slug:
        raise f.fail("slug", f"is {slug!r} but the file is named {path.name}")
    publish_at = f.get("publish_at", (datetime, str))
    if publish_at is not None:
        publish_at = f.check("publish_at", parse_publish_at, publish_at)
    created_at = f.get("created_at", (datetime, str))
    if created_at is not None:
        created_at = f.check("created_at", parse_publish_at, created_at)
    episode_type = f.get("type", str, "full")
    if episode_type not in EPISODE_TYPES:
        raise f.fail("type", f"must be one of {', '.join(EPISODE_TYPES)}, not {episode_type!r}")
    season = f.get("season", int)
    number = f.get("number", int)
    return Episode(
        slug=slug,
        guid=f.check("guid", clean_text, f.need("guid", str)),
        title=f.check("title", clean_title, f.need("title", str)),
        description=f.check("description", clean_description, f.get("description", str, "")),
        publish_at=publish_at,
        episode_type=episode_type,
        season=None if season is None else f.check("season", positive_int, season),
        number=None if number is None else f.check("number", positive_int, number),
        explicit=f.get("explicit", bool),
        draft=f.get("draft", bool, False),
        withdrawn=f.get("withdrawn", bool, False),
        created_at=created_at,
        media=_asset(f, "media"),
        image=_asset(f, "image"),
        chapters_file=_asset(f, "chapters_file"),
        loudness=_loudness(f),
        chapters=tuple(
            Chapter(
                start_s=float(c.need("start_s", (int, float))),
                title=c.check("title", clean_title, c.need("title", str)),
                url=c.get("url", str),
            )
            for c in _items(f, "chapters")
        ),
        transcripts=tuple(_transcript(t) for t in _items(f, "transcripts")),
        persons=tuple(
            Person(
                name=p.check("name", clean_title, p.need("name", str)),
                role=p.get("role", str, "guest").lower(),
                group=p.get("group", str, "cast").lower(),
                href=p.get("href", str),
                img=p.get("img", str),
            )
            for p in _items(f, "persons")
        ),
        soundbites=tuple(
            Soundbite(
                start_s=float(b.need("start_s", (int, float))),
                duration_s=float(b.need("duration_s", (int, float))),
                title=b.get("title", str),
                teaser=_asset(b, "teaser"),
            )
            for b in _items(f, "soundbites")
        ),
        alternates=tuple(_asset_table(a) for a in _items(f, "alternates")),
        variants=tuple(_variant(v) for v in _items(f, "variants")),
    )


def _items(f: _Fields, key: str) -> list[_Fields]:
    values = f.get(key, list, [])
    return [f.sub(key, i) for i in range(len(values))]


def _asset(f: _Fields, key: str) -> Asset | None:
    if key not in f.table:
        return None
    return _asset_table(f.sub(key))


def _asset_table(a: _Fields) -> Asset:
    key = a.need("key", str)
    path = a.need("path", str)
    for name, value in (("key", key), ("path", path)):
        parts = value.split("/")
        if value.startswith("/") or "\\" in value or ".." in parts or "" in parts:
            raise a.fail(name, f"{value!r} is not a safe relative path")
    size = a.need("size_bytes", int)
    if size < 0:
        raise a.fail("size_bytes", "must not be negative")
    duration = a.get("duration_s", (int, float))
    return Asset(
        path=path,
        key=key,
        size_bytes=size,
        sha256=a.need("sha256", str),
        mime_type=a.need("mime_type", str),
        duration_s=None if duration is None else float(duration),
        bitrate_kbps=a.get("bitrate_kbps", int),
        width=a.get("width", int),
        height=a.get("height", int),
    )


def _loudness(f: _Fields) -> LoudnessRecord | None:
    if "loudness" not in f.table:
        return None
    lo = f.sub("loudness")
    return LoudnessRecord(
        **{
            n: float(lo.need(n, (int, float)))
            for n in ("input_lufs", "input_true_peak_dbtp", "output_lufs", "output_true_peak_dbtp")
        }
    )


def _transcript(t: _Fields) -> Transcript:
    asset = _asset(t, "asset")
    if asset is None:
        raise t.fail("asset", "is missing")
    return Transcript(
        asset=asset,
        language=t.check("language", canonical_language, t.need("language", str)),
        rel=t.get("rel", str),
    )


def _variant(v: _Fields) -> Variant:
    media = _asset(v, "media")
    if media is None:
        raise v.fail("media", "is missing")
    loud = _loudness(v)
    return Variant(
        language=v.check("language", canonical_language, v.need("language", str)),
        title=v.check("title", clean_title, v.need("title", str)),
        description=v.check("description", clean_description, v.get("description", str, "")),
        media=media,
        captions=tuple(_transcript(t) for t in _items(v, "captions")),
        loudness=loud,
    )


def utc_now() -> datetime:
    """Return the current time, timezone-aware, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def ensure_folder(workspace: Path) -> Path:
    """Create ``episodes/`` if needed and return it."""
    folder = workspace / EPISODES_DIR
    os.makedirs(folder, exist_ok=True)
    return folder
