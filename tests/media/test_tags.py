"""write_id3 / write_mp4_tags, read back with mutagen."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4Cover
from PIL import Image

from media.errors import TagWriteFailed
from media.tags import (
    MP4_COVER_MAX_BYTES,
    AudioTags,
    ChapterMark,
    id3_language,
    small_cover,
    write_id3,
    write_mp4_tags,
)
from tests import mediagen

pytestmark = pytest.mark.slow


@pytest.fixture
def mp3(tmp_path: Path, speech_mp3: Path) -> Path:
    return Path(shutil.copy(speech_mp3, tmp_path / "episode.mp3"))


@pytest.fixture
def tags(cover_png: Path) -> AudioTags:
    return AudioTags(
        title="Jakso 3: Työ, kieli & arki — ensimmäinen talvi",
        artist="Äänitys Oy",
        album="Kotona Suomessa",
        date="2024-05-17",
        track=3,
        description="Haastattelussa kaksi vierasta. <b>Ei</b> HTML:ää tagissa.",
        language="fi-FI",
        cover=cover_png.read_bytes(),
        cover_mime="image/png",
        chapters=(
            ChapterMark(0.0, 2.5, "Alku"),
            ChapterMark(2.5, 6.0, "Haastattelu", "https://example.org/vieras"),
        ),
        podcast_url="https://example.org/feed.xml",
        guid="urn:uuid:9b024349-ccf0-5f69-a609-6b82873eab3c",
    )


def test_id3_is_version_2_3_with_every_frame(mp3: Path, tags: AudioTags) -> None:
    write_id3(mp3, tags)
    assert mp3.read_bytes()[:4] == b"ID3\x03"
    id3 = ID3(mp3, translate=False)  # raw v2.3 frames, not mutagen's 2.4 view
    assert id3.version[:2] == (2, 3)
    assert str(id3["TIT2"]) == tags.title
    assert str(id3["TPE1"]) == "Äänitys Oy"
    assert str(id3["TALB"]) == "Kotona Suomessa"
    assert str(id3["TYER"]) == "2024" and str(id3["TDAT"]) == "1705"
    assert str(id3["TRCK"]) == "3"
    assert str(id3["TCON"]) == "Podcast"
    assert str(id3["TLAN"]) == "fin"
    assert id3.getall("COMM")[0].text == [tags.description]
    assert id3.getall("COMM")[0].lang == "fin"
    assert str(id3["TDES"]) == tags.description
    assert id3["PCST"].value == 1
    assert id3["WFED"].url == "https://example.org/feed.xml"
    assert str(id3["TGID"]) == tags.guid
    apic = id3.getall("APIC")[0]
    assert apic.type == 3 and apic.mime == "image/png" and apic.data == tags.cover


def test_chapters_are_chap_and_ctoc(mp3: Path, tags: AudioTags) -> None:
    write_id3(mp3, tags)
    id3 = ID3(mp3)
    toc = id3.getall("CTOC")[0]
    assert toc.child_element_ids == ["chp0", "chp1"]
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chaps] == [
        (0, 2500, "Alku"),
        (2500, 6000, "Haastattelu"),
    ]
    assert chaps[1].sub_frames.getall("WXXX")[0].url == "https://example.org/vieras"
    # ffprobe (what many players are built on) sees the same chapters.
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "csv=p=0", str(mp3)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Alku" in out and "Haastattelu" in out


def test_tagging_keeps_the_audio(mp3: Path, tags: AudioTags) -> None:
    before = mediagen.measure_ebur128(mp3)
    write_id3(mp3, tags)
    assert mediagen.measure_ebur128(mp3) == before


def test_rewriting_replaces_old_tags(mp3: Path, tags: AudioTags) -> None:
    write_id3(mp3, tags)
    write_id3(mp3, AudioTags(title="Uusi", artist="A", album="B", date="2025"))
    id3 = ID3(mp3)
    assert str(id3["TIT2"]) == "Uusi"
    assert not id3.getall("APIC") and not id3.getall("CHAP") and not id3.getall("TLAN")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fi", "fin"),
        ("fi-FI", "fin"),
        ("sv", "swe"),
        ("en-GB", "eng"),
        ("ar", "ara"),
        ("so", "som"),
        ("fa", "per"),
        ("ru", "rus"),
        ("uk", "ukr"),
        ("fin", "fin"),
        ("de", "ger"),
        ("se", "sme"),
        ("ckb", "ckb"),
        ("zh-Hant-TW", "chi"),
        (None, None),
        ("xx", None),
    ],
)
def test_language_maps_to_iso_639_2(given: str | None, expected: str | None) -> None:
    assert id3_language(given) == expected


def test_bad_values_fail_and_leave_the_file_alone(
    mp3: Path, tags: AudioTags, unchanged: Callable[[Path], Callable[[], None]]
) -> None:
    check = unchanged(mp3)
    for bad in (
        AudioTags(title="  ", artist="a", album="b", date="2024"),
        AudioTags(title="t", artist="a", album="b", date="2024", track=-1),
        AudioTags(
            title="t",
            artist="a",
            album="b",
            date="2024",
            chapters=(ChapterMark(5.0, 1.0, "backwards"),),
        ),
    ):
        with pytest.raises(TagWriteFailed, match=r"episode\.mp3: cannot write tags: "):
            write_id3(mp3, bad)
    check()
    assert sorted(p.name for p in mp3.parent.iterdir()) == ["episode.mp3"]


def test_missing_file(tmp_path: Path, tags: AudioTags) -> None:
    with pytest.raises(TagWriteFailed, match=r"gone\.mp3: cannot write tags: no such file"):
        write_id3(tmp_path / "gone.mp3", tags)


def test_mp4_tags_read_back(tmp_path: Path, speech_quiet: Path, tags: AudioTags) -> None:
    m4a = mediagen.make_speech(tmp_path / "episode.m4a", 2.0, -20.0)
    write_mp4_tags(m4a, tags)
    mp4 = MP4(m4a)
    assert mp4.tags is not None
    assert mp4.tags["\xa9nam"] == [tags.title]
    assert mp4.tags["\xa9ART"] == ["Äänitys Oy"]
    assert mp4.tags["\xa9alb"] == ["Kotona Suomessa"]
    assert mp4.tags["\xa9day"] == ["2024-05-17"]
    assert mp4.tags["trkn"] == [(3, 0)]
    assert mp4.tags["ldes"] == [tags.description]
    assert mp4.tags["pcst"] is True
    assert mp4.tags["egid"] == [tags.guid]
    assert mp4.tags["purl"] == ["https://example.org/feed.xml"]
    assert bytes(mp4.tags["----:com.apple.iTunes:LANGUAGE"][0]) == b"fin"
    cover = mp4.tags["covr"][0]
    assert cover.imageformat == MP4Cover.FORMAT_JPEG
    with Image.open(io.BytesIO(bytes(cover))) as image:
        assert image.format == "JPEG" and image.size == (600, 600)
    assert len(cover) <= MP4_COVER_MAX_BYTES


def test_mp4_cover_of_a_big_png_is_a_small_jpeg(tmp_path: Path, tags: AudioTags) -> None:
    # A detailed 3000 px PNG (what Apple's artwork rules allow) must not bloat every video.
    art = Image.effect_mandelbrot((3000, 3000), (-2.2, -1.4, 0.8, 1.4), 120).convert("RGB")
    noisy = Image.merge(
        "RGB", (art.getchannel(0), Image.effect_noise((3000, 3000), 60), art.getchannel(0))
    )
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    big = buffer.getvalue()
    assert len(big) > 2_000_000
    m4a = mediagen.make_speech(tmp_path / "episode.m4a", 1.0, -20.0)
    size_before = m4a.stat().st_size
    write_mp4_tags(m4a, replace(tags, cover=big))
    cover = bytes(MP4(m4a).tags["covr"][0])  # type: ignore[index]
    with Image.open(io.BytesIO(cover)) as image:
        assert image.format == "JPEG" and max(image.size) == 600
    assert len(cover) <= MP4_COVER_MAX_BYTES
    assert m4a.stat().st_size - size_before < MP4_COVER_MAX_BYTES + 20_000


def test_small_jpeg_cover_is_kept_byte_for_byte() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (500, 500), (200, 30, 30)).save(buffer, format="JPEG")
    assert small_cover(buffer.getvalue()) == buffer.getvalue()


def test_unreadable_mp4_cover_fails_with_the_path(
    tmp_path: Path, tags: AudioTags, unchanged: Callable[[Path], Callable[[], None]]
) -> None:
    m4a = mediagen.make_speech(tmp_path / "episode.m4a", 1.0, -20.0)
    check = unchanged(m4a)
    with pytest.raises(TagWriteFailed, match=r"episode\.m4a: cannot write tags: cover art"):
        write_mp4_tags(m4a, replace(tags, cover=b"not a picture"))
    check()


def test_chapter_pictures_and_hidden_chapters(mp3: Path, tags: AudioTags) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 90, 160)).save(buffer, format="JPEG")
    marks = (
        ChapterMark(0.0, 2.5, "Alku", image=buffer.getvalue()),
        ChapterMark(2.5, 4.0, "Mainos", toc=False),
        ChapterMark(4.0, 6.0, "Haastattelu"),
    )
    write_id3(mp3, replace(tags, chapters=marks))
    id3 = ID3(mp3)
    assert id3.getall("CTOC")[0].child_element_ids == ["chp0", "chp2"]
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert len(chaps) == 3
    (picture,) = chaps[0].sub_frames.getall("APIC")
    assert picture.mime == "image/jpeg" and picture.data == buffer.getvalue()
    assert not chaps[2].sub_frames.getall("APIC")


def test_mp4_tags_on_an_mp3_fail_cleanly(
    mp3: Path, tags: AudioTags, unchanged: Callable[[Path], Callable[[], None]]
) -> None:
    check = unchanged(mp3)
    with pytest.raises(TagWriteFailed, match=r"episode\.mp3: cannot write tags: "):
        write_mp4_tags(mp3, tags)
    check()
