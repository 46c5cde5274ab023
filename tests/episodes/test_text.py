"""Metadata normalisation: what producers type becomes clean, comparable values."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from episodes.errors import FieldInvalid
from episodes.text import (
    canonical_language,
    check_slug,
    clean_description,
    clean_title,
    parse_person,
    parse_publish_at,
    parse_soundbite,
    positive_int,
    slugify,
)


def test_title_is_nfc_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", "  Äänestäminen   ja  työ \n")
    title = clean_title(decomposed)
    assert title == "Äänestäminen ja työ"
    assert unicodedata.is_normalized("NFC", title)


@pytest.mark.parametrize("value", ["", "   ", "\n\t", None])
def test_blank_title_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(FieldInvalid, match="^--title: must not be empty"):
        clean_title(value)


def test_non_text_title_is_refused() -> None:
    with pytest.raises(FieldInvalid, match="must be text, not int"):
        clean_title(42)


def test_control_characters_are_refused() -> None:
    with pytest.raises(FieldInvalid, match="U\\+0007"):
        clean_title("bell\x07")


def test_apple_limits() -> None:
    with pytest.raises(FieldInvalid, match="255"):
        clean_title("a" * 256)
    # 4000 bytes, counted in UTF-8 as Apple does: 2001 'ä' are 4002 bytes.
    with pytest.raises(FieldInvalid, match="4002 bytes"):
        clean_description("ä" * 2001)
    assert clean_description("ä" * 2000) == "ä" * 2000


def test_description_keeps_paragraphs() -> None:
    assert clean_description("eka\r\n\r\n\r\n\r\ntoka  \n") == "eka\n\ntoka"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Äänestäminen ja työ", "aanestaminen-ja-tyo"),
        ("Привет, Україна!", "privet-ukrayina"),
        ("Åland & Öljy", "aland-oljy"),
        ("مرحبا بكم", "mrhb-bkm"),
        ("!!!", ""),
    ],
)
def test_slugify_transliterates_to_ascii(title: str, slug: str) -> None:
    assert slugify(title) == slug
    if slug:
        assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["../escape", "a/b", "a\\b", "/etc", "A", "-x", "x-", "jakso.mp3", "", "ä", "a" * 81]
)
def test_unsafe_slugs_are_refused(slug: str) -> None:
    with pytest.raises(FieldInvalid, match="^--slug: .* is not a slug"):
        check_slug(slug)


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("FI", "fi"), ("sv-fi", "sv-FI"), ("fa_af", "fa-AF"), ("zh-hant-tw", "zh-Hant-TW")],
)
def test_language_tags_are_canonical(tag: str, canonical: str) -> None:
    assert canonical_language(tag) == canonical


@pytest.mark.parametrize("tag", ["finnish!", "", "f", "12", "fi--x"])
def test_bad_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(FieldInvalid, match="^--language: "):
        canonical_language(tag)


def test_publish_time_keeps_offset_and_compares_in_utc() -> None:
    helsinki = parse_publish_at("2026-12-01T09:00:00+02:00")
    assert helsinki.utcoffset() == timedelta(hours=2)
    assert helsinki == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert parse_publish_at("2026-12-01T07:00:00Z") == helsinki


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-12-01T09:00:00", "no UTC offset"),
        ("2026-12-01", "no UTC offset"),
        ("ensi tiistaina", "not an ISO 8601"),
        ("2026-13-01T09:00:00+02:00", "not an ISO 8601"),
    ],
)
def test_bad_publish_times_are_refused(value: str, why: str) -> None:
    with pytest.raises(FieldInvalid, match=f"^--publish-at: .*{why}"):
        parse_publish_at(value)


@pytest.mark.parametrize(("value", "ok"), [(1, True), (0, False), (-3, False), (True, False)])
def test_positive_int(value: object, ok: bool) -> None:
    if ok:
        assert positive_int(value, "--number") == value
    else:
        with pytest.raises(FieldInvalid, match="^--number: "):
            positive_int(value, "--number")


def test_person_and_soundbite_parsing() -> None:
    assert parse_person("Aino Virtanen:guest") == ("Aino Virtanen", "guest")
    assert parse_person("Mika") == ("Mika", "guest")
    assert parse_person("Leila: Co-Host") == ("Leila", "co-host")
    with pytest.raises(FieldInvalid, match="not a Podcast Index person role"):
        parse_person("X:boss")
    assert parse_soundbite("1:30+20") == (90.0, 20.0)
    assert parse_soundbite("5+15.5") == (5.0, 15.5)
    for bad in ("1:30", "x+5", "10+0", "10+500"):
        with pytest.raises(FieldInvalid, match="^--soundbite: "):
            parse_soundbite(bad)
