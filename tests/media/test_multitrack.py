"""Multitrack: two speaker tracks with 15 dB of bleed, mixed, normalised, graded on the MP3.

The host's microphone hears the guest from the call's loudspeaker 15 dB down and 0.4 s late
(and the guest's hears the host the same way), so right after each turn there is a stretch
where the mix holds nothing but the other microphone's bleed: that is where "gated out" is
measured. Levels are read with speechgen's meters on the published file.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from media.encode import AudioEncoding, NormalizeResult, normalize_audio
from media.loudness import LoudnessTarget
from media.multitrack import MixResult, bleed_db, mix_tracks, speaker_timeline
from media.speech import speech_settings
from tests import mediagen
from tests.media import speechgen

pytestmark = pytest.mark.slow

DELAY_S = 0.4


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> speechgen.Tracks:
    directory = tmp_path_factory.mktemp("tracks")
    return speechgen.make_tracks(directory, bleed_db=15.0, bleed_delay_s=DELAY_S, pause_s=1.2)


@pytest.fixture(scope="module")
def mixed(tracks: speechgen.Tracks) -> tuple[MixResult, Path, NormalizeResult]:
    mix = mix_tracks(
        [tracks.host, tracks.guest],
        tracks.host.with_name("mix.flac"),
        speech_settings("interview"),
        names=["Host", "Guest"],
    )
    mp3 = tracks.host.with_name("mix.mp3")
    return mix, mp3, normalize_audio([mix.path], mp3, LoudnessTarget(), AudioEncoding())


@pytest.fixture(scope="module")
def plain(tracks: speechgen.Tracks) -> Path:
    """The tracks summed as they are (what a mixer without gating would give)."""
    wav = tracks.host.with_name("plain.wav")
    speechgen._ffmpeg(
        "-i",
        str(tracks.host),
        "-i",
        str(tracks.guest),
        "-filter_complex",
        "amix=inputs=2:normalize=0:duration=longest",
        str(wav),
    )
    return wav


def _turns(path: Path, tracks: speechgen.Tracks, tmp: Path) -> dict[str, float]:
    points = speechgen.short_term_lufs(path, tmp)
    per: dict[str, list[float]] = {"A": [], "B": []}
    for start, end, who in tracks.turns:
        per[who] += [v for t, v in points if start + 3.0 <= t <= end]
    return {who: statistics.mean(v) for who, v in per.items()}


def _voice_ends(tracks: speechgen.Tracks) -> list[float]:
    """When each turn's voice really stops (espeak renders end in a little silence)."""
    ends = []
    for (wav, _), (start, _, _) in zip(
        speechgen.turn_files(len(tracks.turns)), tracks.turns, strict=True
    ):
        samples = speechgen.pcm_mono(wav, 8000)
        last = max(i for i, x in enumerate(samples) if abs(x) > 0.01)
        ends.append(start + last / 8000)
    return ends


def _bleed_re_turn(path: Path, tracks: speechgen.Tracks) -> float:
    """Level of the bleed-only stretch after each turn, relative to that turn (dB, mean)."""
    out = []
    for (start, _, _), voice_end in zip(tracks.turns[:-1], _voice_ends(tracks)[:-1], strict=True):
        turn = speechgen.rms_dbfs(speechgen.pcm_mono(path, 48000, start, voice_end - start))
        tail = speechgen.pcm_mono(path, 48000, voice_end + 0.1, DELAY_S - 0.15)
        out.append(speechgen.rms_dbfs(tail) - turn)
    return statistics.mean(out)


def test_turns_are_level(
    mixed: tuple[MixResult, Path, NormalizeResult],
    plain: Path,
    tracks: speechgen.Tracks,
    tmp_path: Path,
) -> None:
    before = _turns(plain, tracks, tmp_path)
    after = _turns(mixed[1], tracks, tmp_path)
    assert before["A"] - before["B"] > 6.0
    assert abs(after["A"] - after["B"]) <= 1.5


def test_bleed_is_gated_out(
    mixed: tuple[MixResult, Path, NormalizeResult], plain: Path, tracks: speechgen.Tracks
) -> None:
    ungated = _bleed_re_turn(plain, tracks)
    gated = _bleed_re_turn(mixed[1], tracks)
    assert -19.0 < ungated < -11.0  # the bleed really is there, about 15 dB down
    assert gated <= ungated - 20.0


def test_mix_is_normalised_and_as_long_as_the_longest_track(
    mixed: tuple[MixResult, Path, NormalizeResult], tracks: speechgen.Tracks
) -> None:
    integrated, true_peak = mediagen.measure_ebur128(mixed[1])
    # ebur128 prints one decimal: -15.7 is on the edge of -16 +- 0.3, not past it.
    assert abs(integrated + 16.0) <= 0.3 + 1e-9
    assert true_peak <= -1.0
    assert mixed[2].duration_s == pytest.approx(tracks.duration_s, abs=0.1)
    assert speechgen.duration_s(mixed[1]) == pytest.approx(tracks.duration_s, abs=0.1)


def test_speaker_timeline_follows_the_turns(
    mixed: tuple[MixResult, Path, NormalizeResult], tracks: speechgen.Tracks
) -> None:
    found = mixed[0].turns
    assert [t.speaker for t in found] == [
        "Host" if who == "A" else "Guest" for _, _, who in tracks.turns
    ]
    for turn, (start, end, _) in zip(found, tracks.turns, strict=True):
        assert turn.start_s == pytest.approx(start, abs=0.5)
        assert turn.end_s == pytest.approx(end, abs=0.8)


def test_bleed_ratio_is_measured_from_aligned_blocks() -> None:
    own = [-20.0, -21.0, -60.0, -20.5, -19.0, -60.0, -22.0, -20.0, -60.0, -21.0]
    other = [v - 15.0 if v > -40 else -30.0 for v in own]
    assert bleed_db(own, other) == pytest.approx(-15.0)
    assert bleed_db([], []) == -15.0  # nothing to measure: the usual figure


def test_timeline_drops_blips_and_joins_a_speakers_pauses(tmp_path: Path) -> None:
    """Frames: host 2 s, guest blip 0.2 s, silence, guest 2 s with a 1 s pause inside."""
    host = [-24.0] * 20 + [-60.0] * 2 + [-60.0] * 5 + [-60.0] * 10 + [-60.0] * 10 + [-60.0] * 10
    guest = [-40.0] * 20 + [-24.0] * 2 + [-60.0] * 5 + [-24.0] * 10 + [-60.0] * 10 + [-24.0] * 10
    paths = []
    for name, values in (("h", host), ("g", guest)):
        path = tmp_path / f"{name}.txt"
        path.write_text(
            "".join(
                f"frame:{i} pts:{i * 4800} pts_time:{i / 10}\nlavfi.astats.Overall.RMS_level={v}\n"
                for i, v in enumerate(values)
            )
        )
        paths.append(path)
    turns = speaker_timeline(paths, ["Host", "Guest"])
    assert [(t.speaker, t.start_s, t.end_s) for t in turns] == [
        ("Host", 0.0, 2.0),
        ("Guest", 2.7, 5.7),
    ]


def test_one_track_is_refused(tracks: speechgen.Tracks, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least two tracks"):
        mix_tracks([tracks.host], tmp_path / "m.flac", speech_settings("interview"))
