"""Refuse a new feed that would break what subscribers already have.

Apps key downloaded episodes on the item ``guid`` and directories key the show on
``podcast:guid``: a changed guid re-downloads an episode (or loses it), a reused enclosure URL
makes apps play the wrong file, a vanished item disappears from listeners' libraries. The
guard compares the last published feed with the new one before anything is uploaded.
"""

from __future__ import annotations

from collections.abc import Collection
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from feeds.errors import FeedUnreadable

_PODCAST_GUID = "{https://podcastindex.org/namespace/1.0}guid"


def check_continuity(
    previous: bytes, new: bytes, *, withdrawn_guids: Collection[str] = ()
) -> list[str]:
    """Compare the last published feed with the new one; one message per broken promise.

    Args:
        previous: the feed subscribers have now.
        new: the feed about to be published.
        withdrawn_guids: item guids removed on purpose (``kotocast unpublish``).

    Returns:
        Messages for: an item guid that vanished (not withdrawn); a guid changed on the
        same enclosure (one message, not two); an enclosure URL published before under
        another guid (reuse); a changed ``podcast:guid``. Empty when the new feed may go
        out: editing titles or descriptions and adding episodes is fine. The caller raises
        ``GuardRefused``.

    Raises:
        FeedUnreadable: either feed is not well-formed XML.
    """
    old_items, old_guid = _read(previous, "previous feed")
    new_items, new_guid = _read(new, "new feed")
    messages: list[str] = []
    if old_guid is not None and new_guid != old_guid:
        messages.append(
            f"podcast:guid changed from {old_guid} to {new_guid}: directories would see a new show"
        )
    withdrawn = set(withdrawn_guids)
    new_urls = {url: guid for guid, url in new_items.items() if url}
    old_urls = {url: guid for guid, url in old_items.items() if url}
    changed: set[str] = set()
    for guid, url in old_items.items():
        if guid in new_items or guid in withdrawn:
            continue
        if url in new_urls:
            changed.add(url)
            messages.append(
                f"episode guid changed from {guid!r} to {new_urls[url]!r} (same enclosure "
                f"{url}): apps would download it again"
            )
        else:
            messages.append(
                f"episode guid {guid!r} vanished from the feed; withdraw an episode on purpose "
                "with 'kotocast unpublish'"
            )
    for guid, url in new_items.items():
        owner = old_urls.get(url) if url else None
        if owner is not None and owner != guid and url not in changed:
            messages.append(
                f"enclosure URL {url} of episode {owner!r} is reused by guid {guid!r}: apps "
                "that cached it would play the wrong file"
            )
    return messages


def _read(xml: bytes, name: str) -> tuple[dict[str, str], str | None]:
    """Return {item guid: enclosure url} and the podcast:guid of a feed."""
    try:
        root: Element = SafeET.fromstring(xml)
    except (ParseError, DefusedXmlException) as e:
        raise FeedUnreadable(f"{name}: not well-formed XML: {e}") from e
    channel = root.find("channel")
    if channel is None:
        raise FeedUnreadable(f"{name}: no <channel>")
    items: dict[str, str] = {}
    for item in channel.iterfind("item"):
        guid = (item.findtext("guid") or "").strip()
        enclosure = item.find("enclosure")
        items[guid] = enclosure.get("url", "") if enclosure is not None else ""
    podcast_guid = channel.findtext(_PODCAST_GUID)
    return items, podcast_guid.strip() if podcast_guid is not None else None
