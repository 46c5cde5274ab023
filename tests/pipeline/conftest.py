"""Fixtures for end-to-end tests of the kotocast command on real (generated) media."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.mediagen import make_cover, make_speech


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``kotocast ARGS`` in-process through ``main`` (its real error mapping)."""

    def invoke(*args: str | Path) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated sources shared by the whole session (a few seconds each)."""
    folder = tmp_path_factory.mktemp("sources")
    make_speech(folder / "quiet.wav", 6, -30.0)
    make_speech(folder / "hot.wav", 6, -8.0, clip=True)
    make_cover(folder / "cover.jpg", 1400)
    return folder


@pytest.fixture
def show(tmp_path: Path, run: Run, media_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh show workspace (with artwork) as the current directory."""
    workspace = tmp_path / "kotona"
    result = run(
        "init",
        workspace,
        "--title",
        "Kotona Suomessa",
        "--author",
        "Kotoutumishanke",
        "--email",
        "podcast@example.org",
        "--language",
        "fi",
        "--image",
        media_dir / "cover.jpg",
        "--base-url",
        "https://media.example.org/kotona/",
    )
    assert result.code == 0, result.err
    monkeypatch.chdir(workspace)
    return workspace


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (except transient staging) with its content hash."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and "/staging/" not in f"/{rel}":
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def unchanged() -> Iterator[Callable[[Path], None]]:
    """Call with a folder to assert, at the end of the test, that nothing in it changed."""
    watched: list[tuple[Path, dict[str, str]]] = []

    def watch(folder: Path) -> None:
        watched.append((folder, snapshot(folder)))

    yield watch
    for folder, before in watched:
        assert snapshot(folder) == before, f"{folder} changed"


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", os.environ.get("CI", "1"))
