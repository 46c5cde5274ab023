"""The episode catalog: one producer-editable TOML file per episode under ``episodes/``.

``episodes/<slug>.toml`` holds the episode's metadata, its permanent ``guid`` and the processed
files it publishes. Producers may edit titles, descriptions and dates by hand; kotocast checks
every file when it loads it and names the file and key of any problem.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from . import schema
from .errors import EpisodeExists, EpisodeFileInvalid, EpisodeNotFound
from .model import Episode, Variant
from .parsecache import ParseCache
from .parsecache import stamp as file_stamp
from .show import load_show, write_text_atomic
from .text import check_slug

EPISODES_DIR = "episodes"


def episode_path(workspace: Path, slug: str) -> Path:
    """Return the catalog file of ``slug`` (the slug is checked first)."""
    return workspace / EPISODES_DIR / f"{check_slug(slug)}.toml"


def new_guid() -> str:
    """Return a fresh, permanent item guid (a random UUID URN; not a URL, so isPermaLink=false)."""
    return f"urn:uuid:{uuid.uuid4()}"


def load_episodes(
    workspace: Path, *, languages: Sequence[str] | None = None, keep_parsed: bool = False
) -> list[Episode]:
    """Load every episode file, sorted by slug.

    Args:
        languages: the show's languages, main first (variants are ordered by it; a flat
            file's variant is in the first). Default: read from ``kotocast.toml``.
        keep_parsed: Take unchanged files' parsed tables from, and keep new ones in,
            ``.kotocast/parsed-episodes.json`` (:mod:`episodes.parsecache`): for the
            scheduled publish, which reads every file every few minutes.

    Raises:
        EpisodeFileInvalid: a file is unparsable or has a wrong value (file and key named).
    """
    folder = workspace / EPISODES_DIR
    if not folder.is_dir():
        return []
    langs = tuple(languages) if languages is not None else show_languages(workspace)
    cache = ParseCache(workspace) if keep_parsed else None
    episodes = []
    with os.scandir(folder) as entries:
        files = sorted((e for e in entries if e.name.endswith(".toml")), key=lambda e: e.name)
    for entry in files:
        path = folder / entry.name
        try:
            stamp = file_stamp(entry)
        except OSError as exc:
            raise EpisodeFileInvalid(f"{path}: cannot read: {exc.strerror}") from None
        data = cache.get(entry.name, stamp) if cache is not None else None
        if data is None:
            data = _read_toml(path)
            if cache is not None:
                cache.put(entry.name, stamp, data)
        episodes.append(_from_data(path, data, langs))
    if cache is not None:
        cache.save()
    seen: dict[str, str] = {}
    for ep in episodes:
        if ep.guid in seen:
            raise EpisodeFileInvalid(
                f"{folder / (ep.slug + '.toml')}: guid: same as in {seen[ep.guid]}.toml; "
                "every episode needs its own"
            )
        seen[ep.guid] = ep.slug
    return episodes


def show_languages(workspace: Path) -> tuple[str, ...]:
    """Return the show's languages, main first (``show.languages``, else ``show.language``)."""
    return load_show(workspace).all_languages


def load_episode(workspace: Path, slug: str, *, languages: Sequence[str] | None = None) -> Episode:
    """Load one episode by slug.

    Raises:
        EpisodeNotFound: no such episode.
        EpisodeFileInvalid: its file is broken.
    """
    path = episode_path(workspace, slug)
    if not path.is_file():
        raise EpisodeNotFound(f"{path}: no episode with slug {slug!r}")
    langs = tuple(languages) if languages is not None else show_languages(workspace)
    return _load_file(path, langs)


def save_episode(
    workspace: Path,
    episode: Episode,
    *,
    new: bool = False,
    languages: Sequence[str] | None = None,
) -> Path:
    """Write ``episode`` to its catalog file atomically.

    Args:
        new: refuse to replace an existing file (a slug names one episode forever).
        languages: the show's languages (default: read from ``kotocast.toml``).

    Raises:
        EpisodeExists: ``new`` and the file exists.
    """
    path = episode_path(workspace, episode.slug)
    if new and path.exists():
        raise EpisodeExists(f"{path}: an episode with slug {episode.slug!r} already exists")
    langs = tuple(languages) if languages is not None else show_languages(workspace)
    write_text_atomic(path, render_episode(episode, main_language=langs[0]))
    return path


def delete_episode_file(workspace: Path, slug: str) -> None:
    """Remove a catalog file (used only to roll back a failed ``add``)."""
    episode_path(workspace, slug).unlink(missing_ok=True)


