"""``lastBuildDate`` = when a feed's content last changed, kept in the publish state.

``render_feed`` writes the newest ``pubDate`` (it never reads the clock). At publish, each
feed's content is hashed without its ``lastBuildDate``; the publish state remembers that
hash and the date it was first published with. The same content keeps its recorded date,
so a no-change run writes identical bytes; changed content (an edited title, a new
transcript, a withdrawn episode) gets the moment of the publish that changes it (``now``,
which ``--now`` fixes: the same catalog, state and moment give the same bytes). A feed
with no record yet (the first publish, or a workspace from kotocast 0.1) keeps the
rendered date, so upgrading changes no byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

_LAST_BUILD = re.compile(rb"<lastBuildDate>([^<]*)</lastBuildDate>")


def _content_hash(xml: bytes) -> str:
    return hashlib.sha256(_LAST_BUILD.sub(b"<lastBuildDate/>", xml, count=1)).hexdigest()


def stamp_build_dates(
    feeds: MutableMapping[str, bytes], recorded: Mapping[str, Any], now: datetime
) -> dict[str, dict[str, str]]:
    """Set every feed's ``lastBuildDate`` to the time its content last changed.

    Args:
        feeds: feed key -> rendered XML; rewritten in place.
        recorded: the publish state's ``build_dates`` (feed key -> ``content``, ``date``).
        now: the publish's moment (aware).

    Returns:
        The records to keep in the publish state for these feeds.
    """
    records: dict[str, dict[str, str]] = {}
    for key, xml in feeds.items():
        match = _LAST_BUILD.search(xml)
        if match is None:  # an empty feed has no build date
            continue
        content = _content_hash(xml)
        previous = recorded.get(key)
        if not isinstance(previous, Mapping) or not isinstance(previous.get("date"), str):
            date = match.group(1).decode("ascii")
        elif previous.get("content") == content:
            date = previous["date"]
        else:
            date = format_datetime(now.astimezone(UTC).replace(microsecond=0))
        if date.encode("ascii") != match.group(1):
            feeds[key] = xml[: match.start(1)] + date.encode("ascii") + xml[match.end(1) :]
        records[key] = {"content": content, "date": date}
    return records
