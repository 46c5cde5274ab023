"""The shared release step: dry runs write nothing; no-change runs cost one read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import pipeline.publish
from pipeline.publish import publish

from .conftest import Run, snapshot

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class CountingStorage:
    """Delegate to a storage, recording every call (reads and writes alike)."""

    def __init__(self, inner: Any, calls: list[str]) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(f"{name} {args[0] if args else ''}")
            return attr(*args, **kwargs)

        return counted


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[str]:
    calls: list[str] = []
    real = module.open_storage
    monkeypatch.setattr(
        module, "open_storage", lambda *a, **kw: CountingStorage(real(*a, **kw), calls)
    )
    return calls


@pytest.mark.slow
def test_dry_run_changes_nothing(show: Path, run: Run, media_dir: Path) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )

    def state(folder: Path) -> dict[str, str]:
        # images/show-* is the content-addressed conversion cache of the show artwork and
        # .kotocast/parsed-episodes.json the parsed catalog, which a dry run may fill;
        # catalog, settings, media and storage must not change.
        caches = ("images/show-", ".kotocast/parsed-episodes.json")
        return {k: v for k, v in snapshot(folder).items() if not k.startswith(caches)}

    before = state(show)
    dry = run("publish", "--now", "2026-11-02T00:00:00Z", "--dry-run")
    assert dry.code == 0, dry.err
    assert "would upload" in dry.out
    assert state(show) == before
    assert not (show / "public").exists()
    assert not (show / ".kotocast" / "published.json").exists()


@pytest.mark.slow
def test_podcast_no_change_republish_is_one_read(
    show: Path, run: Run, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        run(
            "add",
            media_dir / "quiet.wav",
            "--title",
            "Yksi",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    calls = count_calls(monkeypatch, pipeline.publish)
    before = snapshot(show)
    assert publish(show, now=NOW.replace(year=2027)).changed is False
    assert calls == ["fetch _kotocast/manifest.json"]
    assert snapshot(show) == before
