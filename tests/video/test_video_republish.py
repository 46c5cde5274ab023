"""A no-change republish of a video series: one manifest read, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pipeline.publish
from pipeline.publish import publish
from tests.pipeline.test_publish_release import count_calls

from .conftest import NOW, Series

pytestmark = pytest.mark.slow


def test_no_change_video_series_republish_is_one_read(
    series: Series, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = tmp_path / "sarja"
    shutil.copytree(series.workspace, workspace)
    calls = count_calls(monkeypatch, pipeline.publish)
    result = publish(workspace, now=NOW)
    assert result.changed is False
    assert calls == ["fetch _kotocast/manifest.json"]
    state = workspace / ".kotocast" / "published.json"
    mtime = state.stat().st_mtime_ns
    publish(workspace, now=NOW)
    assert state.stat().st_mtime_ns == mtime  # nothing rewritten on a no-change run
