"""Speech presets as data, the chain they build, and hum detection on generated hum."""

from __future__ import annotations

import array
import math
import random
import tomllib
from pathlib import Path

import pytest

from media.errors import MediaError
from media.hum import detect_hum
from media.speech import (
    EXCERPT_S,
    EXCERPTS,
    PRESETS_FILE,
    PresetInvalid,
    SpeechProbe,
    build_chain,
    load_presets,
    prepare_speech,
    probe_speech,
    speech_settings,
)
from tests.media import speechgen

PROBE = SpeechProbe(speech_dbfs=-24.0, noise_dbfs=-55.0, hum=None, seconds_read=60.0)


def test_presets_are_data_with_none_and_interview() -> None:
    presets = load_presets()
    assert {"none", "interview"} <= set(presets)
    assert presets["none"].is_off
    assert build_chain(presets["none"], None) is None
    assert not presets["interview"].is_off


def test_every_step_can_be_switched_off() -> None:
    full = build_chain(speech_settings("interview"), PROBE)
    assert full is not None
    for step, override in [
        ("highpass=", {"highpass_hz": 0}),
        ("afftdn=", {"denoise_db": 0}),
        ("compand=", {"leveler": False}),
        ("agate=", {"gate": False}),
    ]:
        assert step in full
        chain = build_chain(speech_settings("interview", override), PROBE)
        assert chain is not None and step not in chain
    deessed = build_chain(speech_settings("interview", {"deess": True}), PROBE)
    assert deessed is not None and "deesser=" in deessed


def test_forced_mains_notches_every_harmonic() -> None:
    chain = build_chain(speech_settings("none", {"hum": "60", "hum_max_harmonics": 3}), PROBE)
    assert chain is not None
    assert [part.split(":")[0] for part in chain.split(",")] == [
        "bandreject=f=60.000",
        "bandreject=f=120.000",
        "bandreject=f=180.000",
    ]


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("interveiw", None, r"preset: unknown preset 'interveiw' \(did you mean 'interview'\?\)"),
        (
            "interview",
            {"denoize_db": 6},
            r"denoize_db: unknown setting \(did you mean 'denoise_db'",
        ),
        ("interview", {"leveler": "yes"}, r"leveler: expected bool"),
        ("interview", {"denoise_db": 99}, r"denoise_db: 99.0 is outside 0.0..40.0"),
        ("interview", {"hum": "55"}, r"hum: expected one of auto, off, 50, 60"),
    ],
)
def test_bad_settings_name_the_field(preset: str, overrides: dict | None, message: str) -> None:
    with pytest.raises(PresetInvalid, match=message):
        speech_settings(preset, overrides, where="kotocast.toml: [audio]")
    assert issubclass(PresetInvalid, MediaError)


def test_presets_file_ships_inside_the_media_package() -> None:
    # hatch packages everything under media/ that git tracks; the table must live there.
    assert PRESETS_FILE.parent.parent.name == "media"
    assert PRESETS_FILE.is_file()


def test_wheel_config_takes_the_presets_along() -> None:
    """hatch puts every file of a listed package into the wheel, unless excluded."""
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "media" in wheel["packages"]
    build = config["tool"]["hatch"]["build"]
    assert not wheel.get("exclude") and not build.get("exclude")
    assert not wheel.get("only-include") and not build.get("only-include")


def _hum_source(path: Path, mains: float, seconds: float = 20.0) -> Path:
    """Speech (looped espeak turns) over noise and hum at ``mains`` Hz with three harmonics."""
    speechgen._ffmpeg(
        "-stream_loop",
        "-1",
        "-i",
        str(speechgen.turn_files(1)[0][0]),
        "-filter_complex",
        f"[0:a]aresample=48000,volume=-6dB[s];"
        f"aevalsrc='0.004*(sin(2*PI*{mains}*t)+0.7*sin(2*PI*{2 * mains}*t)"
        f"+0.6*sin(2*PI*{3 * mains}*t))':s=48000:d={seconds}[h];"
        f"anoisesrc=color=pink:r=48000:amplitude=0.01:seed=3:d={seconds}[n];"
        f"[s][h][n]amix=inputs=3:normalize=0:duration=shortest[m]",
        "-map",
        "[m]",
        "-t",
        str(seconds),
        str(path),
    )
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mains", [50.0, 60.0, 50.3, 59.8])
def test_hum_is_detected_not_assumed(tmp_path: Path, mains: float) -> None:
    src = _hum_source(tmp_path / "hum.wav", mains)
    probe = probe_speech(src, duration_s=20.0)
    assert probe.hum is not None
    assert probe.hum.mains_hz == pytest.approx(mains, abs=0.05)
    assert [round(f / probe.hum.mains_hz) for f in probe.hum.harmonics_hz][:3] == [1, 2, 3]
    assert all(abs(f - k * mains) < 0.2 for k, f in enumerate(probe.hum.harmonics_hz[:3], 1))


