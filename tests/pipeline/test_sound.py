"""``[audio] preset``, ``add --track``, ``add --report`` and ``kotocast report`` end to end."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
import tomlkit
from PIL import Image

from episodes.show import load_show
from media.encode import MONO_ENCODING, normalize_audio
from media.loudness import MONO_TARGET
from pipeline.sound import load_turns
from tests import mediagen
from tests.media import speechgen

from .conftest import Run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def interview(tmp_path_factory: pytest.TempPathFactory) -> speechgen.Interview:
    return speechgen.make_interview(tmp_path_factory.mktemp("iv") / "interview.wav", n_turns=4)


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> speechgen.Tracks:
    return speechgen.make_tracks(tmp_path_factory.mktemp("tracks"), n_turns=4)


def _set_audio(workspace: Path, **values: object) -> None:
    path = workspace / "kotocast.toml"
    doc = tomlkit.parse(path.read_text())
    for key, value in values.items():
        if value is None:
            doc["audio"].pop(key, None)  # type: ignore[union-attr]
        else:
            doc["audio"][key] = value  # type: ignore[index]
    path.write_text(tomlkit.dumps(doc))


def _media(workspace: Path) -> Path:
    (mp3,) = (workspace / "media").glob("*.mp3")
    return mp3


def _turns(path: Path, layout: tuple[tuple[float, float, str], ...], tmp: Path) -> float:
    points = speechgen.short_term_lufs(path, tmp)
    per: dict[str, list[float]] = {"A": [], "B": []}
    for start, end, who in layout:
        if start > 9.0:  # after the intro's music bed
            per[who] += [v for t, v in points if start + 3 <= t <= end]
    return statistics.mean(per["A"]) - statistics.mean(per["B"])


def test_init_writes_interview_and_old_workspaces_get_none(show: Path) -> None:
    assert load_show(show).speech_preset == "interview"
    _set_audio(show, preset=None)
    assert load_show(show).speech_preset == "none"


def test_add_levels_the_guest_and_draws_the_report(
    show: Path, run: Run, interview: speechgen.Interview, tmp_path: Path
) -> None:
    result = run("add", interview.path, "--title", "Haastattelu", "--report")
    assert result.code == 0, result.err
    mp3 = _media(show)
    integrated, true_peak = mediagen.measure_ebur128(mp3)
    # A mono recording stays mono, mastered to -19 LUFS ([audio] mono_target_lufs).
    assert abs(integrated + 19.0) <= 0.3 + 1e-9 and true_peak <= -1.0
    assert abs(_turns(mp3, interview.turns, tmp_path)) <= 1.5
    (png,) = (show / "reports").glob("*.png")
    assert Image.open(png).size == (1200, 520)
    saved = json.loads(png.with_suffix(".json").read_text())
    assert saved["turns"] == [] and len(saved["before"]["lufs"]) > 100


def test_preset_none_sounds_as_before(
    show: Path, run: Run, interview: speechgen.Interview, tmp_path: Path
) -> None:
    _set_audio(show, preset=None)
    assert run("add", interview.path, "--title", "Vanha").code == 0
    plain = tmp_path / "plain.mp3"
    normalize_audio([interview.path], plain, MONO_TARGET, MONO_ENCODING)  # mono stays mono
    # Same samples as the normaliser without any chain (tags aside): the guest stays quiet.
    assert abs(_turns(_media(show), interview.turns, tmp_path)) > 5.0
    decoded = [speechgen.pcm_mono(p, 8000, 10.0, 5.0) for p in (_media(show), plain)]
    assert len(decoded[0]) == len(decoded[1]) > 0
    assert max(abs(a - b) for a, b in zip(*decoded, strict=True)) < 1e-6
    assert not (show / "reports").exists()


def test_add_tracks_mixes_names_the_speakers_and_reports(
    show: Path, run: Run, tracks: speechgen.Tracks
) -> None:
    result = run(
        "add",
        "--track",
        tracks.host,
        "--track",
        tracks.guest,
        "--person",
        "Aino:host",
        "--person",
        "Bashir:guest",
        "--title",
        "Kaksi mikrofonia",
        "--report",
    )
    assert result.code == 0, result.err
    (saved,) = (show / "reports").glob("*.json")
    turns = json.loads(saved.read_text())["turns"]
    assert [speaker for _, _, speaker in turns] == ["Aino", "Bashir", "Aino", "Bashir"]
    for (start, end, _), (want_start, want_end, _) in zip(turns, tracks.turns, strict=True):
        assert abs(start - want_start) < 0.6 and abs(end - want_end) < 0.9
    assert speechgen.duration_s(_media(show)) == pytest.approx(tracks.duration_s, abs=0.2)
    kept = load_turns(show, saved.stem)  # what transcripts' voice tags read
    assert [(t.start_s, t.end_s, t.speaker) for t in kept] == [tuple(t) for t in turns]

    again = run("report", saved.stem)
    assert again.code == 0, again.err
    assert Path(again.out.strip()).resolve() == saved.with_suffix(".png").resolve()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"preset": "podcast"}, r"kotocast.toml: \[audio\]: preset: unknown preset 'podcast'"),
        (
            {"speech": {"denoize_db": 6}},
            r"\[audio\]: speech: denoize_db: unknown setting \(did you mean 'denoise_db'\?\)",
        ),
    ],
)
def test_bad_speech_settings_are_one_line(
    show: Path, run: Run, media_dir: Path, change: dict[str, object], message: str
) -> None:
    _set_audio(show, **change)
    result = run("add", media_dir / "quiet.wav", "--title", "X")
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert __import__("re").search(message, result.err), result.err


def test_add_needs_media_or_tracks(show: Path, run: Run, media_dir: Path) -> None:
    assert run("add", "--title", "X").code == 2
    one = run("add", "--track", media_dir / "quiet.wav", "--title", "X")
    assert one.code == 1 and "--track" in one.err


def test_report_of_an_unknown_episode(show: Path, run: Run) -> None:
    result = run("report", "no-such-episode")
    assert result.code == 1 and "no-such-episode" in result.err


def test_tracks_are_for_audio_shows(
    show: Path, run: Run, tracks: speechgen.Tracks, media_dir: Path
) -> None:
    path = show / "kotocast.toml"
    doc = tomlkit.parse(path.read_text())
    doc["show"]["medium"] = "video"  # type: ignore[index]
    path.write_text(tomlkit.dumps(doc))
    result = run("add", "--track", tracks.host, "--track", tracks.guest, "--title", "X")
    assert result.code == 1 and "--track" in result.err and "audio shows" in result.err
