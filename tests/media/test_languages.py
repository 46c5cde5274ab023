"""The one ISO 639 table: codes both ways and names."""

from __future__ import annotations

import pytest

from media.languages import (
    LANGUAGES,
    iso639_1,
    iso639_2b,
    iso639_2t,
    language,
    language_name,
)


def test_every_iso_639_1_code_is_there_once() -> None:
    assert len(LANGUAGES) == 184
    assert all(len(code) == 2 and code.islower() for code in LANGUAGES)
    assert all(len(lang.alpha3) == len(lang.alpha3_b) == 3 for lang in LANGUAGES.values())


@pytest.mark.parametrize(
    ("tag", "b", "t"),
    [
        ("fi", "fin", "fin"),
        ("sv-FI", "swe", "swe"),
        ("de", "ger", "deu"),
        ("fa-AF", "per", "fas"),
        ("fr", "fre", "fra"),
        ("zh-Hant", "chi", "zho"),
        ("sq", "alb", "sqi"),
        ("ckb", "ckb", "ckb"),  # Central Kurdish: ISO 639-3 only, passes through
        ("xx", None, None),
        ("", None, None),
    ],
)
def test_three_letter_codes(tag: str, b: str | None, t: str | None) -> None:
    assert iso639_2b(tag) == b
    assert iso639_2t(tag) == t


@pytest.mark.parametrize(
    ("code", "two"), [("fin", "fi"), ("ger", "de"), ("deu", "de"), ("per", "fa"), ("ckb", None)]
)
def test_back_to_two_letters(code: str, two: str | None) -> None:
    assert iso639_1(code) == two


def test_names() -> None:
    assert language_name("sv") == "Swedish"
    assert language_name("fa-AF") == "Persian"
    assert language_name("cu") == "Church Slavic"  # the first of the registry's names
    assert language_name("ckb") == "ckb"
    assert language("FI") is LANGUAGES["fi"]
