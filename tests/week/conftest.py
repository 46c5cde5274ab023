"""A fresh show per test, driven through the real ``kotocast`` entry point (in process)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.mediagen import make_cover, make_speech

# The same in-process runner as the pipeline tests (its real error mapping and exit codes).
from tests.pipeline.conftest import Result, Run, _quiet_env, run  # noqa: F401


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("week-sources")
    make_speech(folder / "take1.wav", 5, -24.0)
    make_speech(folder / "take2.flac", 7, -20.0, channels=1)
    make_cover(folder / "cover.jpg", 1400)
    return folder


@pytest.fixture
def show(
    tmp_path: Path,
    run: Run,  # noqa: F811 (the fixture imported above)
    sources: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    result = run(
        "init", tmp_path / "viikko", "--title", "Viikko", "--author", "Tuottaja",
        "--email", "tuottaja@example.org", "--language", "fi",
        "--image", sources / "cover.jpg", "--base-url", "https://media.example.org/viikko/",
    )  # fmt: skip
    assert result.code == 0, result.err
    monkeypatch.chdir(tmp_path / "viikko")
    return tmp_path / "viikko"


# A derived cache publish keeps of the parsed catalog: not the producer's data.
PARSE_CACHE = ".kotocast/parsed-episodes.json"


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too, not the parse cache) with its sha256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() != PARSE_CACHE
    }
