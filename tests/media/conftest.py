"""Shared media fixtures: generated once per session with real ffmpeg and espeak-ng.

Session fixtures are read-only sources; a test that writes copies them first
(``tests.mediagen.copy_fixture``). The generators live in ``tests/mediagen.py`` so other
packages' tests can use them too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import mediagen

SECONDS = 6.0


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_quiet(media_dir: Path) -> Path:
    """Stereo Finnish speech over a bed at about -30 LUFS."""
    return mediagen.make_speech(media_dir / "quiet.wav", SECONDS, -30.0)


@pytest.fixture(scope="session")
def speech_loud_clipped(media_dir: Path) -> Path:
    """Stereo speech at about -8 LUFS, boosted until samples clip."""
    return mediagen.make_speech(media_dir / "loud.wav", SECONDS, -8.0, clip=True)


@pytest.fixture(scope="session")
def speech_mono(media_dir: Path) -> Path:
    return mediagen.make_speech(media_dir / "mono.flac", SECONDS, -26.0, channels=1)


@pytest.fixture(scope="session")
def speech_51(media_dir: Path) -> Path:
    return mediagen.make_speech(media_dir / "surround.flac", SECONDS, -20.0, channels=6)


@pytest.fixture(scope="session")
def speech_mp3(media_dir: Path) -> Path:
    return mediagen.make_speech(media_dir / "speech.mp3", SECONDS, -20.0)


@pytest.fixture(scope="session")
def intro_jingle(media_dir: Path) -> Path:
    return mediagen.make_tone(media_dir / "intro.wav", 3.0, 523.0)


@pytest.fixture(scope="session")
def outro_jingle(media_dir: Path) -> Path:
    return mediagen.make_tone(media_dir / "outro.flac", 2.0, 392.0, channels=1)


@pytest.fixture(scope="session")
def cover_png(media_dir: Path) -> Path:
    return mediagen.make_cover(media_dir / "cover.png", 1400)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def unchanged() -> Callable[[Path], Callable[[], None]]:
    """``check = unchanged(path)``; later ``check()`` asserts the file is byte-identical."""

    def remember(path: Path) -> Callable[[], None]:
        before = sha256(path) if path.is_file() else None

        def check() -> None:
            assert (sha256(path) if path.is_file() else None) == before, f"{path} was modified"

        return check

    return remember
