"""``init --storage`` and ``import --storage`` refuse unsafe folders before writing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.conftest import Run, run  # noqa: F401 (fixture)


@pytest.mark.parametrize("storage", ["/", "..", "/etc/kotocast", "."])
def test_init_refuses_unsafe_storage_and_writes_nothing(
    tmp_path: Path,
    run: Run,  # noqa: F811
    storage: str,
) -> None:
    ws = tmp_path / "show"
    result = run(
        "init", ws, "--title", "T", "--author", "A", "--email", "a@example.org",
        "--language", "fi", "--storage", storage,
    )  # fmt: skip
    assert result.code == 1
    assert result.err.startswith("kotocast: error: --storage:") and result.err.count("\n") == 1
    assert not ws.exists()


def test_import_refuses_unsafe_storage_before_fetching(
    tmp_path: Path,
    run: Run,  # noqa: F811
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        "<item><title>a</title><guid>g1</guid>"
        '<enclosure url="https://example.org/a.mp3" length="1" type="audio/mpeg"/>'
        "</item></channel></rss>",
        encoding="utf-8",
    )
    ws = tmp_path / "imported"
    result = run("import", feed, ws, "--storage", "/")
    assert result.code == 1 and "--storage" in result.err
    assert not (ws / "kotocast.toml").exists()
