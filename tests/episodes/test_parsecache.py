"""Parsed episode files kept between runs: the same episodes, never a stale or foreign one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from episodes import parsecache
from episodes.catalog import load_episodes, save_episode
from episodes.errors import EpisodeFileInvalid
from tests.episodes.test_catalog import LANGS, _episode

CACHE = parsecache.CACHE_FILE


def _age(path: Path, seconds: float = 60.0) -> None:
    """Make ``path`` look written a while ago (kotocast does not keep files changed just now)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def _show(tmp_path: Path, n: int = 3) -> list[Path]:
    paths = [
        save_episode(tmp_path, _episode(f"jakso-{i}"), new=True, languages=LANGS) for i in range(n)
    ]
    for path in paths:
        _age(path)
    return paths


def _cached(tmp_path: Path) -> dict[str, object]:
    return json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))["files"]  # type: ignore[no-any-return]


def test_second_load_is_the_same_from_the_cache(tmp_path: Path) -> None:
    _show(tmp_path)
    first = load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    assert sorted(_cached(tmp_path)) == ["jakso-0.toml", "jakso-1.toml", "jakso-2.toml"]
    second = load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    assert second == first
    # Offsets survive the JSON: 09:00+02:00 is not 07:00Z for a producer reading it back.
    assert second[0].publish_at is not None
    assert second[0].publish_at.utcoffset() is not None
    assert second[0].publish_at.isoformat() == "2026-12-01T09:00:00+02:00"


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    paths = _show(tmp_path)
    load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    text = paths[1].read_text(encoding="utf-8")
    paths[1].write_text(text.replace("Äänestäminen", "Vaalit"), encoding="utf-8")
    _age(paths[1], 30)  # a different time, long enough ago to be kept
    titles = [ep.title for ep in load_episodes(tmp_path, languages=LANGS, keep_parsed=True)]
    assert titles[1].startswith("Vaalit") and titles[0].startswith("Äänestäminen")
    # An edit that breaks the file is refused as without a cache.
    paths[2].write_text(paths[2].read_text(encoding="utf-8").replace("number = 3", "number = -1"))
    with pytest.raises(EpisodeFileInvalid, match=r"jakso-2\.toml: number: must be 1 or more"):
        load_episodes(tmp_path, languages=LANGS, keep_parsed=True)


def test_a_file_changed_just_now_is_not_kept(tmp_path: Path) -> None:
    paths = _show(tmp_path, 2)
    paths[0].write_text(paths[0].read_text(encoding="utf-8"))  # mtime: now
    load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    assert sorted(_cached(tmp_path)) == ["jakso-1.toml"]


def test_removed_files_are_forgotten(tmp_path: Path) -> None:
    paths = _show(tmp_path)
    load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    paths[0].unlink()
    loaded = load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    assert [ep.slug for ep in loaded] == ["jakso-1", "jakso-2"]
    assert sorted(_cached(tmp_path)) == ["jakso-1.toml", "jakso-2.toml"]


@pytest.mark.parametrize("junk", ["", "{not json", '{"version": 99, "files": {}}', "[1, 2]"])
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(tmp_path: Path, junk: str) -> None:
    _show(tmp_path)
    expected = load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    (tmp_path / CACHE).write_text(junk, encoding="utf-8")
    assert load_episodes(tmp_path, languages=LANGS, keep_parsed=True) == expected
    assert len(_cached(tmp_path)) == 3


def test_cached_values_are_checked_like_the_file(tmp_path: Path) -> None:
    """A cache edited by hand (stamps forged) cannot smuggle in what the file would refuse."""
    _show(tmp_path, 1)
    load_episodes(tmp_path, languages=LANGS, keep_parsed=True)
    raw = json.loads((tmp_path / CACHE).read_text(encoding="utf-8"))
    raw["files"]["jakso-0.toml"][2]["media"]["key"] = "../../etc/passwd"
    (tmp_path / CACHE).write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(EpisodeFileInvalid, match=r"jakso-0\.toml: media\.key: .* not a safe"):
        load_episodes(tmp_path, languages=LANGS, keep_parsed=True)


def test_other_commands_leave_no_cache(tmp_path: Path) -> None:
    _show(tmp_path)
    load_episodes(tmp_path, languages=LANGS)
    assert not (tmp_path / CACHE).exists()


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    """A read-only or odd workspace still loads (here the cache's name is taken by a folder)."""
    _show(tmp_path)
    (tmp_path / CACHE).mkdir(parents=True)
    assert len(load_episodes(tmp_path, languages=LANGS, keep_parsed=True)) == 3
    assert (tmp_path / CACHE).is_dir()
    assert [p.name for p in (tmp_path / CACHE).parent.iterdir()] == ["parsed-episodes.json"]
