"""``kotocast publish`` tells hubs and directories, against servers on 127.0.0.1: one WebSub
publish and one ping per changed feed, nothing on a no-change run, and a hub that fails or
never answers leaves the publish successful with a warning (and the failure in --json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notify.test_notify import Hub
from tests.pipeline.conftest import Run

pytestmark = pytest.mark.slow

FEED = "https://media.example.org/kotona/feed.xml"


def _configure(show: Path, hub: Hub, *, timeout_s: float = 5) -> None:
    config = show / "kotocast.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"""
[notify]
websub_hubs = ["{hub.url}/hub"]
ping_urls = ["{hub.url}/ping?url={{url}}"]
timeout_s = {timeout_s}
""",
        encoding="utf-8",
    )


def _add(run: Run, media_dir: Path, title: str, when: str) -> None:
    result = run("add", media_dir / "quiet.wav", "--title", title, "--publish-at", when)
    assert result.code == 0, result.err


def test_one_call_per_changed_feed_and_none_without_change(
    show: Path, run: Run, media_dir: Path
) -> None:
    hub = Hub()
    try:
        _configure(show, hub)
        _add(run, media_dir, "Yksi", "2026-11-01T09:00:00+02:00")
        first = run("publish", "--now", "2026-11-02T00:00:00Z", "--json")
        assert first.code == 0, first.err
        # The calls run in parallel: compare as a set of (method, path).
        assert sorted((r["method"], str(r["path"]).split("?")[0]) for r in hub.requests) == [
            ("GET", "/ping"),
            ("POST", "/hub"),
        ]
        post = next(r for r in hub.requests if r["method"] == "POST")
        assert post["form"] == {"hub.mode": ["publish"], "hub.url": [FEED]}
        ping = next(r for r in hub.requests if r["method"] == "GET")
        assert ping["query"] == {"url": [FEED]}
        report = json.loads(first.out)
        assert [(n["kind"], n["ok"]) for n in report["notifications"]] == [
            ("websub", True),
            ("ping", True),
        ]
        feed = (show / "public" / "feed.xml").read_text(encoding="utf-8")
        assert f'<atom:link rel="hub" href="{hub.url}/hub"/>' in feed

        again = run("publish", "--now", "2026-11-02T00:05:00Z", "--json")
        assert again.code == 0, again.err
        assert json.loads(again.out)["notifications"] == []
        assert len(hub.requests) == 2  # a no-change run calls nothing
    finally:
        hub.close()


@pytest.mark.parametrize("failure", ["500", "silent"])
def test_a_failing_hub_never_fails_the_publish(
    show: Path, run: Run, media_dir: Path, failure: str
) -> None:
    hub = Hub(status=500) if failure == "500" else Hub(delay_s=4.0)
    try:
        _configure(show, hub, timeout_s=1)
        _add(run, media_dir, "Yksi", "2026-11-01T09:00:00+02:00")
        result = run("publish", "--now", "2026-11-02T00:00:00Z", "--json")
        assert result.code == 0, result.err
        assert (show / "public" / "feed.xml").is_file()
        notes = json.loads(result.out)["notifications"]
        assert [(n["kind"], n["ok"]) for n in notes] == [("websub", False), ("ping", False)]
        want = "HTTP 500" if failure == "500" else "timed out"
        assert all(want in n["error"] for n in notes)
        assert "websub" in result.err and want in result.err  # the warning line
    finally:
        hub.server.shutdown()
        hub.server.server_close()
