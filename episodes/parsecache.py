"""Parsed episode files, kept between runs: the scheduled job need not parse 10,000 TOML files.

A no-change ``kotocast publish`` of a 10,000-episode show spent 1.7 of its 3.2 s in ``tomllib``.
The parsed tables are kept in ``.kotocast/parsed-episodes.json``, each under its file name with
the file's size and modification time (nanoseconds); a file whose size or time differs is
parsed again. What comes out of the cache is exactly what ``tomllib`` returned (datetimes,
dates and times are tagged in the JSON), and it goes through the same checks as a fresh parse,
so a bad value is refused the same way.

A file changed within :data:`RACY_S` of being read is not kept (its next change could land in
the same clock tick with the same size, as git's "racily clean" index entries). JSON, not
pickle: a workspace shared with others must not be able to run code through this file. A
missing, unreadable, foreign or damaged cache is ignored and rewritten; one that cannot be
written (a read-only workspace) is skipped.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_FILE = ".kotocast/parsed-episodes.json"
VERSION = 1
RACY_S = 2.0

Stamp = tuple[int, int]  # (size, mtime_ns)


class ParseCache:
    """Look up and remember parsed episode files of one workspace's ``episodes/`` folder."""

    def __init__(self, workspace: Path) -> None:
        self.path = workspace / CACHE_FILE
        self._entries: dict[str, tuple[Stamp, Any]] = {}
        self._fresh: dict[str, tuple[Stamp, Any]] = {}
        self._changed = False
        self._load()

    def get(self, name: str, stamp: Stamp) -> dict[str, Any] | None:
        """The parsed table of file ``name`` if it was cached with this ``stamp``."""
        entry = self._entries.get(name)
        if entry is None or entry[0] != stamp:
            return None
        self._fresh[name] = entry
        return entry[1]  # type: ignore[no-any-return]

    def put(self, name: str, stamp: Stamp, data: dict[str, Any]) -> None:
        """Remember a freshly parsed table (unless the file changed a moment ago)."""
        if time.time_ns() - stamp[1] < RACY_S * 1e9:
            self._changed = True  # do not keep an older entry for it either
            return
        self._fresh[name] = (stamp, data)
        self._changed = True

    def save(self) -> None:
        """Write the entries used or added in this run (files gone are forgotten)."""
        if not self._changed and self._fresh.keys() == self._entries.keys():
            return
        body = {
            "version": VERSION,
            "files": {name: [s[0], s[1], data] for name, (s, data) in self._fresh.items()},
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            text = json.dumps(body, separators=(",", ":"), default=_tag)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError) as exc:
            log.debug("%s: not written: %s", self.path, getattr(exc, "strerror", None) or exc)
            tmp.unlink(missing_ok=True)

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"), object_hook=_untag)
            if raw.get("version") != VERSION:
                return
            self._entries = {
                name: ((int(size), int(mtime)), data)
                for name, (size, mtime, data) in raw["files"].items()
            }
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            self._entries = {}


def stamp(entry: os.DirEntry[str]) -> Stamp:
    st = entry.stat()
    return (st.st_size, st.st_mtime_ns)


_TAG = "$toml"


def _tag(value: Any) -> Any:
    """JSON for what ``tomllib`` returns beyond JSON's types."""
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, clock):
        return {_TAG: "time", "v": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in {CACHE_FILE}")


def _untag(value: dict[str, Any]) -> Any:
    kind = value.get(_TAG)
    if kind is None or len(value) != 2:
        return value
    text = value["v"]
    if kind == "datetime":
        return datetime.fromisoformat(text)
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "time":
        return clock.fromisoformat(text)
    return value
