"""Files the passes write (excerpt, meter files) work under awkward temp and output paths.

ffmpeg reads their names inside filter graphs, where ``: , ' [ ] ;`` and backslashes mean
something; media.filtergraph.filter_path escapes them at both levels.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from media.encode import AudioEncoding, normalize_audio
from media.loudness import LoudnessTarget
from tests import mediagen

pytestmark = pytest.mark.slow

AWKWARD = "a:b,c'd [e];f\\g"


def test_awkward_temp_and_output_dirs(
    tmp_path: Path, speech_quiet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / f"tmp {AWKWARD}"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out_dir = tmp_path / f"out {AWKWARD}"
    out_dir.mkdir()
    dst = out_dir / "episode.mp3"
    result = normalize_audio([speech_quiet], dst, LoudnessTarget(), AudioEncoding())
    integrated, true_peak = mediagen.measure_ebur128(dst)
    assert integrated == pytest.approx(-16.0, abs=0.2) and true_peak <= -1.0
    assert result.passes == 1
    # The measured values came from the meter files (three decimals), not the 0.1 LU summary.
    assert result.prediction is not None
    assert round(result.prediction.programme_lufs, 1) != result.prediction.programme_lufs
    assert list(temp.iterdir()) == []
    assert [p.name for p in out_dir.iterdir()] == ["episode.mp3"]
