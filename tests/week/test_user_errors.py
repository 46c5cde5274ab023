"""Every everyday mistake of the week: one line on stderr, no traceback, the documented exit
code, and the workspace byte for byte as it was (recursive listing with sha256)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import mediagen

from .conftest import Run, tree

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KOTOCAST = str(Path(sys.executable).parent / "kotocast")
NOW = "2026-11-02T00:00:00Z"


@pytest.fixture
def week(show: Path, run: Run, sources: Path, tmp_path: Path) -> Path:
    """A show with one published episode ``yksi`` (number 1) and some bad inputs beside it."""
    done = run("add", sources / "take1.wav", "--title", "Yksi", "--slug", "yksi",
               "--publish-at", "2026-11-01T09:00:00+02:00")  # fmt: skip
    assert done.code == 0, done.err
    assert run("publish", "--now", NOW).code == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "chapters.txt").write_text("00:00 Alku\n10:00 Liian myöhään\n", encoding="utf-8")
    mediagen._ffmpeg("-i", str(sources / "take1.wav"), "-t", "0.1", str(bad / "blip.wav"))
    recording = mediagen.make_video(bad / "zoom-full.mp4", 2.0)
    mediagen.truncate_file(recording, bad / "zoom.mp4", 0.5)
    return show


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


CASES: dict[str, tuple[Callable[[Path, Path], list[str]], int, str]] = {
    "add --slug existing": (
        lambda s, b: ["add", str(s), "--title", "T", "--slug", "yksi"],
        1,
        "kotocast edit yksi",
    ),
    "add --number taken": (
        lambda s, b: ["add", str(s), "--title", "T", "--number", "1"],
        1,
        "is already 'yksi'",
    ),
    "chapter past the end": (
        lambda s, b: ["add", str(s), "--title", "T", "--chapters", str(b / "chapters.txt")],
        1,
        "after the episode ends",
    ),
    "0.1 s clip": (lambda s, b: ["add", str(b / "blip.wav"), "--title", "T"], 1, "too short"),
    "cut-short recording": (
        lambda s, b: ["add", str(b / "zoom.mp4"), "--title", "T"],
        1,
        "the file is incomplete (the recording may not have finished saving)",
    ),
    "year 9999": (
        lambda s, b: ["add", str(s), "--title", "T", "--publish-at", "9999-12-31T23:59:59-12:00"],
        1,
        "not a plausible publish date",
    ),
    "edit year 9999": (
        lambda s, b: ["edit", "yksi", "--publish-at", "9999-12-31T23:59:59-12:00"],
        1,
        "not a plausible publish date",
    ),
    "edit unknown slug": (lambda s, b: ["edit", "ei-ole", "--title", "T"], 1, "no episode"),
    "remove published": (lambda s, b: ["remove", "yksi"], 1, "kotocast unpublish yksi"),
    "replace with a clip": (lambda s, b: ["replace", "yksi", str(b / "blip.wav")], 1, "too short"),
    "init bad category": (
        lambda s, b: [
            "init",
            str(b / "uusi"),
            "--title",
            "T",
            "--author",
            "A",
            "--email",
            "a@example.org",
            "--language",
            "fi",
            "--category",
            "Society and Culture",
        ],
        1,
        "did you mean 'Society & Culture'",
    ),
    "init bad e-mail": (
        lambda s, b: [
            "init",
            str(b / "uusi"),
            "--title",
            "T",
            "--author",
            "A",
            "--email",
            "tuottaja@",
            "--language",
            "fi",
        ],
        1,
        "is not an e-mail address",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_error_is_one_line_and_changes_nothing(
    week: Path, run: Run, sources: Path, tmp_path: Path, case: str
) -> None:
    argv, code, words = CASES[case]
    before = tree(week)
    done = run(*argv(sources / "take2.flac", tmp_path / "bad"))
    assert done.code == code, done.err
    assert "Traceback" not in done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], done.err
    assert tree(week) == before
    assert not (tmp_path / "bad" / "uusi").exists()


def test_empty_feed_is_refused_and_changes_nothing(show: Path, run: Run, sources: Path) -> None:
    done = run("add", sources / "take1.wav", "--title", "Myöhemmin",
               "--publish-at", "2030-01-01T09:00:00+02:00")  # fmt: skip
    assert done.code == 0, done.err
    before = tree(show)
    refused = run("publish")
    assert refused.code == 3
    assert len(refused.err.strip().splitlines()) == 1 and "Traceback" not in refused.err
    assert tree(show) == before


def test_busy_port_is_one_line(week: Path, run: Run, busy_port: int) -> None:
    before = tree(week)
    done = run("serve", "--port", str(busy_port))
    assert done.code == 1, done.err
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "port is already in use" in lines[0], done.err
    assert tree(week) == before


def _read_only(workspace: Path, *argv: str) -> subprocess.CompletedProcess[str] | None:
    """Run kotocast in a private mount namespace where ``workspace`` is mounted read-only."""
    script = (
        f'mount --bind "{workspace}" "{workspace}" && '
        f'mount -o remount,bind,ro "{workspace}" && cd "{workspace}" && exec "$@"'
    )
    try:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", script, "sh", KOTOCAST, *argv],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)},
        )
    except FileNotFoundError:
        return None
    if done.returncode != 0 and "mount" in done.stderr and "kotocast" not in done.stderr:
        return None  # no user/mount namespaces here
    return done


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mount namespaces")
def test_read_only_workspace_is_one_line(week: Path, sources: Path) -> None:
    before = tree(week)
    done = _read_only(week, "add", str(sources / "take2.flac"), "--title", "Kaksi")
    if done is None:
        pytest.skip("cannot mount read-only here (no user and mount namespaces)")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only" in lines[0], done.stderr
    assert tree(week) == before