@pytest.mark.slow
def test_no_hum_no_notch(tmp_path: Path) -> None:
    src = tmp_path / "clean.wav"
    speechgen._ffmpeg("-i", str(speechgen.turn_files(1)[0][0]), "-ar", "48000", "-t", "5", str(src))
    chain = prepare_speech(src, speech_settings("interview"), duration_s=5.0)
    assert chain.probe is not None
    hum = chain.probe.hum  # the probe notes weak lines too; none reaches the preset's 10 dB
    assert hum is None or max(hum.prominence_db) < 10.0
    assert chain.filter is not None and "bandreject" not in chain.filter


@pytest.mark.slow
def test_probe_reads_excerpts_of_a_long_file(tmp_path: Path) -> None:
    """Probe cost does not grow with length: a long file is read as a few short excerpts."""
    src = _hum_source(tmp_path / "long.flac", 50.0, seconds=400.0)
    probe = probe_speech(src, duration_s=400.0)
    assert probe.seconds_read == pytest.approx(EXCERPTS * EXCERPT_S, abs=1.0)
    assert probe.hum is not None and probe.hum.mains_hz == pytest.approx(50.0, abs=0.05)


@pytest.mark.slow
def test_mono_source_runs_the_chain_once_with_the_same_result(tmp_path: Path) -> None:
    from media.encode import AudioEncoding, normalize_audio
    from media.loudness import LoudnessTarget

    src = _hum_source(tmp_path / "mono.wav", 50.0, seconds=8.0)
    settings = speech_settings("interview")
    outs = []
    told = prepare_speech(src, settings, duration_s=8.0, source_channels=1)
    found = prepare_speech(src, settings, duration_s=8.0)  # the probe finds it dual mono
    assert found.probe is not None and found.probe.dual_mono
    both = build_chain(settings, found.probe)  # what it would run on each channel
    for name, chain in (("told", told.filter), ("found", found.filter), ("both", both)):
        assert chain is not None
        assert chain.startswith("pan=mono") == (name != "both")
        dst = tmp_path / f"out-{name}.mp3"
        normalize_audio([src], dst, LoudnessTarget(), AudioEncoding(), pre_filter=chain)
        outs.append(speechgen.pcm_mono(dst, 8000))
    assert outs[0] == outs[1]
    assert len(outs[0]) == len(outs[2])
    assert max(abs(a - b) for a, b in zip(outs[0], outs[2], strict=True)) < 1e-3


@pytest.mark.parametrize(
    ("speech_dbfs", "noise_dbfs"), [(-24.0, -120.0), (-3.0, -40.0), (-90.0, -120.0), (-65.0, -70.0)]
)
def test_leveler_curve_always_rises(speech_dbfs: float, noise_dbfs: float) -> None:
    """Digital silence (no noise floor), a clipped or a near-silent recording: compand's
    points must still rise, or ffmpeg refuses the whole chain."""
    probe = SpeechProbe(speech_dbfs, noise_dbfs, None, 10.0)
    chain = build_chain(speech_settings("interview", {"leveler_range_db": 30.0}), probe)
    assert chain is not None
    points = chain.split("points=")[1].split(",")[0].split(":")[0].split("|")
    inputs = [float(p.split("/")[0]) for p in points]
    assert inputs == sorted(inputs) and len(set(inputs)) == len(inputs)
    assert inputs[0] == -90.0 and inputs[-1] == 0.0


@pytest.mark.slow
def test_digital_silence_between_sentences(tmp_path: Path) -> None:
    from media.loudness import measure_loudness

    src = tmp_path / "silences.wav"
    turn = speechgen.turn_files(1)[0][0]
    speechgen._ffmpeg(
        "-i",
        str(turn),
        "-i",
        str(turn),
        "-filter_complex",
        "[0:a]apad=pad_dur=3[a];[a][1:a]concat=n=2:v=0:a=1,aresample=48000",
        str(src),
    )
    chain = prepare_speech(src, speech_settings("interview"), duration_s=speechgen.duration_s(src))
    assert chain.probe is not None and chain.probe.noise_dbfs < -100  # really digital silence
    heard = measure_loudness(src, channels=2, sample_rate_hz=44100, pre_filter=chain.filter)
    assert heard.integrated_lufs > -40


def _tones(freqs: list[float], seconds: int = 12, rate: int = 1024) -> array.array:
    rng = random.Random(5)
    return array.array(
        "f",
        (
            sum(0.01 * math.sin(2 * math.pi * f * i / rate) for f in freqs) + rng.gauss(0.0, 0.003)
            for i in range(seconds * rate)
        ),
    )


def test_one_line_is_not_hum_two_harmonics_are() -> None:
    assert detect_hum(_tones([240.0]), 1024) is None  # a held note, a steady voice
    hum = detect_hum(_tones([50.0, 100.0]), 1024)
    assert hum is not None and hum.mains_hz == pytest.approx(50.0, abs=0.05)
    assert detect_hum(array.array("f", bytes(4 * 12 * 1024)), 1024) is None  # digital silence