def render_episode(episode: Episode, *, main_language: str) -> str:
    """Return the TOML text of an episode file, with a header for the producer.

    One variant is written flat (as kotocast 0.1 wrote podcast episodes), its ``language``
    only when it is not the show's main language; several are written as ``[[variants]]``.
    """
    doc = tomlkit.document()
    doc.add(tomlkit.comment("kotocast episode. Edit title, description, dates and numbers freely;"))
    doc.add(tomlkit.comment("never change guid or the [media] table: podcast apps depend on them."))
    identity = schema.write_fields(schema.EPISODE_FIELDS, episode)
    if len(episode.variants) == 1:
        flat = {**identity, **schema.write_fields(schema.VARIANT_FIELDS, episode.variants[0])}
        if flat.get("language") == main_language:
            del flat["language"]
        data = {k: flat[k] for k in schema.FLAT_ORDER if k in flat}
    else:
        data = dict(identity)
        data["variants"] = [schema.write_fields(schema.VARIANT_FIELDS, v) for v in episode.variants]
    for key, value in data.items():
        if isinstance(value, str) and "\n" in value:
            # Multi-line show notes stay readable: a TOML multi-line literal-style string.
            value = tomlkit.string(value, multiline=True)
        doc.add(key, value)
    for variant in data.get("variants", []):
        for key, value in variant.items():
            if isinstance(value, str) and "\n" in value:
                variant[key] = tomlkit.string(value, multiline=True)
    return tomlkit.dumps(doc)


_EPISODE_KEYS = frozenset(f.key for f in schema.EPISODE_FIELDS)
_VARIANT_KEYS = frozenset(f.key for f in schema.VARIANT_FIELDS)


def _load_file(path: Path, languages: tuple[str, ...]) -> Episode:
    return _from_data(path, _read_toml(path), languages)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise EpisodeFileInvalid(f"{path}: not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EpisodeFileInvalid(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise EpisodeFileInvalid(f"{path}: cannot read: {exc.strerror}") from None


def _from_data(path: Path, data: dict[str, Any], languages: tuple[str, ...]) -> Episode:
    where = schema.Where(path)
    layered = "variants" in data
    allowed = _EPISODE_KEYS | (
        frozenset(schema.LEGACY_SHARED) | {"variants"} if layered else _VARIANT_KEYS
    )
    for key in data:
        if key not in allowed:
            raise where.fail(key, schema.unknown_key_message(key, allowed))
    identity = schema.read_fields(schema.EPISODE_FIELDS, data, where)
    if path.stem != identity["slug"]:
        raise where.fail("slug", f"is {identity['slug']!r} but the file is named {path.name}")
    main = languages[0]
    if layered:
        # kotocast 0.1 video series: top-level title/description/publish_at/draft are the
        # defaults of every variant (checked here, so a bad value names the top-level key).
        shared = {k: data[k] for k in schema.LEGACY_SHARED if k in data}
        by_key = {f.key: f for f in schema.VARIANT_FIELDS}
        for key, value in shared.items():
            by_key[key].codec.read(value, where, key)
        variants = _read_variants(data["variants"], shared, where)
    else:
        values = schema.read_fields(schema.VARIANT_FIELDS, data, where)
        values["language"] = values["language"] or main
        variants = [Variant(**values)]
    order = {lang: i for i, lang in enumerate(languages)}
    variants.sort(key=lambda v: order.get(v.language, len(order)))
    return Episode(variants=tuple(variants), **identity)


def _read_variants(raw: Any, shared: Mapping[str, Any], where: schema.Where) -> list[Variant]:
    if not isinstance(raw, list) or not raw:
        raise where.fail("variants", "must be a non-empty list of tables")
    out: list[Variant] = []
    seen: set[str] = set()
    known = _VARIANT_KEYS | frozenset(schema.VARIANT_ALIASES)
    for i, table in enumerate(raw):
        name = f"variants[{i}]"
        if not isinstance(table, Mapping):
            raise where.fail(name, "must be a table")
        sub = where.sub(name)
        for key in table:
            if key not in known:
                raise sub.fail(key, schema.unknown_key_message(key, _VARIANT_KEYS))
        if "language" not in table:
            raise sub.fail("language", "is missing")
        aliased: dict[str, Any] = {
            schema.VARIANT_ALIASES.get(str(k), str(k)): v for k, v in table.items()
        }
        values = schema.read_fields(schema.VARIANT_FIELDS, {**shared, **aliased}, sub)
        if values["language"] in seen:
            raise sub.fail("language", f"a second variant in {values['language']!r}")
        seen.add(values["language"])
        out.append(Variant(**values))
    return out


def utc_now() -> datetime:
    """Return the current time, timezone-aware, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def ensure_folder(workspace: Path) -> Path:
    """Create ``episodes/`` if needed and return it."""
    folder = workspace / EPISODES_DIR
    os.makedirs(folder, exist_ok=True)
    return folder
