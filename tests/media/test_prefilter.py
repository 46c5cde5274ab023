"""The pre-filter (speech chain) runs once, in two halves on two cores, into a raw file.

Checked on real ffmpeg output: the halves join sample-exactly (same length as one run, the
first half bit-identical, the second within -40 dB of one run once its pre-roll settled the
stateful filters: afftdn's running noise minimum keeps it about -45 dB under the signal,
inaudible under the recording's own noise); a dual-mono stereo recording gets the chain once
on its sum; the processing file lives beside the output and is gone afterwards.
"""

from __future__ import annotations

import array
import math
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from media import prefilter
from media.analysis import analyse
from media.encode import AudioEncoding, normalize_audio
from media.errors import EncodeFailed
from media.filtergraph import RawAudio, build_join_graph
from media.limiter_model import Blocks
from media.loudness import LoudnessTarget
from media.prefilter import Processed
from media.speech import prepare_speech, probe_speech, speech_settings
from tests import mediagen

pytestmark = pytest.mark.slow

RATE = 44100
# Every stateful step of the interview chain: biquads, the denoiser, leveler and expander.
CHAIN = (
    "highpass=f=80,highpass=f=80,bandreject=f=50:width_type=h:width=3,afftdn=nr=20:nf=-50,"
    "compand=attacks=0.3:decays=1:points=-90/-90|-50/-40|-20/-20|0/-10,"
    "agate=threshold=0.003:range=0.1:ratio=3:attack=10:release=300"
)


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """70 s of stereo speech: long enough to be split in two halves."""
    folder = tmp_path_factory.mktemp("prefilter")
    return mediagen.make_speech(folder / "long.wav", 70.0, -28.0)


def _samples(raw: RawAudio) -> array.array[float]:
    samples = array.array("f")
    samples.frombytes(raw.path.read_bytes())
    return samples


def _rms(values: array.array[float] | list[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in values) / max(1, len(values)))


def _process(src: Path, work: Path, *, parallel: bool, measure: bool = False) -> Processed:
    work.mkdir()
    return prefilter.process_body(
        src,
        CHAIN,
        channels=2,
        sample_rate_hz=RATE,
        duration_s=70.0,
        workdir=work,
        parallel=parallel,
        measure=measure,
    )


def test_two_halves_join_sample_exactly(tmp_path: Path, long_speech: Path) -> None:
    one = _process(long_speech, tmp_path / "one", parallel=False).audio
    two = _process(long_speech, tmp_path / "two", parallel=True).audio
    a, b = _samples(one), _samples(two)
    assert len(a) == len(b) == 70 * RATE * 2
    seam = round(35.0 * RATE) * 2  # interleaved stereo
    # The first half is the same computation on the same samples.
    assert a[:seam] == b[:seam]
    # Past the seam the second half's filters had 10 s to settle: no click, no level step
    # (afftdn alone leaves a -45 dB difference: it never forgets its noise minimum).
    after = slice(seam, seam + 2 * RATE * 2)
    diff = [x - y for x, y in zip(a[after], b[after], strict=True)]
    signal = _rms(a[after])
    assert signal > 1e-3
    assert 20 * math.log10(max(_rms(diff), 1e-12) / signal) < -40.0
    assert [p.name for p in (tmp_path / "two").iterdir()] == ["processed.f32"]


