"""Read the Podcast Index tags of a foreign feed into the values kotocast renders them from.

The import half of :mod:`feeds.podcast_tags`: persons, soundbites, alternate enclosures,
funding, podroll, txt, license, location and updateFrequency come back as the same
dataclasses ``render_feed`` takes, so an imported feed republishes what it said. Values are
trimmed, never reinterpreted: a person role outside the taxonomy is written back in its own
group when the role is known (:func:`episodes.persons.person_role`) and kept as given
otherwise, for ``validate`` to report.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from episodes.errors import FieldInvalid
from episodes.model import Person, Soundbite
from episodes.persons import person_role
from feeds.podcast_tags import Funding, License, Location, RemoteItem, Txt
from feeds.rss import AlternateEnclosure

Find = Callable[[Element | None, str], list[Element]]


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def _number(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def persons(element: Element | None, find: Find) -> tuple[Person, ...]:
    """Return the ``podcast:person`` entries directly under ``element``."""
    found = []
    for node in find(element, "person"):
        name = _clean("".join(node.itertext()))
        if not name:
            continue
        role, group = node.get("role") or "host", node.get("group")
        try:
            checked = person_role(role, group)
            role, group = checked.role, checked.group
        except FieldInvalid:
            try:
                checked = person_role(role)
                role, group = checked.role, checked.group
            except FieldInvalid:
                role, group = role.strip().lower(), (group or "cast").strip().lower()
        found.append(
            Person(
                name=name,
                role=role,
                group=group or "cast",
                href=_clean(node.get("href")),
                img=_clean(node.get("img")),
            )
        )
    return tuple(found)


def soundbites(element: Element | None, find: Find) -> tuple[Soundbite, ...]:
    """Return the item's ``podcast:soundbite`` entries with usable times."""
    found = []
    for node in find(element, "soundbite"):
        start, duration = _number(node.get("startTime")), _number(node.get("duration"))
        if start is None or not duration:
            continue
        found.append(Soundbite(start_s=start, duration_s=duration, title=_clean(node.text)))
    return tuple(found)


def alternates(element: Element | None, find: Find) -> tuple[AlternateEnclosure, ...]:
    """Return the item's ``podcast:alternateEnclosure`` entries apps would use.

    One without type, length or an http(s) source is left out, as podcast-partytime does.
    """
    found = []
    for node in find(element, "alternateEnclosure"):
        sources = tuple(
            uri
            for source in find(node, "source")
            if (uri := (source.get("uri") or "").strip()).startswith(("http://", "https://"))
        )
        kind, length = (node.get("type") or "").strip(), _int(node.get("length"))
        if not (kind and length and sources):
            continue
        bitrate = _number(node.get("bitrate"))
        found.append(
            AlternateEnclosure(
                type=kind,
                length_bytes=length,
                sources=sources,
                lang=_clean(node.get("lang")),
                title=_clean(node.get("title")),
                bitrate_bps=None if bitrate is None else round(bitrate),
                height_px=_int(node.get("height")),
                rel=_clean(node.get("rel")),
                codecs=_clean(node.get("codecs")),
                default=(node.get("default") or "").strip().lower() == "true",
            )
        )
    return tuple(found)


def funding(element: Element | None, find: Find) -> tuple[Funding, ...]:
    """Return the channel's ``podcast:funding`` entries."""
    return tuple(
        Funding(url=url, text=_clean(node.text) or "")
        for node in find(element, "funding")
        if (url := (node.get("url") or "").strip())
    )


def podroll(element: Element | None, find: Find) -> tuple[RemoteItem, ...]:
    """Return the ``podcast:remoteItem``s of the channel's ``podcast:podroll``."""
    found = []
    for roll in find(element, "podroll"):
        for node in find(roll, "remoteItem"):
            guid = (node.get("feedGuid") or "").strip().lower()
            if guid:
                found.append(
                    RemoteItem(
                        feed_guid=guid,
                        feed_url=_clean(node.get("feedUrl")),
                        medium=_clean(node.get("medium")),
                    )
                )
    return tuple(found)


def txt(element: Element | None, find: Find) -> tuple[Txt, ...]:
    """Return the channel's ``podcast:txt`` entries (text kept as written, trimmed)."""
    return tuple(
        Txt(text=text, purpose=_clean(node.get("purpose")))
        for node in find(element, "txt")
        if (text := (node.text or "").strip())
    )


def license_(element: Element | None, find: Find) -> License | None:
    """Return the first ``podcast:license``."""
    for node in find(element, "license"):
        if identifier := _clean(node.text):
            return License(identifier=identifier, url=_clean(node.get("url")))
    return None


def location(element: Element | None, find: Find) -> Location | None:
    """Return the first ``podcast:location``."""
    for node in find(element, "location"):
        if name := _clean(node.text):
            return Location(
                name=name,
                geo=_clean(node.get("geo")),
                osm=_clean(node.get("osm")),
                rel=_clean(node.get("rel")),
            )
    return None


def update_frequency(element: Element | None, find: Find) -> str | None:
    """Return the ``podcast:updateFrequency`` rrule (or its text when it has none)."""
    for node in find(element, "updateFrequency"):
        return _clean(node.get("rrule")) or _clean(node.text)
    return None
