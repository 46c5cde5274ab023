"""``pre_filter``: one audio filter chain that runs inside both passes of normalize_audio.

Graded on the published file with the independent meter in ``tests.mediagen``: a pre-filter
that removes most of the loudness (a 3 kHz high-pass on speech) still lands on the target in
one encode only if the measurement pass heard it too; and it must touch the body only.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from media.encode import AudioEncoding, normalize_audio
from media.errors import EncodeFailed
from media.filtergraph import check_pre_filter
from media.loudness import LoudnessTarget, measure_loudness
from tests import mediagen

pytestmark = pytest.mark.slow

STEREO = LoudnessTarget()
HIGHPASS = "highpass=f=2000,highpass=f=2000"


def _band_lufs(path: Path, start_s: float, length_s: float, band: str) -> float:
    """Integrated loudness of ``path`` between two times after a filter, measured here."""
    out = subprocess.run(
        [
            mediagen.FFMPEG,
            "-hide_banner",
            "-nostdin",
            "-ss",
            str(start_s),
            "-t",
            str(length_s),
            "-i",
            str(path),
            "-af",
            f"{band},ebur128=framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    summary = out[out.rindex("Summary:") :]
    return float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))  # type: ignore[union-attr]


def test_pre_filter_is_measured_and_encoded_in_one_pass(tmp_path: Path, speech_quiet: Path) -> None:
    plain = measure_loudness(speech_quiet, true_peak=False)
    filtered = measure_loudness(speech_quiet, true_peak=False, pre_filter=HIGHPASS)
    # The chain really removes loudness, so a pass that skipped it would miss by several LU.
    assert plain.integrated_lufs - filtered.integrated_lufs > 6.0
    dst = tmp_path / "hp.mp3"
    result = normalize_audio([speech_quiet], dst, STEREO, AudioEncoding(), pre_filter=HIGHPASS)
    integrated, true_peak = mediagen.measure_ebur128(dst)
    assert integrated == pytest.approx(-16.0, abs=0.5)
    assert true_peak <= -1.0
    assert result.passes == 1
    assert result.before.integrated_lufs == pytest.approx(filtered.integrated_lufs, abs=0.2)
    # The published audio is high-passed: little energy left below 1 kHz.
    low = _band_lufs(dst, 0.0, 6.0, "lowpass=f=500,lowpass=f=500")
    assert low < integrated - 15.0


def test_pre_filter_touches_the_body_only(
    tmp_path: Path, speech_quiet: Path, intro_jingle: Path
) -> None:
    # The intro is a 523 Hz tone: a 3 kHz high-pass on it would leave next to nothing.
    dst = tmp_path / "joined.mp3"
    normalize_audio(
        [intro_jingle, speech_quiet],
        dst,
        STEREO,
        AudioEncoding(),
        crossfade_s=0.5,
        pre_filter=HIGHPASS,
        body_index=1,
    )
    intro_low = _band_lufs(dst, 0.0, 2.0, "lowpass=f=1000")
    body_low = _band_lufs(dst, 4.0, 4.0, "lowpass=f=500,lowpass=f=500")
    assert intro_low > -30.0
    assert body_low < intro_low - 15.0


def test_graph_syntax_in_pre_filter_is_refused() -> None:
    assert check_pre_filter(None) is None
    assert check_pre_filter("  ") is None
    assert check_pre_filter(" highpass=f=80, ") == "highpass=f=80"
    for bad in ("highpass=f=80[x]", "anull;[0:a]anull"):
        with pytest.raises(ValueError, match="pre_filter"):
            check_pre_filter(bad)


def test_unknown_filter_is_an_encode_failure(tmp_path: Path, speech_quiet: Path) -> None:
    with pytest.raises(EncodeFailed, match=r"quiet\.wav"):
        normalize_audio(
            [speech_quiet], tmp_path / "x.mp3", STEREO, AudioEncoding(), pre_filter="nosuchfilter"
        )
    assert not list(tmp_path.iterdir())
