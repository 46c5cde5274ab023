"""Fixtures for import tests: generated source MP3s and cover art, a podcast host on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.importer.podserver import PodServer
from tests.mediagen import make_cover, make_tone


@pytest.fixture(scope="session")
def source_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Four small MP3s as an old host serves them, and a cover JPEG (generated once)."""
    folder = tmp_path_factory.mktemp("source-media")
    media = {}
    for i, freq in enumerate((330, 440, 550, 660), start=1):
        path = make_tone(folder / f"track{i}.mp3", seconds=2.0 + i * 0.5, freq_hz=freq)
        media[f"track{i}.mp3"] = path.read_bytes()
    media["cover.jpg"] = make_cover(folder / "cover.jpg", 1400).read_bytes()
    return media


@pytest.fixture
def server() -> Iterator[PodServer]:
    srv = PodServer().start()
    yield srv
    srv.stop()
