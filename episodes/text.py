"""Normalise the metadata producers type: text, slugs, language tags and publish times.

Everything a producer writes passes through here before it is stored, so the catalog holds
NFC text (macOS hands out decomposed ä/ö), canonical BCP 47 tags and timezone-aware times.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from unidecode import unidecode

from .errors import FieldInvalid

# Apple Podcasts limits: show and episode descriptions are cut at 4000 bytes; titles beyond a
# few hundred characters are truncated in every app, so kotocast refuses them outright.
TITLE_MAX_CHARS = 255
DESCRIPTION_MAX_BYTES = 4000
SLUG_MAX_CHARS = 80
# Publish times outside these years are refused (also so every UTC conversion and RFC 2822
# date stays representable); before 2000 or over a year ahead they are accepted with a warning.
PUBLISH_MIN_YEAR = 1900
PUBLISH_MAX_YEAR = 2999
PUBLISH_WARN_BEFORE_YEAR = 2000

_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
# Characters XML 1.0 cannot carry, plus other C0/C1 controls that never belong in a title.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): an override makes
# a title read differently from what it says ("Trojan Source", CVE-2021-42574). Refused, not
# stripped: kotocast never silently rewrites a producer's words. Arabic, Persian and Hebrew
# need none of them (the Unicode bidi algorithm orders them); the marks U+200E/U+200F and
# the joiners U+200C/U+200D (Persian) stay allowed.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BCP47_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def clean_text(
    value: object,
    field: str,
    *,
    required: bool = True,
    multiline: bool = False,
    max_chars: int | None = None,
    max_bytes: int | None = None,
) -> str:
    """Return ``value`` as NFC text with surrounding whitespace trimmed.

    Args:
        value: what the producer gave; must be a string.
        field: the name to report (``--title``, ``title`` in a file...).
        required: refuse an empty or blank value.
        multiline: keep line breaks (descriptions); otherwise runs of whitespace fold to one space.
        max_chars: refuse longer text (characters).
        max_bytes: refuse longer text (UTF-8 bytes, as Apple counts).

    Raises:
        FieldInvalid: wrong type, blank when required, control characters, or too long.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldInvalid(field, f"must be text, not {type(value).__name__}")
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL_RE.search(text)
    if bad:
        raise FieldInvalid(field, f"contains a control character U+{ord(bad.group()):04X}")
    bidi = BIDI_CONTROLS.search(text)
    if bidi:
        code = ord(bidi.group())
        raise FieldInvalid(
            field,
            f"contains the bidi control U+{code:04X} ({unicodedata.name(bidi.group())}) at "
            f"character {bidi.start() + 1}: it can make the text read differently in apps; "
            "remove it (right-to-left text needs no such control)",
        )
    if multiline:
        lines = [line.rstrip() for line in text.split("\n")]
        text = "\n".join(lines).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
    else:
        text = " ".join(text.split())
    if required and not text:
        raise FieldInvalid(field, "must not be empty")
    if max_chars is not None and len(text) > max_chars:
        raise FieldInvalid(field, f"is {len(text)} characters; the limit is {max_chars}")
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        raise FieldInvalid(
            field,
            f"is {len(text.encode('utf-8'))} bytes; Apple Podcasts allows {max_bytes}",
        )
    return text


def clean_title(value: object, field: str = "--title") -> str:
    """Return a normalised title, refusing blank or over-long ones."""
    return clean_text(value, field, max_chars=TITLE_MAX_CHARS)


def clean_description(value: object, field: str = "--description") -> str:
    """Return a normalised, possibly empty, multi-line description within Apple's limit."""
    return clean_text(value, field, required=False, multiline=True, max_bytes=DESCRIPTION_MAX_BYTES)


def slugify(text: str) -> str:
    """Return an ASCII slug for ``text``, transliterating Finnish, Arabic, Cyrillic and others.

    ``"Äänestäminen ja työ"`` -> ``"aanestaminen-ja-tyo"``; ``"Привет"`` -> ``"privet"``.
    Returns an empty string when nothing transliterable is left.
    """
    ascii_text = unidecode(unicodedata.normalize("NFC", text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > SLUG_MAX_CHARS:
        slug = slug[:SLUG_MAX_CHARS].rstrip("-")
    return slug


def check_slug(value: object, field: str = "--slug") -> str:
    """Return ``value`` if it is a safe slug (lowercase ASCII letters, digits, inner hyphens).

    Slugs become file names and object keys, so anything that could leave a folder
    (``..``, ``/``, ``\\``) or break a URL is refused rather than repaired.

    Raises:
        FieldInvalid: the slug is not of that shape.
    """
    if not isinstance(value, str) or not _SLUG_RE.match(value):
        shown = value if isinstance(value, str) else type(value).__name__
        raise FieldInvalid(
            field,
            f"{shown!r} is not a slug: use 1-{SLUG_MAX_CHARS} lowercase ASCII letters, "
            "digits and inner hyphens (e.g. 'jakso-1')",
        )
    return value


def canonical_language(value: object, field: str = "--language") -> str:
    """Return ``value`` as a canonical BCP 47 tag (``FI`` -> ``fi``, ``sv-fi`` -> ``sv-FI``).

    Raises:
        FieldInvalid: not shaped like a BCP 47 tag.
    """
    if not isinstance(value, str) or not _BCP47_RE.match(value.strip().replace("_", "-")):
        raise FieldInvalid(field, f"{value!r} is not a language tag (e.g. fi, sv, en, ar, fa-AF)")
    parts = value.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())  # script: Latn, Cyrl, Arab
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())  # region: FI, AF, 419
        else:
            out.append(part.lower())
    return "-".join(out)


