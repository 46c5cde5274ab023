"""The episode file's schema, declared once: one :class:`Field` line per persisted field.

The same tables read ``episodes/<slug>.toml`` (type checks, value checks, unknown keys refused
with the nearest valid key as a hint) and write it (key order, what is left out), the way
mediafile declares one ``MediaField`` per tag. A new field is one more line here; it cannot be
written and then dropped on read.

Two file shapes, both read and written by these tables:

* **flat**: one variant; its fields sit at the top level beside the episode's identity. This
  is every file kotocast 0.1 wrote for a podcast, and what a one-language show still writes.
* **variants**: identity at the top, one ``[[variants]]`` table per language. kotocast 0.1's
  video-series files also had ``title``/``description``/``publish_at``/``draft`` at the top;
  those are read as the defaults of every variant (the upgrade step) and not written again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import EpisodeFileInvalid, FieldInvalid
from .model import (
    EPISODE_TYPES,
    Asset,
    Chapter,
    LoudnessRecord,
    Person,
    Soundbite,
    Transcript,
)
from .podcasting import License, Location
from .text import (
    canonical_language,
    check_slug,
    clean_description,
    clean_text,
    clean_title,
    parse_publish_at,
    positive_int,
)

TRANSCRIPT_ORIGINS = ("supplied", "machine", "reviewed")


def unknown_key_message(key: str, known: Iterable[str]) -> str:
    """Return ``unknown key`` with the nearest known key as a hint (``target_lfus``...)."""
    import difflib  # only when a file has a typo

    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"unknown key{hint}"


class Where:
    """A position in one file (``path``, ``prefix``) for error messages: ``file: key: why``."""

    __slots__ = ("path", "prefix")

    def __init__(self, path: Path, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix

    def fail(self, key: str, why: str) -> EpisodeFileInvalid:
        return EpisodeFileInvalid(f"{self.path}: {self.prefix}{key}: {why}")

    def sub(self, name: str) -> Where:
        return Where(self.path, f"{self.prefix}{name}.")


# --- codecs: how one value is checked on read and shaped on write -----------------------


@dataclass(frozen=True, slots=True)
class Codec:
    """Read (type check + value check) and write one kind of value."""

    kinds: type | tuple[type, ...]
    check: Callable[[Any, str], Any] | None = None
    table: Table | None = None
    many: bool = False

    def read(self, value: Any, where: Where, key: str) -> Any:
        if self.table is not None:
            if self.many:
                if not isinstance(value, list):
                    raise where.fail(key, "must be a list of tables")
                return tuple(
                    self.table.read(item, where, f"{key}[{i}]") for i, item in enumerate(value)
                )
            return self.table.read(value, where, key)
        if isinstance(value, bool) and self.kinds is not bool:
            raise where.fail(key, f"has the wrong type ({type(value).__name__})")
        if not isinstance(value, self.kinds):
            raise where.fail(key, f"has the wrong type ({type(value).__name__})")
        if self.check is None:
            return value
        try:
            return self.check(value, where.prefix + key)
        except FieldInvalid as exc:
            raise where.fail(key, exc.why) from None

    def write(self, value: Any) -> Any:
        if self.table is not None:
            if self.many:
                return [self.table.write(v) for v in value]
            return self.table.write(value)
        return value


def _safe_path(value: str, name: str) -> str:
    parts = value.split("/")
    if value.startswith("/") or "\\" in value or ".." in parts or "" in parts:
        raise FieldInvalid(name, f"{value!r} is not a safe relative path")
    return value


def _not_negative(value: int, name: str) -> int:
    if value < 0:
        raise FieldInvalid(name, "must not be negative")
    return value


def _choice(values: Sequence[str]) -> Callable[[str, str], str]:
    def check(value: str, name: str) -> str:
        if value not in values:
            raise FieldInvalid(name, f"must be one of {', '.join(values)}, not {value!r}")
        return value

    return check


def _lower(value: str, name: str) -> str:
    return value.lower()


TEXT = Codec(str, lambda v, n: clean_text(v, n))
PLAIN = Codec(str)
TITLE = Codec(str, lambda v, n: clean_title(v, n))
DESCRIPTION = Codec(str, lambda v, n: clean_description(v, n))
LANGUAGE = Codec(str, lambda v, n: canonical_language(v, n))
DATE = Codec((datetime, str), lambda v, n: parse_publish_at(v, n))
POSITIVE = Codec(int, lambda v, n: positive_int(v, n))
COUNT = Codec(int, _not_negative)
INT = Codec(int)
SECONDS = Codec((int, float), lambda v, n: float(v))
BOOL = Codec(bool)
PATH = Codec(str, _safe_path)
LOWER = Codec(str, _lower)


def table_of(table: Table) -> Codec:
    return Codec(dict, table=table)


def list_of(table: Table) -> Codec:
    return Codec(list, table=table, many=True)


# --- fields and tables ------------------------------------------------------------------

_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class Field:
    """One persisted field: TOML ``key``, dataclass ``attr``, codec and default.

    A field whose value equals its default is not written (``omit``), so files stay short
    and a file written before the field existed reads back the same.
    """

    key: str
    codec: Codec
    default: Any = None
    attr: str = ""

    @property
    def name(self) -> str:
        return self.attr or self.key

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED


def field(key: str, codec: Codec, default: Any = None, attr: str = "") -> Field:
    return Field(key, codec, default, attr)


def required(key: str, codec: Codec, attr: str = "") -> Field:
    return Field(key, codec, _REQUIRED, attr)


class Table:
    """A TOML table mapped to a frozen dataclass by a list of fields."""

    def __init__(self, cls: type, fields: Sequence[Field], aliases: Mapping[str, str] = {}):
        self.cls = cls
        self.fields = tuple(fields)
        self.by_key = {f.key: f for f in self.fields}
        self.aliases = dict(aliases)  # legacy key -> current key (read only)
        self.known = frozenset(self.by_key) | frozenset(self.aliases)

    def read(self, data: Any, where: Where, key: str) -> Any:
        if not isinstance(data, Mapping):
            raise where.fail(key, "must be a table")
        sub = where.sub(key)
        for name in data:
            if name not in self.known:
                raise sub.fail(name, unknown_key_message(name, self.by_key))
        aliased: dict[str, Any] = {self.aliases.get(str(k), str(k)): v for k, v in data.items()}
        return self.cls(**read_fields(self.fields, aliased, sub))

    def write(self, obj: Any) -> dict[str, Any]:
        return write_fields(self.fields, obj)


def read_fields(fields: Sequence[Field], data: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """Read ``data`` into ``{attr: value}`` by ``fields`` (missing ones get their default).

    Raises:
        EpisodeFileInvalid: a required key is missing or a value is wrong (``file: key: why``).
    """
    out: dict[str, Any] = {}
    for f in fields:
        if f.key in data:
            out[f.name] = f.codec.read(data[f.key], where, f.key)
        elif f.required:
            raise where.fail(f.key, "is missing")
        else:
            out[f.name] = f.default
    return out


def write_fields(fields: Sequence[Field], obj: Any) -> dict[str, Any]:
    """Return ``obj`` as a TOML table by ``fields``: empty values and defaults left out."""
    out: dict[str, Any] = {}
    for f in fields:
        value = getattr(obj, f.name)
        if value is None or value == ():
            continue
        if not f.required and value == f.default and f.key not in ALWAYS_WRITTEN:
            continue
        out[f.key] = f.codec.write(value)
    return out


ASSET = Table(
    Asset,
    [
        required("path", PATH),
        required("key", PATH),
        required("size_bytes", COUNT),
        required("sha256", PLAIN),
        required("mime_type", PLAIN),
        field("duration_s", SECONDS),
        field("bitrate_kbps", INT),
        field("width", INT),
        field("height", INT),
    ],
)

LOUDNESS = Table(
    LoudnessRecord,
    [
        required("input_lufs", SECONDS),
        field("input_true_peak_dbtp", SECONDS),
        required("output_lufs", SECONDS),
        required("output_true_peak_dbtp", SECONDS),
        field("input_sample_peak_dbfs", SECONDS),
    ],
)

# A hidden (toc = false) chapter may have no title; any other title is checked like one.
CHAPTER_TITLE = Codec(str, lambda v, n: clean_title(v, n) if v.strip() else "")

LOCATION = Table(
    Location,
    [required("name", TITLE), field("geo", PLAIN), field("osm", PLAIN), field("rel", PLAIN)],
)

LICENSE = Table(License, [required("identifier", PLAIN), field("url", PLAIN)])

CHAPTER = Table(
    Chapter,
    [
        required("start_s", SECONDS),
        required("title", CHAPTER_TITLE),
        field("url", PLAIN),
        field("end_s", SECONDS),
        field("img", PLAIN),
        field("toc", BOOL, True),
        field("location", table_of(LOCATION)),
    ],
)

TRANSCRIPT = Table(
    Transcript,
    [
        required("asset", table_of(ASSET)),
        required("language", LANGUAGE),
        field("rel", PLAIN, attr="rel"),
        field("origin", Codec(str, _choice(TRANSCRIPT_ORIGINS)), "supplied"),
    ],
)

PERSON = Table(
    Person,
    [
        required("name", TITLE),
        field("role", LOWER, "guest"),
        field("group", LOWER, "cast"),
        field("href", PLAIN),
        field("img", PLAIN),
    ],
)

SOUNDBITE = Table(
    Soundbite,
    [
        required("start_s", SECONDS),
        required("duration_s", SECONDS),
        field("title", PLAIN),
        field("teaser", table_of(ASSET)),
    ],
)

# The episode's identity, shared by its variants.
EPISODE_FIELDS = (
    required("slug", Codec(str, lambda v, n: check_slug(v, n))),
    required("guid", TEXT),
    field("type", Codec(str, _choice(EPISODE_TYPES)), "full", attr="episode_type"),
    field("season", POSITIVE),
    field("number", POSITIVE),
    field("explicit", BOOL),
    field("withdrawn", BOOL, False),
    field("created_at", DATE),
    field("image", table_of(ASSET)),
)

# One language version. ``captions`` is kotocast 0.1's name for a video's transcripts.
VARIANT_FIELDS = (
    field("language", LANGUAGE),
    required("title", TITLE),
    field("description", DESCRIPTION, ""),
    field("publish_at", DATE),
    field("draft", BOOL, False),
    field("media", table_of(ASSET)),
    field("loudness", table_of(LOUDNESS)),
    field("chapters", list_of(CHAPTER), ()),
    field("chapters_file", table_of(ASSET)),
    field("transcripts", list_of(TRANSCRIPT), ()),
    field("persons", list_of(PERSON), ()),
    field("soundbites", list_of(SOUNDBITE), ()),
    field("alternates", list_of(ASSET), ()),
    field("location", table_of(LOCATION)),
    field("license", table_of(LICENSE)),
)
VARIANT_ALIASES = {"captions": "transcripts"}

# Written order of a flat file (identity and variant fields interleaved as 0.1 wrote them).
FLAT_ORDER = (
    "slug",
    "guid",
    "language",
    "title",
    "description",
    "publish_at",
    "type",
    "season",
    "number",
    "explicit",
    "draft",
    "withdrawn",
    "created_at",
    "media",
    "image",
    "chapters_file",
    "loudness",
    "chapters",
    "transcripts",
    "persons",
    "soundbites",
    "alternates",
    "location",
    "license",
)
# Written even at their default, so the producer sees them and can edit them.
ALWAYS_WRITTEN = frozenset({"type"})
# Variant fields a 0.1 video-series file kept at the top level, as defaults for its variants.
LEGACY_SHARED = ("title", "description", "publish_at", "draft")
