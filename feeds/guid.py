"""The Podcast Index ``podcast:guid`` of a feed.

Spec: Podcast Index namespace, ``docs/tags/guid.md``: a UUIDv5 in the namespace
``ead4c236-bf58-58c6-a2c6-a6b28d128cb6`` over the feed URL with the protocol scheme
(``https://``) and trailing slashes removed. It is assigned once and kept forever, also when
the feed moves, so callers store it (``Show.podcast_guid``) instead of recomputing it.
"""

from __future__ import annotations

import re
import uuid

PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def podcast_guid(feed_url: str) -> str:
    """Derive the ``podcast:guid`` for a feed URL, exactly as the namespace spec says.

    Args:
        feed_url: the feed's URL (``https://podnews.net/rss``); the scheme and any trailing
            slashes are removed before hashing. Several hosts get this wrong by hashing the
            ``https://`` as well.

    Returns:
        The UUID in lowercase canonical form.
    """
    name = _SCHEME.sub("", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, name))


def is_well_formed_guid(value: str) -> bool:
    """Return whether ``value`` is a lowercase canonical UUID as ``podcast:guid`` needs."""
    return bool(_UUID.match(value))
