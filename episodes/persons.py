"""The Podcast Index person taxonomy as data: every ``podcast:person`` role and its group.

Source: ``taxonomy.json`` in Podcastindex-org/podcast-namespace (commit 0c0669f6, 2024),
referenced by ``docs/tags/person.md``: "role" and "group" should come from that list and are
case-insensitive. The table below is that file's (group, role) pairs with the file's stray
trailing spaces removed; :data:`ROLE_ALIASES` adds the spellings producers type for the two
taxonomy entries that are spelled oddly ("Translater") or live in a group producers do not
expect. Feeds write roles and groups lowercased, as the namespace's own examples do.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import FieldInvalid

TAXONOMY_SOURCE = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/taxonomy.json"

#: (group, role) in the taxonomy's order and spelling.
TAXONOMY: tuple[tuple[str, str], ...] = (
    ("Creative Direction", "Director"),
    ("Creative Direction", "Assistant Director"),
    ("Creative Direction", "Executive Producer"),
    ("Creative Direction", "Senior Producer"),
    ("Creative Direction", "Producer"),
    ("Creative Direction", "Associate Producer"),
    ("Creative Direction", "Development Producer"),
    ("Creative Direction", "Creative Director"),
    ("Cast", "Host"),
    ("Cast", "Co-Host"),
    ("Cast", "Guest Host"),
    ("Cast", "Guest"),
    ("Cast", "Voice Actor"),
    ("Cast", "Narrator"),
    ("Cast", "Announcer"),
    ("Cast", "Reporter"),
    ("Writing", "Author"),
    ("Writing", "Editorial Director"),
    ("Writing", "Co-Writer"),
    ("Writing", "Writer"),
    ("Writing", "Songwriter"),
    ("Writing", "Guest Writer"),
    ("Writing", "Story Editor"),
    ("Writing", "Managing Editor"),
    ("Writing", "Script Editor"),
    ("Writing", "Script Coordinator"),
    ("Writing", "Researcher"),
    ("Writing", "Editor"),
    ("Writing", "Fact Checker"),
    ("Writing", "Translater"),
    ("Writing", "Transcriber"),
    ("Writing", "Logger"),
    ("Audio Production", "Studio Coordinator"),
    ("Audio Production", "Technical Director"),
    ("Audio Production", "Technical Manager"),
    ("Audio Production", "Audio Engineer"),
    ("Audio Production", "Remote Recording Engineer"),
    ("Audio Production", "Post Production Engineer"),
    ("Audio Post-Production", "Audio Editor"),
    ("Audio Post-Production", "Sound Designer"),
    ("Audio Post-Production", "Foley Artist"),
    ("Audio Post-Production", "Composer"),
    ("Audio Post-Production", "Theme Music"),
    ("Audio Post-Production", "Music Production"),
    ("Audio Post-Production", "Music Contributor"),
    ("Administration", "Production Coordinator"),
    ("Administration", "Booking Coordinator"),
    ("Administration", "Production Assistant"),
    ("Administration", "Content Manager"),
    ("Administration", "Marketing Manager"),
    ("Administration", "Sales Representative"),
    ("Administration", "Sales Manager"),
    ("Visuals", "Graphic Designer"),
    ("Visuals", "Cover Art Designer"),
    ("Community", "Social Media Manager"),
    ("Misc.", "Consultant"),
    ("Misc.", "Intern"),
    ("Video Production", "Camera Operator"),
    ("Video Production", "Lighting Designer"),
    ("Video Production", "Camera Grip"),
    ("Video Production", "Assistant Camera"),
    ("Video Post-Production", "Editor"),
    ("Video Post-Production", "Assistant Editor"),
)

#: Spellings producers type -> the taxonomy's role (lowercase both sides).
ROLE_ALIASES: dict[str, str] = {
    "translator": "translater",
    "cohost": "co-host",
    "co host": "co-host",
    "cowriter": "co-writer",
    "co writer": "co-writer",
}

#: Lowercased group -> its lowercased roles.
GROUPS: dict[str, frozenset[str]] = {}
for _group, _role in TAXONOMY:
    GROUPS[_group.lower()] = GROUPS.get(_group.lower(), frozenset()) | {_role.lower()}
#: Lowercased role -> the group a role without a group belongs to (the first listed:
#: "editor" is in Writing and in Video Post-Production; Writing comes first).
ROLE_GROUPS: dict[str, str] = {}
for _group, _role in TAXONOMY:
    ROLE_GROUPS.setdefault(_role.lower(), _group.lower())
del _group, _role


@dataclass(frozen=True, slots=True)
class PersonRole:
    """A checked role and group, lowercased as feeds write them."""

    role: str
    group: str


def _key(value: str) -> str:
    return " ".join(value.split()).lower()


def _nearest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def person_role(role: str, group: str | None = None, *, field: str = "person") -> PersonRole:
    """Return the canonical role and group of a ``podcast:person``, from the taxonomy.

    Any case and spacing is accepted (``"Executive  Producer"``). Without ``group`` the
    role's own group is used (producer -> creative direction).

    Args:
        role: a taxonomy role or one of :data:`ROLE_ALIASES`.
        group: a taxonomy group holding that role, or None.
        field: what the producer typed it as, for the error message.

    Returns:
        The lowercased taxonomy spelling of both.

    Raises:
        FieldInvalid: unknown role or group, or a role outside the given group; the message
            names the nearest valid value.
    """
    wanted = _key(role)
    wanted = ROLE_ALIASES.get(wanted, wanted)
    if wanted not in ROLE_GROUPS:
        hint = _nearest(wanted, sorted(ROLE_GROUPS) + sorted(ROLE_ALIASES))
        raise FieldInvalid(
            field, f"role {role!r} is not in the Podcast Index person taxonomy{hint}"
        )
    if group is None or not group.strip():
        return PersonRole(wanted, ROLE_GROUPS[wanted])
    in_group = _key(group)
    if in_group not in GROUPS:
        hint = _nearest(in_group, sorted(GROUPS))
        raise FieldInvalid(
            field,
            f"group {group!r} is not a Podcast Index person group{hint or ''}"
            f" (role {wanted!r} belongs to {ROLE_GROUPS[wanted]!r})",
        )
    if wanted not in GROUPS[in_group]:
        raise FieldInvalid(
            field,
            f"role {wanted!r} is not in group {in_group!r}; it belongs to {ROLE_GROUPS[wanted]!r}",
        )
    return PersonRole(wanted, in_group)