@pytest.mark.parametrize("parallel", [False, True], ids=["one-core", "two-halves"])
def test_measured_while_processing_as_the_analysis_pass_measures(
    tmp_path: Path, long_speech: Path, parallel: bool
) -> None:
    """The halves' 100 ms blocks, gated together, are the analysis pass over the whole file."""
    processed = _process(long_speech, tmp_path / "p", parallel=parallel, measure=True)
    fused = processed.analysis
    assert fused is not None
    work = tmp_path / "separate"
    work.mkdir()
    raw = processed.audio
    join = build_join_graph([raw], channels=2, sample_rate_hz=None, crossfade_s=0.0)
    separate = analyse(join, path=long_speech, workdir=work, duration_s=70.0, true_peak=False)
    assert fused.loudness.integrated_lufs == pytest.approx(
        separate.loudness.integrated_lufs, abs=0.02
    )
    assert fused.loudness.true_peak_dbtp == pytest.approx(
        separate.loudness.true_peak_dbtp, abs=0.05
    )
    assert fused.loudness.lra_lu == pytest.approx(separate.loudness.lra_lu, abs=0.2)
    # The limiter model's blocks: the same frames of the programme, binned the same way.
    assert fused.programme_s == pytest.approx(70.0, abs=0.01)
    assert _counts(fused.blocks) == pytest.approx(_counts(separate.blocks), rel=0.01)
    assert len(fused.excerpt_blocks) == pytest.approx(len(separate.excerpt_blocks), rel=0.03)
    shared = set(fused.blocks.bins) & set(separate.blocks.bins)
    assert sum(n for _, _, n in shared) > 0.9 * _counts(separate.blocks)
    # The same excerpt: the same chunks of programme time (aselect keeps whole frames, and the
    # frames are cut differently: a few ms per chunk), the first one sample for sample.
    assert fused.excerpt_s == pytest.approx(separate.excerpt_s, rel=0.02)
    fused_x, separate_x = _wav_samples(fused.excerpt), _wav_samples(separate.excerpt)
    assert len(fused_x) == pytest.approx(len(separate_x), rel=0.02)
    assert len(fused_x) > 2 * RATE * 10
    assert fused_x[: 2 * RATE // 2] == separate_x[: 2 * RATE // 2]


def _counts(blocks: Blocks) -> int:
    return sum(n for _, _, n in blocks.bins)


def _wav_samples(path: Path) -> array.array[float]:
    out = subprocess.run(
        [mediagen.FFMPEG, "-v", "error", "-i", str(path), "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    samples = array.array("f")
    samples.frombytes(out)
    return samples


class _Usage(NamedTuple):
    total: int
    used: int
    free: int


def test_no_room_for_the_processed_audio_is_one_clear_error(
    tmp_path: Path, long_speech: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: _Usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(EncodeFailed, match=r"long\.wav: not enough disk space .*MB needed"):
        normalize_audio(
            [long_speech], out / "x.mp3", LoudnessTarget(), AudioEncoding(), pre_filter=CHAIN
        )
    assert not list(out.iterdir())


def test_processing_folder_is_beside_the_output_and_removed(
    tmp_path: Path, long_speech: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    seen: list[Path] = []
    real = prefilter.process_body

    def spy(*args: object, **kwargs: object) -> Processed:
        processed = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(processed.audio.path)
        return processed

    prefilter_attr = "media.encode.process_body"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(prefilter_attr, spy)
        result = normalize_audio(
            [long_speech], out / "x.mp3", LoudnessTarget(), AudioEncoding(), pre_filter=CHAIN
        )
    assert result.passes >= 1
    assert seen and seen[0].parent.parent == out
    assert [p.name for p in out.iterdir()] == ["x.mp3"]
    lufs, peak = mediagen.measure_ebur128(out / "x.mp3")
    assert lufs == pytest.approx(-16.0, abs=0.5)
    assert peak <= -1.0


def test_dual_mono_stereo_runs_the_chain_once(tmp_path: Path, long_speech: Path) -> None:
    dual = tmp_path / "dual.wav"
    mediagen._ffmpeg(
        "-i", str(long_speech), "-af", "pan=stereo|c0=0.5*c0+0.5*c1|c1=0.5*c0+0.5*c1", str(dual)
    )
    settings = speech_settings("interview")
    real_stereo = probe_speech(long_speech, duration_s=70.0)
    dual_probe = probe_speech(dual, duration_s=70.0)
    assert real_stereo.side_db is not None and not real_stereo.dual_mono
    assert dual_probe.dual_mono
    stereo_chain = prepare_speech(long_speech, settings, duration_s=70.0, source_channels=2)
    dual_chain = prepare_speech(dual, settings, duration_s=70.0, source_channels=2)
    assert stereo_chain.filter is not None and "pan=mono" not in stereo_chain.filter
    assert dual_chain.filter is not None and dual_chain.filter.startswith("pan=mono|")
    # Mono out: nothing to decide.
    assert probe_speech(dual, duration_s=70.0, channels=1).side_db is None
