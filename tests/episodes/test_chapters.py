"""Chapters: every Podcast Index field survives JSON in -> JSON out, plain lines still work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from episodes.chapters import (
    ChapterEntry,
    ChapterLocation,
    chapter_images,
    read_chapter_entries,
    read_chapters,
    render_chapters_json,
)
from episodes.errors import FieldInvalid

# Shaped like the examples in Podcastindex-org/podcast-namespace docs/jsonChapters.md.
RICH = {
    "version": "1.2.0",
    "chapters": [
        {"startTime": 0, "title": "Intro", "img": "https://example.org/intro.jpg"},
        {"startTime": 12.5, "toc": False, "img": "https://example.org/ad.jpg"},
        {
            "startTime": 60,
            "endTime": 600.25,
            "title": "Helsingin kirjasto Oodi",
            "url": "https://www.oodihelsinki.fi/",
            "img": "pics/oodi.png",
            "location": {"name": "Oodi", "geo": "geo:60.1738,24.9378", "osm": "W519188426"},
        },
        {"startTime": 601, "title": "Loppu", "toc": True},
    ],
}


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "chapters.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_every_field_is_kept(tmp_path: Path) -> None:
    entries = read_chapter_entries(_write(tmp_path, RICH))
    assert entries == (
        ChapterEntry(0.0, "Intro", img="https://example.org/intro.jpg"),
        ChapterEntry(12.5, "", img="https://example.org/ad.jpg", toc=False),
        ChapterEntry(
            60.0,
            "Helsingin kirjasto Oodi",
            url="https://www.oodihelsinki.fi/",
            end_s=600.25,
            img="pics/oodi.png",
            location=ChapterLocation("Oodi", "geo:60.1738,24.9378", "W519188426"),
        ),
        ChapterEntry(601.0, "Loppu"),
    )


def test_json_round_trip_is_lossless(tmp_path: Path) -> None:
    entries = read_chapter_entries(_write(tmp_path, RICH))
    out = json.loads(render_chapters_json(entries))
    want = json.loads(json.dumps(RICH))
    for chapter in want["chapters"]:
        chapter.pop("toc", None) if chapter.get("toc") is True else None
        chapter["startTime"] = float(chapter["startTime"])
        if "endTime" in chapter:
            chapter["endTime"] = float(chapter["endTime"])
    assert out == want
    again = tmp_path / "again.json"
    again.write_bytes(render_chapters_json(entries))
    assert read_chapter_entries(again) == entries


def test_hidden_chapter_stays_hidden_in_what_apps_read(tmp_path: Path) -> None:
    out = json.loads(render_chapters_json(read_chapter_entries(_write(tmp_path, RICH))))
    assert [c.get("toc", True) for c in out["chapters"]] == [True, False, True, True]


def test_published_image_urls_replace_local_files(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "oodi.png").write_bytes(b"\x89PNG...")
    path = _write(tmp_path, RICH)
    entries = read_chapter_entries(path)
    assert chapter_images(entries, path) == {"pics/oodi.png": tmp_path / "pics" / "oodi.png"}
    url = "https://cdn.example.fi/show/media/oodi-1a2b.png"
    out = json.loads(render_chapters_json(entries, images={"pics/oodi.png": url}))
    assert out["chapters"][2]["img"] == url
    assert out["chapters"][0]["img"] == "https://example.org/intro.jpg"


@pytest.mark.parametrize("img", ["../secret.png", "/etc/passwd", "missing.png"])
def test_chapter_images_stay_beside_the_chapters_file(tmp_path: Path, img: str) -> None:
    path = _write(tmp_path, {"chapters": [{"startTime": 0, "title": "A", "img": img}]})
    with pytest.raises(FieldInvalid, match="chapter image"):
        chapter_images(read_chapter_entries(path), path)


@pytest.mark.parametrize(
    ("chapter", "why"),
    [
        ({"startTime": "0", "title": "A"}, "not a number"),
        ({"startTime": -1, "title": "A"}, "negative"),
        ({"startTime": 5, "endTime": 5, "title": "A"}, "not after"),
        ({"startTime": 0, "title": "A", "toc": "no"}, "true or false"),
        ({"startTime": 0, "title": "A", "location": "Helsinki"}, "location"),
        ({"startTime": 0}, "blank|empty"),
    ],
)
def test_bad_json_chapters_are_refused(
    tmp_path: Path, chapter: dict[str, object], why: str
) -> None:
    with pytest.raises(FieldInvalid, match=why):
        read_chapter_entries(_write(tmp_path, {"version": "1.2.0", "chapters": [chapter]}))


def test_model_chapters_and_plain_lines_still_work(tmp_path: Path) -> None:
    plain = tmp_path / "chapters.txt"
    plain.write_text("00:00 Alku\n01:30 Haastattelu\n", encoding="utf-8")
    chapters = read_chapters(plain)
    assert [(c.start_s, c.title) for c in chapters] == [(0.0, "Alku"), (90.0, "Haastattelu")]
    doc = json.loads(render_chapters_json(chapters))
    assert doc == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0.0, "title": "Alku"},
            {"startTime": 90.0, "title": "Haastattelu"},
        ],
    }


def test_every_field_survives_the_episode_file(tmp_path: Path) -> None:
    from episodes.schema import CHAPTER, Where

    entries = read_chapter_entries(_write(tmp_path, RICH))
    where = Where(tmp_path / "episodes" / "x.toml")
    back = tuple(CHAPTER.read(CHAPTER.write(c), where, "chapters") for c in entries)
    assert back == entries
    assert CHAPTER.write(entries[1]) == {
        "start_s": 12.5,
        "title": "",
        "img": "https://example.org/ad.jpg",
        "toc": False,
    }
