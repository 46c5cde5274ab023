"""Video-series fixtures: small generated videos and one published series shared per session.

The series (fi, en, ar; ``en`` deliberately left without episodes, so a language feed with no
items is exercised too) is built once through the same functions the CLI calls; tests that
change a workspace copy it first. Titles carry HTML/script payloads on purpose: every reader
must show them as text.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.add import Added, AddRequest, add_episode
from pipeline.publish import publish
from pipeline.workspace import InitRequest, init_workspace
from tests import mediagen

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SECONDS = 4.0
XSS_IMG = "<img src=x onerror=\"document.title='PWNED'\">"
XSS_TITLE = "</title><script>document.title='PWNED'</script>"
AR_TITLE = f"الرعاية الصحية {XSS_IMG}"
FI_TITLE = f"Terveydenhuolto {XSS_TITLE}"


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        [mediagen.FFMPEG, "-hide_banner", "-nostdin", "-y", *args], check=True, capture_output=True
    )


def make_speech_video(
    path: Path,
    speech: Path,
    *,
    seconds: float = SECONDS,
    vcodec: str = "libx264",
    extra: tuple[str, ...] = (),
) -> Path:
    """Write testsrc2 video (320x180) with espeak-ng speech as its soundtrack."""
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=320x180:rate=25:d={seconds}",
        "-i",
        str(speech),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-t",
        str(seconds),
        "-c:v",
        vcodec,
        "-pix_fmt",
        "yuv420p",
        *extra,
        "-c:a",
        "libopus" if path.suffix == ".webm" else "aac",
        "-shortest",
        str(path),
    )
    return path


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("video")


@pytest.fixture(scope="session")
def speech(video_dir: Path) -> Path:
    """Quiet Finnish speech (about -28 LUFS), so normalising has work to do."""
    return mediagen.make_speech(video_dir / "speech.wav", SECONDS, -28.0)


@pytest.fixture(scope="session")
def h264_video(video_dir: Path, speech: Path) -> Path:
    """H.264 + AAC in MP4 without faststart: the video must be copied bit for bit."""
    return make_speech_video(video_dir / "source.mp4", speech)


@pytest.fixture(scope="session")
def vp9_video(video_dir: Path, speech: Path) -> Path:
    """VP9 + Opus in WebM: the video must be re-encoded to H.264."""
    return make_speech_video(
        video_dir / "source.webm",
        speech,
        vcodec="libvpx-vp9",
        extra=("-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"),
    )


@pytest.fixture(scope="session")
def cover(video_dir: Path) -> Path:
    return mediagen.make_cover(video_dir / "cover.png")


def write_captions(path: Path, text: str, *, srt: bool = False) -> Path:
    """Write a two-cue captions file (SubRip or WebVTT)."""
    if srt:
        body = (
            f"1\n00:00:00,000 --> 00:00:01,500\n{text}\n\n2\n00:00:01,500 --> 00:00:03,000\n"
            f"{text} 2\n"
        )
    else:
        body = f"WEBVTT\n\n00:00.000 --> 00:01.500\n{text}\n\n00:01.500 --> 00:03.000\n{text} 2\n"
    path.write_text(body, encoding="utf-8")
    return path


def new_series(directory: Path, cover: Path, languages: str = "fi,en,ar") -> Path:
    """Create a video series workspace (fi main language)."""
    init_workspace(
        directory,
        InitRequest(
            title="Arki Suomessa",
            author="Kotoutumishanke",
            email="video@example.org",
            language="fi",
            languages=languages,
            medium="video",
            image=cover,
            description="Lyhyitä videoita arjesta.",
        ),
    )
    return directory


@dataclass(frozen=True)
class Series:
    workspace: Path
    public: Path
    added: dict[str, Added]
    sources: dict[str, Path]


@pytest.fixture(scope="session")
def series(
    tmp_path_factory: pytest.TempPathFactory, h264_video: Path, vp9_video: Path, cover: Path
) -> Series:
    """A published series: episode 'terveys' in fi (H.264 source) and ar (VP9 source)."""
    root = tmp_path_factory.mktemp("series")
    ws = new_series(root / "sarja", cover)
    caps = root / "caps"
    caps.mkdir()
    fi_vtt = write_captions(caps / "terveys.fi.vtt", "Tervetuloa")
    ar_srt = write_captions(caps / "terveys.ar.srt", "مرحبا بكم", srt=True)
    fi_for_ar = write_captions(caps / "terveys-ar.fi.vtt", "Tervetuloa (arabia)")
    added = {
        "fi": add_episode(
            ws,
            AddRequest(
                media=h264_video,
                slug="terveys",
                language="fi",
                title=FI_TITLE,
                description="Miten **terveyskeskus** toimii.",
                transcripts=(fi_vtt,),
            ),
            now=NOW,
        ),
        "ar": add_episode(
            ws,
            AddRequest(
                media=vp9_video,
                slug="terveys",
                language="ar",
                title=AR_TITLE,
                description="كيف يعمل المركز الصحي.",
                transcripts=(ar_srt, fi_for_ar),
            ),
            now=NOW,
        ),
    }
    publish(ws, now=NOW)
    return Series(ws, ws / "public", added, {"fi": h264_video, "ar": vp9_video})


def copy_workspace(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("public"))
    return dst
