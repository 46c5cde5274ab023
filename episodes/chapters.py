"""Chapter lists: read what producers write, render Podcast Index JSON chapters.

Producers give either plain lines ``HH:MM:SS Title`` or a Podcast Index JSON chapters file
(``{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "..."}]}``). Every field of
the Podcast Index chapters format (``docs/jsonChapters.md``) is kept from JSON input:
``startTime``, ``title``, ``endTime``, ``img``, ``url``, ``toc`` (false: hidden from the
table of contents) and ``location`` (``name``, ``geo``, ``osm``), in the episode model's
:class:`~episodes.model.Chapter` (stored in the episode file, rendered back losslessly).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import FieldInvalid
from .model import Chapter
from .podcasting import Location
from .text import clean_title, parse_clock

MAX_CHAPTERS_FILE_BYTES = 1_000_000
CHAPTERS_VERSION = "1.2.0"


#: The chapter shapes are the episode model's (one shape per concept); the names stay.
ChapterEntry = Chapter
ChapterLocation = Location


def read_chapter_entries(
    path: Path, *, duration_s: float | None = None
) -> tuple[ChapterEntry, ...]:
    """Read a chapters file (plain lines or JSON) keeping every field, sorted and checked.

    Raises:
        FieldInvalid: unreadable, malformed, unordered, or past the episode's end.
    """
    field = f"--chapters {path}"
    try:
        if path.stat().st_size > MAX_CHAPTERS_FILE_BYTES:
            raise FieldInvalid(field, "is larger than 1 MB; is it really a chapters file?")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FieldInvalid(field, f"cannot read as UTF-8 text: {exc}") from None
    if text.lstrip().startswith("{"):
        chapters = _from_json(text, field)
    else:
        chapters = _from_lines(text, field)
    if not chapters:
        raise FieldInvalid(field, "has no chapters")
    starts = [c.start_s for c in chapters]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise FieldInvalid(field, "chapter start times must increase")
    if duration_s is not None and starts[-1] >= duration_s:
        raise FieldInvalid(
            field,
            f"a chapter starts at {starts[-1]:.0f} s, after the episode ends ({duration_s:.0f} s)",
        )
    return tuple(chapters)


def read_chapters(path: Path, *, duration_s: float | None = None) -> tuple[Chapter, ...]:
    """Read a chapters file into the episode model's chapters, every field kept.

    Raises:
        FieldInvalid: unreadable, malformed, unordered, or past the episode's end.
    """
    return read_chapter_entries(path, duration_s=duration_s)


def _from_lines(text: str, field: str) -> list[ChapterEntry]:
    chapters = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        clock, _, title = line.strip().partition(" ")
        try:
            start = parse_clock(clock)
        except ValueError:
            raise FieldInvalid(
                field, f"line {number}: expected 'HH:MM:SS Title', got {line.strip()!r}"
            ) from None
        title = clean_title(title, f"{field} line {number}")
        chapters.append(ChapterEntry(start_s=start, title=title))
    return chapters


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} {value!r} is not a number of seconds")
    if value < 0:
        raise ValueError(f"{name} {value!r} is negative")
    return float(value)


def _optional_text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{key} {value!r} is not a string")
    return value.strip() or None


def _location(value: Any) -> ChapterLocation | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise TypeError(f"location {value!r} is not {{'name': ..., 'geo': ...}}")
    return ChapterLocation(
        name=value["name"].strip(),
        geo=_optional_text(value, "geo"),
        osm=_optional_text(value, "osm"),
    )


def _entry(item: Any, where: str) -> ChapterEntry:
    if not isinstance(item, dict):
        raise TypeError(f"{where} is not an object")
    start = _seconds(item["startTime"], "startTime")
    end = None if item.get("endTime") is None else _seconds(item["endTime"], "endTime")
    if end is not None and end <= start:
        raise ValueError(f"endTime {end:g} is not after startTime {start:g}")
    toc = item.get("toc", True)
    if not isinstance(toc, bool):
        raise TypeError(f"toc {toc!r} is not true or false")
    title = item.get("title")
    # jsonChapters.md: title is optional; a chapter listed in the table of contents needs one.
    title = "" if not title and not toc else clean_title(title or "", where)
    return ChapterEntry(
        start_s=start,
        title=title,
        url=_optional_text(item, "url"),
        end_s=end,
        img=_optional_text(item, "img"),
        toc=toc,
        location=_location(item.get("location")),
    )


def _from_json(text: str, field: str) -> list[ChapterEntry]:
    try:
        data = json.loads(text)
        items = data["chapters"]
        if not isinstance(items, list):
            raise TypeError("'chapters' is not a list")
        return [_entry(item, f"{field} chapter {i + 1}") for i, item in enumerate(items)]
    except FieldInvalid as exc:
        raise FieldInvalid(exc.field, exc.why) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise FieldInvalid(field, f"not Podcast Index JSON chapters: {exc}") from None


def render_chapters_json(
    chapters: Sequence[Chapter | ChapterEntry], *, images: dict[str, str] | None = None
) -> bytes:
    """Return Podcast Index JSON chapters (``application/json+chapters``), deterministic bytes.

    Args:
        chapters: the chapters; every field they carry is written (``toc`` only when false).
        images: ``img`` as given -> the URL it is published under (chapter pictures that
            were files beside the producer's chapters file); others are written as given.
    """
    items = []
    for c in chapters:
        item: dict[str, object] = {"startTime": round(c.start_s, 3)}
        if c.title:  # a hidden (toc: false) chapter may have none
            item["title"] = c.title
        if c.url:
            item["url"] = c.url
        end_s = getattr(c, "end_s", None)
        if end_s is not None:
            item["endTime"] = round(end_s, 3)
        img = getattr(c, "img", None)
        if img:
            item["img"] = (images or {}).get(img, img)
        if getattr(c, "toc", True) is False:
            item["toc"] = False
        location = getattr(c, "location", None)
        if location is not None:
            place: dict[str, str] = {"name": location.name}
            if location.geo:
                place["geo"] = location.geo
            if location.osm:
                place["osm"] = location.osm
            item["location"] = place
        items.append(item)
    doc = {"version": CHAPTERS_VERSION, "chapters": items}
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def chapter_images(chapters: Sequence[ChapterEntry], chapters_file: Path) -> dict[str, Path]:
    """Return the chapter pictures given as files: ``img`` as written -> the file.

    A relative ``img`` is resolved beside the chapters file; absolute URLs are left alone.

    Raises:
        FieldInvalid: a relative ``img`` that is not a file there.
    """
    found: dict[str, Path] = {}
    for c in chapters:
        if not c.img or c.img.startswith(("http://", "https://")):
            continue
        relative = Path(c.img)
        if relative.is_absolute() or ".." in relative.parts:
            raise FieldInvalid(
                f"--chapters {chapters_file}",
                f"chapter image {c.img!r} must be a URL or a file beside the chapters file",
            )
        path = chapters_file.parent / relative
        if not path.is_file():
            raise FieldInvalid(f"--chapters {chapters_file}", f"chapter image {c.img!r} not found")
        found[c.img] = path
    return found
