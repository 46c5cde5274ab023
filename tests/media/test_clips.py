"""render_teaser: a short faded MP3 cut from an episode."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydub import AudioSegment

from media.clips import render_teaser
from media.errors import EncodeFailed
from media.probe import probe

pytestmark = pytest.mark.slow


def test_teaser_has_the_length_and_fades(tmp_path: Path, speech_mp3: Path) -> None:
    dst = render_teaser(speech_mp3, tmp_path / "teaser.mp3", 1.0, 3.0, fade_s=0.5)
    info = probe(dst)
    assert info.container == "mp3"
    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    clip = AudioSegment.from_mp3(dst)
    assert clip[:30].rms < clip[1000:2000].rms / 4  # starts faded in
    assert clip[-60:-30].rms < clip[1000:2000].rms / 4  # ends faded out


def test_teaser_past_the_end_is_refused(tmp_path: Path, speech_mp3: Path) -> None:
    with pytest.raises(EncodeFailed, match=r"speech\.mp3: cannot render teaser: .*past the end"):
        render_teaser(speech_mp3, tmp_path / "teaser.mp3", 5.0, 4.0)
    assert not (tmp_path / "teaser.mp3").exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("start", "length"), [(-1.0, 2.0), (0.0, 0.0), (0.0, 301.0)])
def test_bad_clip_times(tmp_path: Path, speech_mp3: Path, start: float, length: float) -> None:
    with pytest.raises(EncodeFailed, match="cannot render teaser"):
        render_teaser(speech_mp3, tmp_path / "t.mp3", start, length)


def test_every_child_goes_through_the_runner(
    tmp_path: Path, speech_mp3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pydub used to spawn its own ffmpeg, outside the runner's parent-death and kill handling.
    import media.ffmpeg

    spawned: list[str] = []
    real = media.ffmpeg._popen

    def counting(args, **kwargs):  # type: ignore[no-untyped-def]
        spawned.append(Path(args[0]).name)
        return real(args, **kwargs)

    monkeypatch.setattr(media.ffmpeg, "_popen", counting)
    render_teaser(speech_mp3, tmp_path / "teaser.mp3", 1.0, 2.0)
    assert spawned.count("ffmpeg") == 2 and "ffprobe" in spawned
    source = (Path(media.ffmpeg.__file__).parent / "clips.py").read_text(encoding="utf-8")
    assert "pydub" not in source
