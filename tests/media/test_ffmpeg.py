"""The ffmpeg runner: binary lookup, logging, failures, progress, and who may spawn it."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from media.errors import EncodeFailed, FfmpegNotFound
from media.ffmpeg import ffmpeg_binary, run_ffmpeg, run_ffmpeg_pipeline
from media.probe import probe

MEDIA = Path(__file__).resolve().parents[2] / "media"


def test_only_ffmpeg_module_imports_subprocess() -> None:
    offenders = []
    for module in sorted(MEDIA.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("subprocess", "asyncio") for n in names) or (
                isinstance(node, ast.Attribute)
                and node.attr in ("system", "popen")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                offenders.append(module.name)
    assert set(offenders) <= {"ffmpeg.py"}, offenders


def test_ffmpeg_path_override_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FFMPEG_PATH", str(tmp_path / "no-ffmpeg"))
    with pytest.raises(FfmpegNotFound, match="FFMPEG_PATH"):
        ffmpeg_binary()


def test_missing_ffprobe_is_reported_by_probe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wav = tmp_path / "x.wav"
    wav.write_bytes(b"RIFF")
    monkeypatch.setenv("FFPROBE_PATH", str(tmp_path / "no-ffprobe"))
    with pytest.raises(FfmpegNotFound, match="ffprobe"):
        probe(wav)


@pytest.mark.slow
def test_failure_carries_command_and_stderr_tail(tmp_path: Path) -> None:
    # An unknown complaint (a filter option that does not exist) keeps ffmpeg's words.
    with pytest.raises(EncodeFailed) as caught:
        run_ffmpeg(
            ["-f", "lavfi", "-i", "sine=d=0.2", "-af", "volume=nonsense=1", "-f", "null", "-"],
            path=tmp_path,
            what="decode failed",
        )
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}: decode failed: ")
    assert "nonsense" in message and "(command: " in message and "ffmpeg" in message
    assert "\n" not in message


@pytest.mark.slow
def test_known_failure_in_plain_words_command_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="media.ffmpeg")
    missing = tmp_path / "missing.wav"
    with pytest.raises(EncodeFailed) as caught:
        run_ffmpeg(["-i", str(missing), "-f", "null", "-"], path=missing, what="decode failed")
    assert str(caught.value) == f"{missing}: decode failed: no such file"
    assert any("failed: " in r.message and "No such file" in r.message for r in caplog.records)


@pytest.mark.slow
def test_command_is_logged_at_debug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="media.ffmpeg")
    run_ffmpeg(
        ["-f", "lavfi", "-i", "anullsrc", "-t", "0.2", "-f", "null", "-"], path=tmp_path, what="x"
    )
    assert any("running: " in r.message and "anullsrc" in r.message for r in caplog.records)


@pytest.mark.slow
def test_progress_fractions(tmp_path: Path) -> None:
    seen: list[float] = []
    run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=d=4", "-f", "null", "-"],
        path=tmp_path,
        what="x",
        duration_s=4.0,
        progress=seen.append,
    )
    assert seen and seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.slow
def test_pipeline_failure_of_consumer_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EncodeFailed, match="check failed"):
        run_ffmpeg_pipeline(
            ["-f", "lavfi", "-i", "sine=d=2", "-f", "wav", "pipe:1"],
            ["-f", "mp3", "-i", "pipe:0", "-f", "null", "-"],  # wrong format: consumer fails
            path=tmp_path,
            what="check failed",
        )
