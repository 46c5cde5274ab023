"""Sparse loud events: the excerpt holds more of them than the programme, yet one encode lands.

The excerpt is 1 s chunks every ``period`` seconds. Here every loud knock sits inside one of
those chunks, so the excerpt holds four times the programme's share of them: its limiter loss
(knocks limited by ~15 dB) is far larger than the programme's. Taking the excerpt's loss as
the programme's lands the encode too loud and costs a second encode; the limiter model
(media.limiter_model) translates the loss block by block and lands on target at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from media.analysis import excerpt_select
from media.codecs import MONO_ENCODING
from media.encode import CORRECT_ABOVE_LU, AudioEncoding, normalize_audio
from media.loudness import MONO_TARGET
from tests import mediagen

pytestmark = pytest.mark.slow

SECONDS = 80.0


def knocks_in_the_excerpt(path: Path) -> Path:
    """Quiet mono speech (about -30 LUFS) with a full-scale knock inside every excerpt chunk."""
    select = excerpt_select(SECONDS)
    assert select == "lt(mod(t,4.000),1.000)"  # chunks [4k, 4k + 1): knocks at 4k + 0.4
    speech = mediagen._espeak_finnish()
    knock = (
        "0.9*(2*random(0)-1)*exp(-300*(mod(t,4)-0.4))*gte(mod(t,4),0.4)*lt(mod(t,4),0.42)*gte(t,3)"
    )
    graph = (
        "[0:a]aresample=48000,aformat=channel_layouts=mono,volume=-8dB[s];"
        f"aevalsrc='{knock}':s=48000:c=mono[k];"
        "[s][k]amix=inputs=2:normalize=0[out]"
    )
    mediagen._ffmpeg(
        *("-stream_loop", "-1", "-i", str(speech), "-filter_complex", graph, "-map", "[out]"),
        *("-t", str(SECONDS), "-c:a", "pcm_s16le", str(path)),
    )
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return knocks_in_the_excerpt(tmp_path_factory.mktemp("sparse") / "knocks.wav")


@pytest.mark.parametrize(
    "encoding", [MONO_ENCODING, AudioEncoding(bitrate_kbps=48, channels=1, codec="aac")]
)
def test_one_encode_lands_when_the_excerpt_over_represents_loud_events(
    source: Path, tmp_path: Path, encoding: AudioEncoding
) -> None:
    dst = tmp_path / ("out.m4a" if encoding.codec == "aac" else "out.mp3")
    result = normalize_audio([source], dst, MONO_TARGET, encoding)
    integrated, true_peak = mediagen.measure_ebur128(dst)
    assert result.prediction is not None
    # The limiter works hard here (otherwise the case proves nothing).
    assert result.prediction.limiter_loss_lu > 0.3, result.prediction
    assert integrated == pytest.approx(MONO_TARGET.integrated_lufs, abs=CORRECT_ABOVE_LU)
    assert true_peak <= MONO_TARGET.true_peak_dbtp
    assert result.passes == 1, result