def parse_publish_at(value: object, field: str = "--publish-at") -> datetime:
    """Parse an ISO 8601 date-time that carries a UTC offset, keeping that offset.

    ``2026-12-01T09:00:00+02:00`` and ``2026-12-01T07:00:00Z`` are accepted; a time without
    an offset is refused because a scheduled job on a UTC server would release it hours early
    or late.

    Raises:
        FieldInvalid: unparsable, no UTC offset, or outside the years 1900-2999 (in UTC).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise FieldInvalid(
                field,
                f"{value!r} is not an ISO 8601 date-time (e.g. 2026-12-01T09:00:00+02:00)",
            ) from None
    else:
        raise FieldInvalid(field, f"must be an ISO 8601 date-time, not {type(value).__name__}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise FieldInvalid(
            field, f"{value!s} has no UTC offset; add one, e.g. {parsed.isoformat()}+02:00"
        )
    try:
        # 9999-12-31T23:59:59-12:00 is year 10000 in UTC, which Python cannot represent.
        in_utc = parsed.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not PUBLISH_MIN_YEAR <= in_utc.year <= PUBLISH_MAX_YEAR:
        raise FieldInvalid(
            field,
            f"{value!s} is not a plausible publish date (years {PUBLISH_MIN_YEAR}-"
            f"{PUBLISH_MAX_YEAR} are accepted)",
        )
    return parsed.replace(microsecond=0)


def publish_at_warning(when: datetime, now: datetime) -> str | None:
    """Return a one-line warning for a publish time that is probably a typo, else None.

    Dates before 2000 (before podcasts existed) and more than a year ahead are accepted,
    because a producer may mean them, but they are usually a mistyped year.
    """
    if when.year < PUBLISH_WARN_BEFORE_YEAR:
        return f"{when.isoformat()} is before {PUBLISH_WARN_BEFORE_YEAR}: is the year right?"
    if when - now > timedelta(days=366):
        return f"{when.isoformat()} is more than a year away: is the year right?"
    return None


def positive_int(value: object, field: str) -> int:
    """Return ``value`` if it is a positive whole number (Apple: season and episode >= 1).

    Raises:
        FieldInvalid: not an int, or below 1.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid(field, f"must be a whole number, not {value!r}")
    if value < 1:
        raise FieldInvalid(field, f"must be 1 or more, not {value}")
    return value


# Podcast Index person taxonomy (podcast-namespace/taxonomy.json), the roles apps recognise.
PERSON_ROLES = frozenset(
    {
        "host",
        "co-host",
        "guest",
        "guest host",
        "producer",
        "executive producer",
        "editor",
        "story editor",
        "assistant editor",
        "director",
        "writer",
        "composer",
        "musician",
        "narrator",
        "voice actor",
        "announcer",
        "translator",
        "transcriber",
        "researcher",
        "sound designer",
        "audio engineer",
        "recording engineer",
        "mixing engineer",
        "mastering engineer",
        "social media manager",
        "cover art designer",
        "reporter",
        "correspondent",
        "consultant",
        "technical manager",
        "marketing manager",
    }
)


def parse_person(value: str, field: str = "--person") -> tuple[str, str]:
    """Parse ``"Name:role"`` (role defaults to guest) into a checked ``(name, role)`` pair.

    Raises:
        FieldInvalid: blank name, or a role outside the Podcast Index person taxonomy.
    """
    name, _, role = value.rpartition(":") if ":" in value else (value, "", "guest")
    name = clean_text(name, field, max_chars=128)
    role = " ".join(role.split()).lower() or "guest"
    if role not in PERSON_ROLES:
        raise FieldInvalid(
            field, f"{role!r} is not a Podcast Index person role (e.g. guest, host, producer)"
        )
    return name, role


def parse_soundbite(value: str, field: str = "--soundbite") -> tuple[float, float]:
    """Parse ``START+SECONDS`` (START as seconds or ``[HH:]MM:SS``) into start and duration.

    Raises:
        FieldInvalid: unparsable, negative, or over 120 s (the namespace advises 15-120 s).
    """
    start_text, sep, length_text = value.partition("+")
    try:
        if not sep:
            raise ValueError
        start = parse_clock(start_text.strip())
        length = float(length_text)
    except ValueError:
        raise FieldInvalid(field, f"{value!r} is not START+SECONDS (e.g. 1:30+20)") from None
    if start < 0 or not 1 <= length <= 120:
        raise FieldInvalid(field, f"{value!r}: the clip must start at 0 or later and last 1-120 s")
    return start, length


def parse_clock(text: str) -> float:
    """Parse ``SS``, ``MM:SS`` or ``HH:MM:SS[.fff]`` into seconds (ValueError if not)."""
    parts = text.split(":")
    if not 1 <= len(parts) <= 3 or any(not p.replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


# An address Apple and the Podcast Index accept as the owner's: one @, a dotted domain, no
# spaces, commas or angle brackets (a "Name <a@b>" form is not an address).
_EMAIL = re.compile(
    r"^[^@\s,<>()\[\];:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def check_email(value: str, field: str) -> str:
    """Return ``value`` if it is a plain e-mail address (the feed's itunes:email).

    Raises:
        FieldInvalid: not of the form name@example.org.
    """
    if not _EMAIL.match(value.strip()):
        raise FieldInvalid(field, f"{value!r} is not an e-mail address (e.g. podcast@example.org)")
    return value.strip()


def check_timezone(value: str, field: str) -> str:
    """Return ``value`` if it names an IANA time zone (``Europe/Helsinki``).

    Raises:
        FieldInvalid: an unknown zone name.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldInvalid(field, f"{value!r} is not a time zone (e.g. Europe/Helsinki)") from None
    return value
