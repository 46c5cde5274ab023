"""Every key of ``kotocast.toml``, declared once, and the check that refuses unknown keys.

:data:`CONFIG_SCHEMA` is the one table of sections, keys and defaults: :mod:`episodes.show`
takes its defaults from it, ``init`` writes them, and a key it does not list is refused with
the nearest listed key as a hint (``audio.target_lfus`` -> ``target_lufs``). A new setting is
one line here plus the code that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigInvalid

_MISSING = object()
REQUIRED = _MISSING

# Every key of kotocast.toml, declared once: section -> key -> default (REQUIRED: no default).
# The reader takes its defaults from here and refuses any key not listed (with the nearest
# listed key as a hint); ``init`` writes these defaults. Nested tables (show.titles,
# show.persons, pages.strings.<lang>) are checked by the reader of their key.
CONFIG_SCHEMA: dict[str, dict[str, Any]] = {
    "show": {
        "title": REQUIRED,
        "description": "",
        "author": REQUIRED,
        "email": REQUIRED,
        "language": REQUIRED,
        "languages": [],
        "category": "Society & Culture",
        "subcategory": None,
        "explicit": False,
        "type": "episodic",
        "medium": "podcast",
        "image": None,
        "link": None,
        "copyright": None,
        "base_url": "http://localhost:8000/",
        "locked": True,
        # feed.xml's podcast:guid, written at its first publish, never changed.
        "podcast_guid": None,
        # language -> podcast:guid of feeds/<lang>.xml, written at each feed's first publish.
        "feed_guids": {},
        "all_languages_feed": False,
        "titles": {},
        "descriptions": {},
        "persons": [],
        # IANA zone in which status shows times (release times keep their own offsets).
        "timezone": "Europe/Helsinki",
        # Podcasting 2.0 (episodes/podcasting.py reads and checks these).
        "funding": [],
        "podroll": [],
        "license": None,
        "license_url": None,
        "location": None,
        "season_names": {},
    },
    "storage": {"url": "public", "endpoint_url": None},
    "audio": {
        "target_lufs": -16.0,
        "mono_target_lufs": -19.0,
        "true_peak_dbtp": -1.0,
        "channels": "auto",
        "bitrate_kbps": 128,
        "mono_bitrate_kbps": 64,
        "sample_rate_hz": 44100,
        "intro": None,
        "outro": None,
        "crossfade_s": 1.0,
        "alternate_aac": False,
        # Speech chain (media/presets/speech.toml); a workspace without the key gets "none".
        "preset": "none",
        "speech": {},
    },
    "feed": {
        "block": False,
        "complete": False,
        "new_feed_url": None,
        "update_frequency": None,
        "txt": [],
        "apple_podcasts_verify": None,
        "podroll_own_feeds": False,
        "enclosure_prefix": None,
        # Write each pubDate in its publish time's own UTC offset (+0200) instead of +0000:
        # set by kotocast import, so a moved feed's dates read exactly as before.
        "pubdate_offsets": False,
    },
    "notify": {"websub_hubs": [], "ping_urls": None, "podping_url": None, "timeout_s": 10.0},
    "pages": {"strings": {}},
    # episodes/transcription.py reads and checks these.
    "transcribe": {"auto": False, "model": "base", "device": "auto", "publish_drafts": True},
}


def check_known_keys(data: Mapping[str, Any], path: Path) -> None:
    """Refuse a section or key that :data:`CONFIG_SCHEMA` does not declare (hint: nearest)."""
    from .schema import unknown_key_message

    for section, table in data.items():
        if section not in CONFIG_SCHEMA:
            raise ConfigInvalid(
                f"{path}: [{section}]: {unknown_key_message(section, CONFIG_SCHEMA)}"
            )
        if not isinstance(table, Mapping):
            raise ConfigInvalid(f"{path}: {section}: must be a table")
        known = CONFIG_SCHEMA[section]
        for key in table:
            if key not in known:
                raise ConfigInvalid(f"{path}: {section}.{key}: {unknown_key_message(key, known)}")
