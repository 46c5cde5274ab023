"""measure_loudness and the ebur128 summary parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from media.errors import EncodeFailed
from media.loudness import (
    measure_loudness,
    parse_ebur128_summaries,
    parse_true_peaks,
    true_peak_filter,
)
from tests import mediagen

SUMMARY = """\
[Parsed_ebur128_0 @ 0x55d0c1a2b3c0] Summary:

  Integrated loudness:
    I:         -30.0 LUFS
    Threshold: -40.5 LUFS

  Loudness range:
    LRA:         4.4 LU
    Threshold:  -50.5 LUFS
    LRA low:   -33.0 LUFS
    LRA high:  -28.6 LUFS

  True peak:
    Peak:      -13.6 dBFS
[Parsed_ebur128_3 @ 0x55d0c1a2b400] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  Sample peak:
    Peak:       -inf dBFS
"""


def test_parser_reads_every_summary_by_instance() -> None:
    found = parse_ebur128_summaries(SUMMARY.splitlines())
    assert sorted(found) == [0, 3]
    assert (found[0].integrated_lufs, found[0].true_peak_dbtp, found[0].lra_lu) == (
        -30.0,
        -13.6,
        4.4,
    )
    assert found[3].integrated_lufs == -70.0
    assert found[3].true_peak_dbtp == float("-inf")


def test_parser_ignores_noise() -> None:
    assert parse_ebur128_summaries(["Input #0, wav", "  Peak: 3 dBFS"]) == {}


@pytest.mark.slow
def test_measure_agrees_with_an_independent_meter(speech_quiet: Path) -> None:
    loudness = measure_loudness(speech_quiet)
    assert (loudness.integrated_lufs, loudness.true_peak_dbtp) == mediagen.measure_ebur128(
        speech_quiet
    )


@pytest.mark.slow
def test_surround_is_measured_after_the_downmix(speech_51: Path) -> None:
    as_51 = measure_loudness(speech_51)
    as_stereo = measure_loudness(speech_51, channels=2)
    # Same programme, different channel sets: both plausible, and the call honours channels.
    assert as_51.integrated_lufs == pytest.approx(-20.0, abs=0.5)
    assert -40 < as_stereo.integrated_lufs < -10


@pytest.mark.slow
def test_joined_sources_are_measured_together(speech_quiet: Path, intro_jingle: Path) -> None:
    alone = measure_loudness(speech_quiet, true_peak=False)
    joined = measure_loudness(speech_quiet, sources=[intro_jingle, speech_quiet], true_peak=False)
    assert joined.integrated_lufs != alone.integrated_lufs


@pytest.mark.slow
def test_measure_failure_names_the_file(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.wav"
    bogus.write_text("nope")
    with pytest.raises(EncodeFailed, match=r"bogus\.wav: loudness measurement failed"):
        measure_loudness(bogus)


@pytest.mark.parametrize(
    ("codec", "suffix", "rate"),
    [("libmp3lame", "mp3", 44100), ("aac", "m4a", 44100), ("libmp3lame", "mp3", 48000)],
)
def test_true_peak_meter_reads_as_ebur128_even_over_full_scale(
    tmp_path: Path, speech_loud_clipped: Path, codec: str, suffix: str, rate: int
) -> None:
    """The output check's 4x meter: ebur128's figure (printed to 0.1 dB), overs included."""
    encoded = tmp_path / f"hot.{suffix}"
    mediagen._ffmpeg("-i", str(speech_loud_clipped), "-af", "volume=4dB", "-ar", str(rate),
                     "-c:a", codec, "-b:a", "96k", str(encoded))  # fmt: skip
    graph = (
        f"[0:a]asplit[a][b];[a]ebur128=peak=true:framelog=verbose[x];[b]{true_peak_filter(rate)}[y]"
    )
    err = mediagen._run(
        [mediagen.FFMPEG, "-hide_banner", "-nostats", "-i", str(encoded), "-filter_complex",
         graph, "-map", "[x]", "-f", "null", "-", "-map", "[y]", "-f", "null", "-"]
    ).stderr.splitlines()  # fmt: skip
    reference = next(iter(parse_ebur128_summaries(err).values())).true_peak_dbtp
    ours = parse_true_peaks(err)
    assert len(ours) == 1
    peak = next(iter(ours.values()))
    assert reference > 1.0  # far over full scale: an integer format would read 0.0
    assert peak == pytest.approx(reference, abs=0.1)
