"""Adding and replacing variants; bad input leaves the workspace exactly as it was."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from episodes.catalog import load_episode
from episodes.errors import FieldInvalid
from media.captions import CaptionsInvalid
from media.errors import MediaError, NoAudioStream, ProbeFailed, UnsupportedMedia
from pipeline.add import AddRequest, add_episode
from pipeline.publish import publish
from pipeline.status import render_status_table, show_status
from tests import mediagen

from .conftest import NOW, Series, copy_workspace, write_captions

pytestmark = pytest.mark.slow


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (staging included) with its content hash."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def workspace(series: Series, tmp_path: Path) -> Path:
    return copy_workspace(series.workspace, tmp_path / "ws")


def test_replacing_a_variant_keeps_the_guid_and_gets_a_new_key(
    workspace: Path, series: Series, vp9_video: Path, tmp_path: Path
) -> None:
    before = load_episode(workspace, "terveys")
    old = next(v for v in before.variants if v.language == "fi")
    # A different source for the same language: new content, so a new key.
    result = add_episode(
        workspace,
        AddRequest(
            media=vp9_video,
            slug="terveys",
            language="fi",
            title="Uusi versio",
        ),
        now=NOW,
    )
    assert result.replaced
    after = load_episode(workspace, "terveys")
    new = next(v for v in after.variants if v.language == "fi")
    assert after.guid == before.guid
    assert [v.language for v in after.variants] == ["fi", "ar"]
    assert new.media.key != old.media.key
    assert (workspace / old.media.path).exists()  # the old object stays
    assert after.title == "Uusi versio"  # fi is the main language


def test_adding_a_language_appends_a_variant_in_series_order(
    workspace: Path, h264_video: Path
) -> None:
    result = add_episode(
        workspace,
        AddRequest(
            media=h264_video,
            slug="terveys",
            language="en",
            title="Health care",
        ),
        now=NOW,
    )
    assert not result.replaced
    episode = load_episode(workspace, "terveys")
    assert [v.language for v in episode.variants] == ["fi", "en", "ar"]


def test_republish_after_replacement_passes_the_guard(
    workspace: Path, series: Series, vp9_video: Path, tmp_path: Path
) -> None:
    import shutil

    shutil.copytree(series.public, workspace / "public")
    add_episode(
        workspace,
        AddRequest(
            media=vp9_video,
            slug="terveys",
            language="fi",
            title="Uusi versio",
        ),
        now=NOW,
    )
    result = publish(workspace, now=NOW)
    assert result.changed
    feed = (workspace / "public/feeds/fi.xml").read_text(encoding="utf-8")
    assert "Uusi versio" in feed


def test_srt_captions_are_published_as_webvtt(series: Series) -> None:
    ar = series.added["ar"].variant
    [ar_caps] = [c for c in ar.transcripts if c.language == "ar"]
    text = (series.public / ar_caps.asset.key).read_text(encoding="utf-8")
    assert ar_caps.asset.key.endswith(".vtt") and ar_caps.asset.mime_type == "text/vtt"
    assert text.startswith("WEBVTT\n") and "00:00:00.000 --> 00:00:01.500" in text


def _bad_inputs(tmp: Path, h264: Path) -> dict[str, tuple[AddRequest, type[Exception], str]]:
    silent = tmp / "silent.mp4"
    mediagen.make_video(silent, 2, with_audio=False)
    garbage = tmp / "corrupt.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(4000))
    truncated = mediagen.truncate_file(h264, tmp / "truncated.mp4", 0.4)
    audio_only = mediagen.make_tone(tmp / "tone.wav", 2)
    not_captions = tmp / "notes.fi.vtt"
    not_captions.write_text("just some notes, no cues\n", encoding="utf-8")
    binary_captions = tmp / "subs.srt"
    binary_captions.write_bytes(b"\xff\xfe\x00garbage")
    ok = write_captions(tmp / "ok.vtt", "moi")

    def req(media: Path = h264, **kw: object) -> AddRequest:
        fields: dict[str, object] = {"slug": "terveys", "language": "fi", "title": "T"}
        fields.update(kw)
        return AddRequest(media=media, **fields)  # type: ignore[arg-type]

    return {
        "no audio": (req(silent), NoAudioStream, "silent.mp4: no audio stream"),
        "corrupt": (req(garbage), ProbeFailed, "corrupt.mp4: cannot read media"),
        "truncated": (req(truncated), ProbeFailed, "truncated.mp4"),
        "audio only": (req(audio_only), UnsupportedMedia, "tone.wav: unsupported media"),
        "captions not vtt/srt": (
            req(transcripts=(ok, not_captions)),
            CaptionsInvalid,
            "notes.fi.vtt: captions: neither WebVTT nor SubRip",
        ),
        "captions binary": (
            req(transcripts=(binary_captions,)),
            CaptionsInvalid,
            "subs.srt: captions: not UTF-8",
        ),
        "language not configured": (
            req(language="de"),
            FieldInvalid,
            "--language: 'de' is not one of the show's languages",
        ),
        "language not a tag": (req(language="fi_FI_x!"), FieldInvalid, "--language"),
    }


def test_bad_input_fails_cleanly_and_changes_nothing(
    workspace: Path, h264_video: Path, tmp_path: Path
) -> None:
    cases = _bad_inputs(tmp_path, h264_video)
    before = snapshot(workspace)
    for name, (request, error, message) in cases.items():
        with pytest.raises(error) as caught:
            add_episode(workspace, request, now=NOW)
        text = str(caught.value)
        assert message in text, (name, text)
        assert "\n" not in text, name
        assert snapshot(workspace) == before, name


def test_errors_are_media_or_catalog_errors() -> None:
    assert issubclass(CaptionsInvalid, MediaError)


def test_coverage_matrix(workspace: Path, h264_video: Path) -> None:
    add_episode(
        workspace,
        AddRequest(
            media=h264_video,
            slug="asuminen",
            language="en",
            title="Housing",
            publish_at="2026-04-01T09:00:00+03:00",
        ),
        now=NOW,
    )
    report = show_status(workspace, now=NOW)
    cells = {
        r.slug: {v.language: (v.state, v.has_text) for v in r.variants} for r in report.episodes
    }
    assert cells["terveys"] == {
        "fi": ("published", True),
        "en": ("missing", False),
        "ar": ("published", True),
    }
    assert cells["asuminen"] == {
        "fi": ("missing", False),
        "en": ("scheduled", False),
        "ar": ("missing", False),
    }
    table = render_status_table(report)
    assert "scheduled*" in table and "captions missing" in table
