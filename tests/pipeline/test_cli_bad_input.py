"""Producer mistakes: one-line error naming the file or field, non-zero exit, nothing changed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.mediagen import make_cover, make_speech, make_video, truncate_file

from .conftest import Run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "notes.mp3").write_text("This is a text file, not audio.\n" * 50)
    make_speech(folder / "good.mp3", 6, -20.0)
    truncate_file(folder / "good.mp3", folder / "truncated.mp3", 0.4)
    (folder / "empty.mp3").write_bytes(b"")
    (folder / "random.mp3").write_bytes(os.urandom(64 * 1024))
    (folder / "a-directory.mp3").mkdir()
    make_video(folder / "silent.mp4", 2, with_audio=False)
    make_cover(folder / "wide.jpg", (1600, 1400))
    (folder / "not-image.jpg").write_text("not an image")
    make_speech(folder / "ok.wav", 4, -20.0)
    return folder


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    "text named .mp3": (lambda d: ["add", str(d / "notes.mp3"), "--title", "T"], "notes.mp3"),
    "truncated mp3": (lambda d: ["add", str(d / "truncated.mp3"), "--title", "T"], "truncated.mp3"),
    "zero-byte file": (lambda d: ["add", str(d / "empty.mp3"), "--title", "T"], "empty.mp3"),
    "random bytes": (lambda d: ["add", str(d / "random.mp3"), "--title", "T"], "random.mp3"),
    "missing file": (lambda d: ["add", str(d / "nowhere.wav"), "--title", "T"], "nowhere.wav"),
    "a directory": (
        lambda d: ["add", str(d / "a-directory.mp3"), "--title", "T"],
        "a-directory.mp3",
    ),
    "video without audio": (lambda d: ["add", str(d / "silent.mp4"), "--title", "T"], "silent.mp4"),
    "blank title": (lambda d: ["add", str(d / "ok.wav"), "--title", "   "], "--title"),
    "unparsable date": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--publish-at", "ensi viikolla"],
        "--publish-at",
    ),
    "date without offset": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--publish-at", "2026-12-01T09:00"],
        "--publish-at",
    ),
    "non-square artwork": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--image", str(d / "wide.jpg")],
        "wide.jpg",
    ),
    "non-image artwork": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--image", str(d / "not-image.jpg")],
        "not-image.jpg",
    ),
    "slug leaving the workspace": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--slug", "../../etc/x"],
        "--slug",
    ),
    "negative episode number": (
        lambda d: ["add", str(d / "ok.wav"), "--title", "T", "--number", "-2"],
        "--number",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_changes_nothing(
    case: str, show: Path, run: Run, bad_files: Path, unchanged: Callable[[Path], None]
) -> None:
    # A published episode first, so "unchanged" covers catalog, media and public/.
    assert (
        run(
            "add",
            bad_files / "ok.wav",
            "--title",
            "Ennen",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    unchanged(show)
    unchanged(bad_files)
    args, named = CASES[case]
    result = run(*args(bad_files))
    assert result.code == 1, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("kotocast: error: ")
    assert named in lines[0]
    assert "Traceback" not in result.err
    assert run("publish", "--now", "2026-11-02T00:00:00Z").out.count("nothing changed") == 1


def test_no_title_is_a_usage_error(show: Path, run: Run, bad_files: Path) -> None:
    result = run("add", bad_files / "ok.wav")
    assert result.code == 2
    assert "--title" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace("[show]", "[show"), "not valid TOML"),
        (lambda t: t.replace('language = "fi"', "language = 7"), "show.language"),
        (lambda t: t.replace("bitrate_kbps = 128", "bitrate_kbps = 9999"), "audio.bitrate_kbps"),
    ],
)
def test_broken_config_is_named(
    edit,
    named: str,
    show: Path,
    run: Run,
    bad_files: Path,  # type: ignore[no-untyped-def]
) -> None:
    config = show / "kotocast.toml"
    config.write_text(edit(config.read_text(encoding="utf-8")), encoding="utf-8")
    for args in (["add", str(bad_files / "ok.wav"), "--title", "T"], ["publish"], ["status"]):
        result = run(*args)
        assert result.code == 1, args
        assert result.err.startswith(f"kotocast: error: {config}")
        assert named in result.err
    assert not list((show / "episodes").iterdir())


def test_outside_a_workspace(tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("publish")
    assert result.code == 1
    assert "no show here" in result.err


def test_staging_leftovers_do_not_leak(show: Path, run: Run, bad_files: Path) -> None:
    run("add", bad_files / "truncated.mp3", "--title", "T")
    staging = show / ".kotocast" / "staging"
    assert not staging.exists() or not any(staging.iterdir())
    shutil.rmtree(show / ".kotocast", ignore_errors=True)
