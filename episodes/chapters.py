"""Chapter lists: read what producers write, render Podcast Index JSON chapters.

Producers give either plain lines ``HH:MM:SS Title`` or a Podcast Index JSON chapters file
(``{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "..."}]}``).
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import FieldInvalid
from .model import Chapter
from .text import clean_title, parse_clock

MAX_CHAPTERS_FILE_BYTES = 1_000_000


def read_chapters(path: Path, *, duration_s: float | None = None) -> tuple[Chapter, ...]:
    """Read a chapters file (plain lines or JSON), sorted and checked.

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


def _from_lines(text: str, field: str) -> list[Chapter]:
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
        chapters.append(Chapter(start_s=start, title=clean_title(title, f"{field} line {number}")))
    return chapters


def _from_json(text: str, field: str) -> list[Chapter]:
    try:
        data = json.loads(text)
        items = data["chapters"]
        if not isinstance(items, list):
            raise TypeError
        return [
            Chapter(
                start_s=float(item["startTime"]),
                title=clean_title(item.get("title", ""), f"{field} chapter {i + 1}"),
                url=item.get("url") if isinstance(item.get("url"), str) else None,
            )
            for i, item in enumerate(items)
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise FieldInvalid(field, f"not Podcast Index JSON chapters: {exc}") from None


def render_chapters_json(chapters: tuple[Chapter, ...]) -> bytes:
    """Return Podcast Index JSON chapters (``application/json+chapters``), deterministic bytes."""
    items = []
    for c in chapters:
        item: dict[str, object] = {"startTime": round(c.start_s, 3), "title": c.title}
        if c.url:
            item["url"] = c.url
        items.append(item)
    doc = {"version": "1.2.0", "chapters": items}
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
