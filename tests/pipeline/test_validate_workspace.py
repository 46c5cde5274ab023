"""``kotocast validate`` without a feed judges what ``publish`` would upload."""

from __future__ import annotations

from pathlib import Path

from .conftest import Run


def test_validate_flags_an_empty_feed_and_writes_nothing(
    show: Path, run: Run, unchanged: object
) -> None:
    unchanged(show)  # type: ignore[operator]
    result = run("validate", "--now", "2026-01-01T00:00:00+02:00")
    assert result.code == 1
    assert "feed.xml: no episode is released yet" in result.out
    assert ": valid" not in result.out
