"""``kotocast add`` with chapters, transcripts, persons and soundbites, through to the feed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from episodes.catalog import load_episode
from tests.mediagen import make_speech

from .conftest import Run

pytestmark = pytest.mark.slow

FEED_URL = "https://media.example.org/kotona/feed.xml"


def test_chapters_transcripts_persons_and_soundbites(show: Path, run: Run, tmp_path: Path) -> None:
    src = make_speech(tmp_path / "long.wav", 12, -24.0)
    chapters = tmp_path / "chapters.txt"
    chapters.write_text("00:00:00 Alku\n00:00:05 Haastattelu & kysymykset\n", encoding="utf-8")
    fi = tmp_path / "jakso.fi.vtt"
    fi.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHei ja tervetuloa!\n", encoding="utf-8")
    ar = tmp_path / "jakso.ar.srt"
    ar.write_text("1\n00:00:00,000 --> 00:00:02,000\nمرحبا\n", encoding="utf-8")

    added = run(
        "add",
        src,
        "--title",
        "Jakso",
        "--slug",
        "jakso",
        "--publish-at",
        "2026-11-01T09:00:00+02:00",
        "--chapters",
        chapters,
        "--transcript",
        fi,
        "--transcript",
        ar,
        "--person",
        "Aino Virtanen:guest",
        "--soundbite",
        "0:02+5",
    )
    assert added.code == 0, added.err
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0, "publish failed"
    episode = load_episode(show, "jakso")
    public = show / "public"
    xml = (public / "feed.xml").read_bytes()

    # ID3 chapters in the MP3 itself.
    assert episode.media is not None
    tags = ID3(public / episode.media.key)
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.start_time for c in chaps] == [0, 5000]
    assert str(chaps[1].sub_frames["TIT2"]) == "Haastattelu & kysymykset"
    assert tags.getall("CTOC")

    # JSON chapters published beside the media, linked from the feed.
    assert episode.chapters_file is not None
    chapters_json = json.loads((public / episode.chapters_file.key).read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters_json["chapters"]] == ["Alku", "Haastattelu & kysymykset"]

    gpodder = podcastparser.parse(FEED_URL, io.BytesIO(xml))["episodes"][0]
    chapters_url = f"https://media.example.org/kotona/{episode.chapters_file.key}"
    assert chapters_url.encode() in xml

    # Transcripts: one per language, each published with its type.
    langs = {t.language: t for t in episode.transcripts}
    assert set(langs) == {"fi", "ar"}
    assert langs["ar"].asset.mime_type == "application/x-subrip"
    for transcript in langs.values():
        assert (public / transcript.asset.key).is_file()
        assert f'language="{transcript.language}"'.encode() in xml
    parsed = feedparser.parse(xml)
    assert not parsed.bozo

    # Persons: the guest, and the host repeated on the item (item persons replace channel's).
    assert b'<podcast:person role="guest"' in xml
    item = xml[xml.index(b"<item>") :]
    assert b'role="host"' in item and b"Aino Virtanen" in item

    # Soundbite and its teaser: 5 s, faded, a real MP3.
    assert b'<podcast:soundbite startTime="2' in xml
    teaser = episode.soundbites[0].teaser
    assert teaser is not None
    info = MP3(public / teaser.key).info
    assert 4.5 <= info.length <= 5.5
    assert gpodder["title"] == "Jakso"


def test_aac_rendition_as_alternate_enclosure(show: Path, run: Run, tmp_path: Path) -> None:
    from tests.mediagen import measure_ebur128

    config = show / "kotocast.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "crossfade_s = 1.0", "crossfade_s = 1.0\nalternate_aac = true"
        ),
        encoding="utf-8",
    )
    src = make_speech(tmp_path / "src.wav", 6, -28.0)
    assert (
        run(
            "add",
            src,
            "--title",
            "AAC",
            "--slug",
            "aac",
            "--publish-at",
            "2026-11-01T09:00:00+02:00",
        ).code
        == 0
    )
    assert run("publish", "--now", "2026-11-02T00:00:00Z").code == 0
    episode = load_episode(show, "aac")
    (alternate,) = episode.alternates
    m4a = show / "public" / alternate.key
    data = m4a.read_bytes()
    assert alternate.mime_type == "audio/x-m4a" and alternate.key.endswith(".m4a")
    assert len(data) == alternate.size_bytes
    assert data.index(b"moov") < data.index(b"mdat")  # faststart
    integrated, peak = measure_ebur128(m4a)
    assert abs(integrated + 16.0) <= 0.5 and peak <= -1.0, (integrated, peak)
    from mutagen.mp4 import MP4

    assert MP4(m4a).tags["\xa9nam"] == ["AAC"]
    xml = (show / "public" / "feed.xml").read_bytes()
    url = f"https://media.example.org/kotona/{alternate.key}"
    assert f'<podcast:source uri="{url}"'.encode() in xml
    assert b'type="audio/x-m4a"' in xml and f'length="{alternate.size_bytes}"'.encode() in xml
