"""Publish dates Python cannot represent, or that are probably typos, in one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from episodes.errors import FieldInvalid
from episodes.text import parse_publish_at, publish_at_warning

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-12:00",  # year 10000 in UTC: OverflowError before
        "9999-12-31T23:59:59+00:00",
        "3000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "1899-12-31T23:59:59Z",
    ],
)
def test_unrepresentable_and_absurd_years_are_refused(text: str) -> None:
    with pytest.raises(FieldInvalid) as caught:
        parse_publish_at(text, "--publish-at")
    message = str(caught.value)
    assert "--publish-at" in message and "not a plausible publish date" in message
    assert "\n" not in message


def test_datetime_values_are_checked_too() -> None:
    with pytest.raises(FieldInvalid):
        parse_publish_at(datetime.max.replace(tzinfo=timezone(timedelta(hours=-12))), "publish_at")


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("1999-12-31T23:00:00+02:00", "before 2000"),
        ("2199-06-01T09:00:00+03:00", "more than a year away"),
        ("2027-12-31T09:00:00+02:00", "more than a year away"),
        ("2027-06-01T09:00:00+03:00", None),
        ("2001-01-01T00:00:00Z", None),
    ],
)
def test_probable_typos_are_accepted_with_a_warning(text: str, warning: str | None) -> None:
    when = parse_publish_at(text, "--publish-at")
    said = publish_at_warning(when, NOW)
    if warning is None:
        assert said is None
    else:
        assert said is not None and warning in said and "\n" not in said
