"""The per-episode TOML files: exact round trip, strict checks on hand edits."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest

from episodes.catalog import (
    load_episode,
    load_episodes,
    new_guid,
    save_episode,
)
from episodes.chapters import read_chapters, render_chapters_json
from episodes.errors import EpisodeExists, EpisodeFileInvalid, EpisodeNotFound, FieldInvalid
from episodes.model import Asset, Chapter, Episode, LoudnessRecord, Person, Transcript
from episodes.text import parse_publish_at

LANGS = ("fi",)


def _episode(slug: str = "jakso-1", **kw: object) -> Episode:
    base = dict(
        slug=slug,
        guid=new_guid(),
        title="Äänestäminen & <vaalit>",
        publish_at=parse_publish_at("2026-12-01T09:00:00+02:00"),
        description="Rivi 1\n\nRivi 2 🎙️",
        season=1,
        number=3,
        media=Asset(
            path=f"media/{slug}-abc.mp3",
            key=f"media/{slug}-abc.mp3",
            size_bytes=1234,
            sha256="ab" * 32,
            mime_type="audio/mpeg",
            duration_s=61.5,
            bitrate_kbps=128,
        ),
        loudness=LoudnessRecord(-30.1, -12.0, -16.0, -1.3),
        chapters=(Chapter(0, "Alku"), Chapter(30.5, "Loppu")),
        persons=(Person("Aino", "guest"),),
        transcripts=(Transcript(Asset("t/a.vtt", "t/a.vtt", 10, "cd" * 32, "text/vtt"), "ar"),),
    )
    base.update(kw)
    return Episode.single(language=str(base.pop("language", "fi")), **base)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    ep = _episode()
    save_episode(tmp_path, ep, new=True, languages=LANGS)
    assert load_episode(tmp_path, "jakso-1", languages=LANGS) == ep
    assert ep.publish_at is not None
    assert load_episodes(tmp_path, languages=LANGS)[0].publish_at.utcoffset() == timedelta(hours=2)  # type: ignore[union-attr]
    assert ep.publish_at.tzinfo != UTC


def test_slug_is_taken_once(tmp_path: Path) -> None:
    save_episode(tmp_path, _episode(), new=True, languages=LANGS)
    with pytest.raises(EpisodeExists):
        save_episode(tmp_path, _episode(), new=True, languages=LANGS)


def test_missing_episode(tmp_path: Path) -> None:
    with pytest.raises(EpisodeNotFound, match="no episode with slug 'ei-ole'"):
        load_episode(tmp_path, "ei-ole", languages=LANGS)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('title = "Äänestäminen', "title = 7 #", "title: has the wrong type"),
        (
            "publish_at = 2026-12-01T09:00:00+02:00",
            "publish_at = 2026-12-01T09:00:00",
            "publish_at: .*no UTC offset",
        ),
        ("number = 3", "number = -1", "number: must be 1 or more"),
        ('slug = "jakso-1"', 'slug = "../x"', "slug: .* is not a slug"),
        ('type = "full"', 'type = "teaser"', "type: must be one of"),
        ('key = "media/jakso-1-abc.mp3"', 'key = "../../etc/passwd"', "media.key: .* not a safe"),
        ('slug = "jakso-1"', 'slug = "jakso-2"', "slug: is 'jakso-2' but the file is named"),
        ("\n[media]\n", "\n[media\n", "not valid TOML"),
    ],
)
def test_hand_edits_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = save_episode(tmp_path, _episode(), new=True, languages=LANGS)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(EpisodeFileInvalid, match=message) as info:
        load_episodes(tmp_path, languages=LANGS)
    assert str(info.value).startswith(str(path))


def test_duplicate_guids_are_refused(tmp_path: Path) -> None:
    one = _episode("yksi")
    save_episode(tmp_path, one, new=True, languages=LANGS)
    save_episode(tmp_path, _episode("kaksi", guid=one.guid), new=True, languages=LANGS)
    with pytest.raises(EpisodeFileInvalid, match="guid: same as in"):
        load_episodes(tmp_path, languages=LANGS)


def test_chapters_plain_and_json(tmp_path: Path) -> None:
    plain = tmp_path / "ch.txt"
    plain.write_text("# chapters\n00:00:00 Alku\n00:01:30 Haastattelu\n1:00:00 Loppu\n")
    chapters = read_chapters(plain)
    assert [c.start_s for c in chapters] == [0, 90, 3600]
    as_json = tmp_path / "ch.json"
    as_json.write_bytes(render_chapters_json(chapters))
    assert read_chapters(as_json) == chapters
    plain.write_text("00:02:00 B\n00:01:00 A\n")
    with pytest.raises(FieldInvalid, match="must increase"):
        read_chapters(plain)
    plain.write_text("kaksi minuuttia Alku\n")
    with pytest.raises(FieldInvalid, match="line 1: expected"):
        read_chapters(plain)
    plain.write_text("00:00:00 A\n00:10:00 B\n")
    with pytest.raises(FieldInvalid, match="after the episode ends"):
        read_chapters(plain, duration_s=60)
