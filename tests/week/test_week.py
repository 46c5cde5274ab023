"""A producer's week through the real CLI: edit, replace, remove, numbers, recordings."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

from episodes.catalog import load_episode
from tests import mediagen

from .conftest import Run, tree

pytestmark = pytest.mark.slow

NOW = "2026-11-02T00:00:00Z"


def _add(run: Run, src: Path, slug: str, *extra: str) -> None:
    done = run("add", src, "--title", f"Jakso {slug}", "--slug", slug,
               "--publish-at", "2026-11-01T09:00:00+02:00", *extra)  # fmt: skip
    assert done.code == 0, done.err


def test_edit_before_publishing_retags_and_renames_the_mp3(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    before = load_episode(show, "yksi").media
    assert before is not None
    edited = run("edit", "yksi", "--title", "Uusi nimi – äänitetty", "--number", "3")
    assert edited.code == 0, edited.err
    assert "title" in edited.out and "number" in edited.out
    after = load_episode(show, "yksi")
    assert after.title == "Uusi nimi – äänitetty" and after.number == 3
    assert after.media is not None and after.media.path != before.path
    assert not (show / before.path).exists()  # the old processed file is gone
    tags = ID3(show / after.media.path)
    assert str(tags["TIT2"]) == "Uusi nimi – äänitetty"
    assert str(tags["TRCK"]).split("/")[0] == "3"

    published = run("publish", "--now", NOW)
    assert published.code == 0, published.err
    feed = feedparser.parse((show / "public" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Uusi nimi – äänitetty"]
    live = show / "public" / after.media.key
    assert str(ID3(live)["TIT2"]) == "Uusi nimi – äänitetty"


def test_edit_after_publishing_keeps_the_published_bytes(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    assert run("publish", "--now", NOW).code == 0
    media = load_episode(show, "yksi").media
    assert media is not None
    bytes_before = (show / media.path).read_bytes()
    edited = run("edit", "yksi", "--title", "Korjattu otsikko")
    assert edited.code == 0, edited.err
    assert "published media never changes" in edited.err
    assert load_episode(show, "yksi").media == media
    assert (show / media.path).read_bytes() == bytes_before
    assert run("publish", "--now", NOW).code == 0
    feed = feedparser.parse((show / "public" / "feed.xml").read_bytes())
    assert feed.entries[0].title == "Korjattu otsikko"


def test_replace_keeps_the_guid_and_changes_the_enclosure(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    assert run("publish", "--now", NOW).code == 0
    old = load_episode(show, "yksi")
    replaced = run("replace", "yksi", sources / "take2.flac")
    assert replaced.code == 0, replaced.err
    new = load_episode(show, "yksi")
    assert new.guid == old.guid and new.title == old.title
    assert new.media is not None and old.media is not None
    assert new.media.path != old.media.path and new.media.size_bytes != old.media.size_bytes
    assert run("publish", "--now", NOW).code == 0
    feed = feedparser.parse((show / "public" / "feed.xml").read_bytes())
    entry = feed.entries[0]
    assert entry.id == old.guid
    assert entry.enclosures[0].href.endswith(new.media.key)
    assert int(entry.enclosures[0].length) == new.media.size_bytes


def test_replace_before_publishing_removes_the_old_file(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    old = load_episode(show, "yksi").media
    assert old is not None
    assert run("replace", "yksi", sources / "take2.flac").code == 0
    assert not (show / old.path).exists()


def test_remove_a_draft_leaves_no_file_of_it(show: Path, run: Run, sources: Path) -> None:
    before = tree(show)
    _add(run, sources / "take1.wav", "luonnos", "--draft")
    removed = run("remove", "luonnos")
    assert removed.code == 0, removed.err
    assert tree(show) == before


def test_remove_refuses_a_published_episode_until_unpublished(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    assert run("publish", "--now", NOW).code == 0
    refused = run("remove", "yksi")
    assert refused.code == 1 and "unpublish" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert run("unpublish", "yksi").code == 0
    withdrawn = run("remove", "yksi")
    assert withdrawn.code == 1 and "run 'kotocast publish' first" in withdrawn.err
    assert "unpublish" not in withdrawn.err
    assert run("publish", "--now", NOW).code == 0  # withdrawing the last one goes out
    assert run("remove", "yksi").code == 0
    assert not (show / "episodes" / "yksi.toml").exists()


def test_add_with_an_existing_slug_says_how_to_change_it(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    again = run("add", sources / "take2.flac", "--title", "Toinen", "--slug", "yksi")
    assert again.code == 1
    assert "kotocast edit yksi" in again.err and "kotocast replace yksi" in again.err


def test_duplicate_number_refused_before_encoding_unless_forced(
    show: Path, run: Run, sources: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")  # number 1
    dup = run("add", sources / "take2.flac", "--title", "Kaksi", "--number", "1")
    assert dup.code == 1 and "episode 1 is already 'yksi'" in dup.err
    assert not list((show / "media").glob("kaksi*"))
    forced = run("add", sources / "take2.flac", "--title", "Kaksi", "--number", "1", "--force")
    assert forced.code == 0, forced.err
    edit = run("edit", "kaksi", "--number", "1")
    assert edit.code == 0  # unchanged value: nothing to check
    _add(run, sources / "take1.wav", "kolme")  # number 2 (the next after 1)
    assert load_episode(show, "kolme").number == 2
    clash = run("edit", "kolme", "--number", "1")
    assert clash.code == 1 and "episode 1 is already" in clash.err
    assert run("edit", "kolme", "--number", "1", "--force").code == 0


@pytest.mark.parametrize(
    ("name", "vcodec", "acodec"),
    [("teams.mp4", "libx264", "aac"), ("obs.mkv", "libx264", "libopus")],
)
def test_video_call_recordings_become_audio_episodes(
    show: Path, run: Run, sources: Path, tmp_path: Path, name: str, vcodec: str, acodec: str
) -> None:
    recording = tmp_path / name
    mediagen._ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=15", "-i", str(sources / "take1.wav"),
        "-map", "0:v", "-map", "1:a", "-c:v", vcodec, "-pix_fmt", "yuv420p", "-c:a", acodec,
        "-shortest", str(recording),
    )  # fmt: skip
    added = run("add", recording, "--title", "Haastattelu", "--slug", "haastattelu")
    assert added.code == 0, added.err
    assert "video recording: using its audio" in added.err
    episode = load_episode(show, "haastattelu")
    assert episode.media is not None and episode.media.mime_type == "audio/mpeg"
    assert episode.media.duration_s == pytest.approx(5.0, abs=0.3)


def test_chapter_past_the_end_fails_before_the_encode(
    show: Path, run: Run, sources: Path, tmp_path: Path
) -> None:
    chapters = tmp_path / "chapters.txt"
    chapters.write_text("00:00 Alku\n00:40 Liian myöhään\n", encoding="utf-8")
    done = run("add", sources / "take1.wav", "--title", "Luvut", "--chapters", chapters)
    assert done.code == 1
    assert re.search(r"chapter starts at 40 s, after the episode ends \(5 s\)", done.err), done.err
    assert not (show / "media").exists() or not list((show / "media").iterdir())


def test_released_early_stays_released_on_the_real_clock(
    show: Path, run: Run, sources: Path
) -> None:
    # The producer "previews" a scheduled episode with a future --now: it is really released.
    _add(run, sources / "take1.wav", "yksi")
    done = run("add", sources / "take2.flac", "--title", "Tuleva", "--slug", "tuleva",
               "--publish-at", "2030-01-01T09:00:00+02:00")  # fmt: skip
    assert done.code == 0, done.err
    early = run("publish", "--now", "2030-01-02T00:00:00Z")
    assert early.code == 0, early.err
    feed = (show / "public" / "feed.xml").read_bytes()
    assert b"Tuleva" in feed

    # The scheduled job on the real clock: succeeds and keeps the episode (no guard refusal).
    real = run("publish")
    assert real.code == 0, real.err
    assert "2 episodes in feed" in real.out and "nothing changed" in real.out
    assert (show / "public" / "feed.xml").read_bytes() == feed
    assert "next release" not in real.out  # the kept episode is not "upcoming"
    status = run("status")
    assert re.search(r"^tuleva\s+Tuleva\s+published", status.out, re.M), status.out
    again = run("publish")
    assert again.code == 0, again.err

    # Withdrawing is still the way out.
    assert run("unpublish", "tuleva").code == 0
    assert run("publish").code == 0
    assert b"Tuleva" not in (show / "public" / "feed.xml").read_bytes()


def test_now_is_hidden_from_publish_help(run: Run, show: Path) -> None:
    helped = run("publish", "--help")
    assert "--now" not in helped.out and "--allow-empty" in helped.out


def test_an_empty_feed_is_not_uploaded_unless_allowed(show: Path, run: Run, sources: Path) -> None:
    done = run("add", sources / "take1.wav", "--title", "Myöhemmin",
               "--publish-at", "2030-01-01T09:00:00+02:00")  # fmt: skip
    assert done.code == 0, done.err
    refused = run("publish")
    assert refused.code == 3
    assert "no episode is released yet" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert not (show / "public" / "feed.xml").exists()
    allowed = run("publish", "--allow-empty")
    assert allowed.code == 0, allowed.err
    assert "0 episodes in feed" in allowed.out


def test_status_full_slugs_titles_local_times_drafts_and_missing_media(
    show: Path, run: Run, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_slug = "tyonhaku-ja-kielitaito-osa-kaksi"
    done = run("add", sources / "take1.wav", "--title", "Työnhaku ja kielitaito, osa kaksi",
               "--slug", long_slug, "--publish-at", "2030-06-01T09:00:00+03:00")  # fmt: skip
    assert done.code == 0, done.err
    assert run("add", sources / "take2.flac", "--title", "Luonnos", "--slug", "luonnos",
               "--draft").code == 0  # fmt: skip
    _add(run, sources / "take1.wav", "rikki")
    broken = load_episode(show, "rikki").media
    assert broken is not None
    (show / broken.path).unlink()

    monkeypatch.setenv("COLUMNS", "80")
    narrow = run("status")
    assert narrow.code == 0, narrow.err
    row = next(line for line in narrow.out.splitlines() if line.startswith(long_slug + " "))
    assert "Työnhaku" in row and "…" in row  # the title gives way, the slug never

    monkeypatch.setenv("COLUMNS", "200")
    status = run("status")
    assert status.code == 0, status.err
    lines = {line.split()[0]: line for line in status.out.splitlines() if line.strip()}
    assert long_slug in lines  # whole, so 'kotocast edit <what status shows>' works
    assert "Työnhaku ja kielitaito, osa kaksi" in lines[long_slug]
    assert "2030-06-01 09:00 +03:00" in lines[long_slug]  # Helsinki summer time, as typed
    draft = lines["luonnos"].split()
    assert draft[2] == "draft" and draft[3] == "-"
    assert lines["rikki"].split()[3] == "broken"  # after "Jakso rikki"
    assert "next release: 2030-06-01 09:00 +03:00 (Europe/Helsinki)" in status.out
    assert run("edit", long_slug, "--title", "Lyhyempi").code == 0


def test_dc_offset_is_named_removed_or_refused_before_the_encode(
    show: Path, run: Run, sources: Path, tmp_path: Path
) -> None:
    offset = tmp_path / "offset.wav"
    mediagen._ffmpeg("-i", str(sources / "take1.wav"), "-af", "dcshift=0.25", "-c:a",
                     "pcm_s16le", str(offset))  # fmt: skip
    # The new show's speech chain has a high-pass: the offset is removed and said so.
    added = run("add", offset, "--title", "Vino", "--slug", "vino")
    assert added.code == 0, added.err
    assert "DC offset 0.25 of full scale" in added.err and "removed" in added.err
    # Without a speech chain nothing would remove it: refused, in those words, before encoding.
    config = show / "kotocast.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('preset = "interview"', 'preset = "none"'),
        encoding="utf-8",
    )
    refused = run("add", offset, "--title", "Vino 2", "--slug", "vino-2")
    assert refused.code == 1
    assert "DC offset 0.25 of full scale" in refused.err and "LUFS" not in refused.err
    assert not list((show / "media").glob("vino-2*"))


def test_preview_shows_a_future_episode_and_touches_nothing(
    show: Path, run: Run, sources: Path, tmp_path: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    done = run("add", sources / "take2.flac", "--title", "Tuleva", "--slug", "tuleva",
               "--publish-at", "2030-01-01T09:00:00+02:00")  # fmt: skip
    assert done.code == 0, done.err
    assert run("publish", "--now", NOW).code == 0
    before = tree(show)
    out = tmp_path / "esikatselu"
    previewed = run("preview", "--at", "2030-01-02T00:00:00Z", "--output", out)
    assert previewed.code == 0, previewed.err
    assert "2 episodes (tuleva, yksi)" in previewed.out
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert sorted(e.title for e in feed.entries) == ["Jakso yksi", "Tuleva"]
    for entry in feed.entries:
        key = entry.enclosures[0].href.removeprefix("https://media.example.org/viikko/")
        assert (out / key).is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Tuleva" in index and "<audio" in index
    assert tree(show) == before  # no state, no storage, no artwork cache
    assert b"Tuleva" not in (show / "public" / "feed.xml").read_bytes()
    # The next real publish is untouched by the preview.
    assert run("publish").code == 0
    inside = run("preview", "--output", show / "x")
    assert inside.code == 1 and "inside the show" in inside.err


def test_edit_image_and_transcript_before_publishing(
    show: Path, run: Run, sources: Path, tmp_path: Path
) -> None:
    _add(run, sources / "take1.wav", "yksi")
    cover = mediagen.make_cover(tmp_path / "jakso.png", 1400)
    vtt = tmp_path / "yksi.fi.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Tuottaja>Hei.\n", encoding="utf-8")
    edited = run("edit", "yksi", "--image", cover, "--transcript", vtt)
    assert edited.code == 0, edited.err
    episode = load_episode(show, "yksi")
    assert episode.image is not None and (show / episode.image.path).is_file()
    assert [t.language for t in episode.transcripts] == ["fi"]
    assert episode.media is not None
    apic = ID3(show / episode.media.path).getall("APIC")
    assert apic and apic[0].data == (show / episode.image.path).read_bytes()


def test_transcript_of_another_recording_fails_before_the_encode(
    show: Path, run: Run, sources: Path, tmp_path: Path
) -> None:
    vtt = tmp_path / "toinen.fi.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00.000 --> 00:02.000\nHei.\n\n09:58.000 --> 10:00.500\nKiitos.\n",
        encoding="utf-8",
    )
    done = run("add", sources / "take1.wav", "--title", "Väärä", "--transcript", vtt)
    assert done.code == 1
    assert f"--transcript {vtt}" in done.err and "last cue ends at 600 s" in done.err
    assert not (show / "media").exists() or not list((show / "media").iterdir())
