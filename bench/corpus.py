"""Generate the loudness corpus: realistic 10-minute recordings that differ in what matters.

Not a test. ``bench/bench_corpus.py`` and ``bench/encoder_loss_table.py`` call
:func:`make_corpus`; run it alone to (re)generate::

    .venv/bin/python bench/corpus.py --minutes 10      # into bench/out/corpus/ (gitignored)

Every source is built in numpy from espeak-ng speech (several Finnish voices), noise, knocks,
laughter-like bursts and synthetic music, then written by ffmpeg in the producer's format
(WAV, FLAC, AAC, Opus, 5.1, 96 kHz/24-bit). Deterministic: fixed seeds, same files each run.
What each source stresses is in :data:`SOURCES`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "corpus"
SR = 48000
sys.path.insert(0, str(ROOT))

from tests.mediagen import measure_ebur128  # noqa: E402

SENTENCES = (
    "Tervetuloa kuuntelemaan kotoutumisen podcastia.",
    "Tänään puhumme työstä, kielestä ja arjesta Suomessa.",
    "Haastattelussa on kaksi vierasta, jotka muuttivat tänne viisi vuotta sitten.",
    "Kerro ensin, miltä ensimmäinen talvi tuntui?",
    "Se oli pimeä, mutta ihmiset olivat ystävällisiä.",
    "Suomen kielen kurssi auttoi paljon, ja työpaikalla opin lisää.",
    "Kysyin naapurilta, mistä saa tietoa päivähoidosta ja kouluista.",
    "No niin, se on totta. Ja sitten kävimme kirjastossa joka viikko.",
    "Mitä neuvoisit ihmiselle, joka muuttaa tänne nyt?",
    "Kannattaa olla rohkea ja kysyä, vaikka kieli ei vielä suju.",
)
F32_MONO = ("-ar", str(SR), "-ac", "1", "-f", "f32le", "-")
VOICES = ("fi+m3", "fi+f2", "fi+m1", "fi+f4")


@dataclass(frozen=True, slots=True)
class Source:
    """One corpus file: how it sounds and how it is written."""

    name: str
    what: str
    build: Callable[[np.random.Generator, int], np.ndarray]  # (rng, samples) -> (n, ch)
    lufs: float
    suffix: str
    codec_args: tuple[str, ...]
    rate: int = SR
    layout: str = "stereo"
    clip: bool = False


def _speech_bank() -> dict[str, list[np.ndarray]]:
    """Render every sentence in every voice once (cached on disk), as 48 kHz float mono."""
    cache = OUT / "speech"
    cache.mkdir(parents=True, exist_ok=True)
    bank: dict[str, list[np.ndarray]] = {}
    for v, voice in enumerate(VOICES):
        bank[voice] = []
        for i, text in enumerate(SENTENCES):
            raw = cache / f"v{v}-s{i}.f32"
            if not raw.exists():
                wav = cache / f"v{v}-s{i}.wav"
                speed = str(140 + 12 * v)
                subprocess.run(
                    ["espeak-ng", "-v", voice, "-s", speed, "-w", str(wav), text], check=True
                )
                data = subprocess.run(
                    [*("ffmpeg", "-v", "error", "-i", str(wav)), *F32_MONO],
                    check=True,
                    capture_output=True,
                ).stdout
                raw.write_bytes(data)
                wav.unlink()
            bank[voice].append(np.frombuffer(raw.read_bytes(), dtype=np.float32).copy())
    return bank


_BANK: dict[str, list[np.ndarray]] = {}


def _bank() -> dict[str, list[np.ndarray]]:
    if not _BANK:
        _BANK.update(_speech_bank())
    return _BANK


def _db(x: float) -> float:
    return float(10 ** (x / 20))


def conversation(
    rng: np.random.Generator,
    n: int,
    speakers: tuple[tuple[str, float], ...],
    *,
    gap_s: tuple[float, float] = (0.15, 0.7),
    long_pause_every_s: float | None = None,
) -> np.ndarray:
    """Speakers taking turns (1-3 sentences each), at their own levels (dB), mono."""
    out = np.zeros(n, dtype=np.float32)
    pos = int(0.5 * SR)
    turn = 0
    next_long = long_pause_every_s
    bank = _bank()
    while pos < n:
        voice, level = speakers[turn % len(speakers)]
        for _ in range(int(rng.integers(1, 4))):
            s = bank[voice][int(rng.integers(len(bank[voice])))]
            # Each take a little louder or softer, as real speakers are.
            gain = _db(level + rng.normal(0, 1.5))
            end = min(n, pos + len(s))
            out[pos:end] += gain * s[: end - pos]
            pos = end + int(rng.uniform(*gap_s) * SR)
            if pos >= n:
                break
        if next_long is not None and pos / SR > next_long:
            pos += int(rng.uniform(20, 40) * SR)
            next_long = pos / SR + long_pause_every_s  # type: ignore[operator]
        turn += 1
    return out


def pink(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pink-ish noise (1/f power) normalised to RMS 1."""
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(white)
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(f), n)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def knocks(rng: np.random.Generator, n: int, per_minute: float, level_db: float) -> np.ndarray:
    """Table knocks, claps, plosive pops: 2-20 ms decaying noise bursts at ``level_db`` peak."""
    out = np.zeros(n, dtype=np.float32)
    count = int(per_minute * n / SR / 60)
    for _ in range(count):
        at = int(rng.integers(0, max(1, n - SR // 10)))
        length = int(rng.uniform(0.002, 0.02) * SR) * 6
        t = np.arange(length) / SR
        burst = rng.standard_normal(length) * np.exp(-t / rng.uniform(0.003, 0.02))
        burst += np.sin(2 * np.pi * rng.uniform(80, 200) * t) * np.exp(-t / 0.03)
        out[at : at + length] += (_db(level_db) * burst / np.max(np.abs(burst)))[: n - at]
    return out


def laughter(rng: np.random.Generator, n: int, per_minute: float, level_db: float) -> np.ndarray:
    """Laughter-like bursts: 0.8-2 s of band-limited noise pulsing at 4-6 Hz."""
    out = np.zeros(n, dtype=np.float32)
    count = int(per_minute * n / SR / 60)
    for _ in range(count):
        length = int(rng.uniform(0.8, 2.0) * SR)
        at = int(rng.integers(0, max(1, n - length)))
        t = np.arange(length) / SR
        noise = rng.standard_normal(length)
        noise = np.convolve(noise, np.ones(6) / 6, mode="same")  # soften the top end
        pulse = np.maximum(0, np.sin(2 * np.pi * rng.uniform(4, 6) * t)) ** 2
        env = np.minimum(1, t / 0.05) * np.minimum(1, (t[-1] - t) / 0.2)
        burst = noise * pulse * env
        out[at : at + length] += _db(level_db) * burst / np.max(np.abs(burst))
    return out


def music(rng: np.random.Generator, n: int) -> np.ndarray:
    """Loud synthetic pop: chords of harmonic tones, kick, snare and hats, stereo (n, 2)."""
    t = np.arange(n) / SR
    beat = 60 / 118
    chords = ((220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6))
    left = np.zeros(n)
    for k, chord in enumerate(chords):
        seg = ((t // (4 * beat)).astype(int) % len(chords)) == k
        for f in chord:
            for h in range(1, 6):
                left[seg] += np.sin(2 * np.pi * f * h * t[seg]) / (h * 1.6)
    left *= 0.05
    phase = t % beat
    kick = np.sin(2 * np.pi * 55 * phase * (1 + 2 * np.exp(-phase * 30))) * np.exp(-phase * 9)
    hats_phase = t % (beat / 2)
    hats = rng.standard_normal(n) * np.exp(-hats_phase * 80) * 0.15
    snare_phase = (t + beat) % (2 * beat)
    snare = rng.standard_normal(n) * np.exp(-snare_phase * 25) * 0.4
    mono = left + 0.7 * kick + snare
    return np.stack([mono + hats, mono + np.roll(hats, 37)], axis=1).astype(np.float32)


def stereo(mono: np.ndarray, pan: float = 0.0) -> np.ndarray:
    """Pan a mono signal (-1 left .. 1 right), constant power."""
    angle = (pan + 1) * np.pi / 4
    return np.stack([np.cos(angle) * mono, np.sin(angle) * mono], axis=1).astype(np.float32)


def two_speakers(apart_db: float) -> Callable[[np.random.Generator, int], np.ndarray]:
    def build(rng: np.random.Generator, n: int) -> np.ndarray:
        a = conversation(rng, n, ((VOICES[0], 0.0),))
        b = conversation(rng, n, ((VOICES[1], -apart_db),), gap_s=(1.0, 4.0))
        # Two microphones: each speaker mostly on one side, with the other's spill.
        mix = stereo(a, -0.4) + stereo(b, 0.4)
        bed = np.stack([pink(rng, n), pink(rng, n)], axis=1) * _db(-52)
        return mix + bed + stereo(knocks(rng, n, 0.6, -1.0))

    return build


def hot(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[2], 0.0), (VOICES[3], -2.0)))
    return stereo(speech) + np.stack([pink(rng, n)] * 2, axis=1) * _db(-45)


def phone(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[0], 0.0), (VOICES[3], -3.0)))
    # A phone's band (about 300-3400 Hz) by FFT masking; room and handling noise.
    spectrum = np.fft.rfft(speech)
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum[(freqs < 300) | (freqs > 3400)] *= 0.05
    band = np.fft.irfft(spectrum, n).astype(np.float32)
    return (band + pink(rng, n) * _db(-40) + knocks(rng, n, 1.0, -6.0))[:, None]


def zoom(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[1], 0.0), (VOICES[2], -1.0)), gap_s=(0.1, 0.4))
    # Zoom's own processing: levelled, gated background.
    return (np.tanh(2.5 * speech) / 2.5 + pink(rng, n) * _db(-60))[:, None]


def music_ends(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = stereo(conversation(rng, n, ((VOICES[0], 0.0), (VOICES[1], -2.0))))
    out = speech + np.stack([pink(rng, n)] * 2, axis=1) * _db(-55)
    tune = music(rng, 50 * SR) * _db(10)  # much louder than the talk, as intros are
    fade = np.minimum(1, np.arange(50 * SR)[::-1] / (3 * SR))[:, None]
    out[: 50 * SR] = out[: 50 * SR] * (1 - fade) + tune * fade
    out[-50 * SR :] = out[-50 * SR :] * fade[::-1] + tune * (1 - fade[::-1])
    return out


def long_pauses(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[3], 0.0),), long_pause_every_s=45.0)
    return (speech + pink(rng, n) * _db(-65))[:, None]


def dense_transients(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = stereo(conversation(rng, n, ((VOICES[0], 0.0), (VOICES[2], -3.0))))
    return (
        speech
        + stereo(laughter(rng, n, 3.0, -2.0), 0.3)
        + stereo(knocks(rng, n, 12.0, -1.0), -0.2)
        + np.stack([pink(rng, n)] * 2, axis=1) * _db(-50)
    )


def film(rng: np.random.Generator, n: int) -> np.ndarray:
    dialogue = conversation(rng, n, ((VOICES[0], 0.0), (VOICES[1], -2.0)))
    score = music(rng, n) * _db(-14)
    ambience = [pink(rng, n) * _db(-38) for _ in range(4)]
    lfe = np.sin(2 * np.pi * 45 * np.arange(n) / SR).astype(np.float32) * _db(-30)
    booms = knocks(rng, n, 1.0, 3.0)
    return np.stack(
        [
            score[:, 0] + ambience[0],
            score[:, 1] + ambience[1],
            dialogue + booms * 0.5,
            lfe + booms,
            score[:, 0] * 0.5 + ambience[2],
            score[:, 1] * 0.5 + ambience[3],
        ],
        axis=1,
    ).astype(np.float32)


def mono_speech(voice: int) -> Callable[[np.random.Generator, int], np.ndarray]:
    def build(rng: np.random.Generator, n: int) -> np.ndarray:
        speech = conversation(rng, n, ((VOICES[voice], 0.0),), gap_s=(0.2, 1.2))
        return (speech + pink(rng, n) * _db(-58))[:, None]

    return build


def hires(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[1], 0.0), (VOICES[0], -1.5)))
    return stereo(speech, 0.1) + np.stack([pink(rng, n), pink(rng, n)], axis=1) * _db(-62)


def memo(rng: np.random.Generator, n: int) -> np.ndarray:
    speech = conversation(rng, n, ((VOICES[2], 0.0),), gap_s=(0.3, 2.0))
    return (speech + pink(rng, n) * _db(-42) + knocks(rng, n, 2.0, -8.0))[:, None]


SOURCES: tuple[Source, ...] = (
    Source(
        "two-speakers-6db",
        "48k stereo WAV, speakers 6 dB apart, noise bed, a few knocks",
        two_speakers(6.0),
        -27.0,
        ".wav",
        ("-c:a", "pcm_s16le"),
    ),
    Source(
        "two-speakers-10db",
        "44.1k stereo FLAC, speakers 10 dB apart",
        two_speakers(10.0),
        -24.0,
        ".flac",
        ("-c:a", "flac"),
        rate=44100,
    ),
    Source(
        "hot-clipped",
        "stereo WAV mastered hot and clipped",
        hot,
        -9.0,
        ".wav",
        ("-c:a", "pcm_s16le"),
        clip=True,
    ),
    Source(
        "phone-quiet",
        "very quiet phone recording, mono 48k AAC",
        phone,
        -36.0,
        ".m4a",
        ("-c:a", "aac", "-b:a", "96k"),
        layout="mono",
    ),
    Source(
        "zoom",
        "Zoom export, 32 kHz mono AAC",
        zoom,
        -22.0,
        ".m4a",
        ("-c:a", "aac", "-b:a", "64k"),
        rate=32000,
        layout="mono",
    ),
    Source(
        "music-ends",
        "50 s loud music intro and outro around talk",
        music_ends,
        -20.0,
        ".flac",
        ("-c:a", "flac"),
    ),
    Source(
        "long-pauses",
        "mono speech with 20-40 s pauses",
        long_pauses,
        -23.0,
        ".wav",
        ("-c:a", "pcm_s16le"),
        rate=44100,
        layout="mono",
    ),
    Source(
        "dense-transients",
        "laughter and table knocks every few seconds",
        dense_transients,
        -20.0,
        ".wav",
        ("-c:a", "pcm_s16le"),
    ),
    Source(
        "film-5.1",
        "5.1 film audio: dialogue centre, score, LFE booms",
        film,
        -24.0,
        ".flac",
        ("-c:a", "flac"),
        layout="5.1",
    ),
    Source(
        "hires-96k",
        "96 kHz 24-bit studio WAV",
        hires,
        -18.0,
        ".wav",
        ("-c:a", "pcm_s24le"),
        rate=96000,
    ),
    Source(
        "opus-memo",
        "Opus voice memo, mono 48k, room noise",
        memo,
        -21.0,
        ".opus",
        ("-c:a", "libopus", "-b:a", "32k"),
        layout="mono",
    ),
    Source(
        "mono-speech-a",
        "ordinary mono speech (FLAC)",
        mono_speech(0),
        -26.0,
        ".flac",
        ("-c:a", "flac"),
        layout="mono",
    ),
    Source(
        "mono-speech-b",
        "ordinary mono speech, another voice",
        mono_speech(3),
        -20.0,
        ".flac",
        ("-c:a", "flac"),
        rate=44100,
        layout="mono",
    ),
)


def _write(data: np.ndarray, path: Path, src: Source, gain_db: float) -> None:
    args = ["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR)]
    args += ["-ac", str(data.shape[1]), "-channel_layout", src.layout, "-i", "pipe:0"]
    args += ["-af", f"volume={gain_db:.3f}dB", "-ar", str(src.rate), *src.codec_args, str(path)]
    subprocess.run(args, input=np.ascontiguousarray(data, dtype=np.float32).tobytes(), check=True)


def make_source(src: Source, minutes: float, out: Path = OUT) -> Path:
    """Generate one corpus file (once); return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{src.name}-{minutes:g}min{src.suffix}"
    if path.exists():
        return path
    rng = np.random.default_rng(_seed(src.name))
    n = int(minutes * 60 * SR)
    data = src.build(rng, n)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        probe = Path(tmp) / "probe.wav"
        _write(
            data,
            probe,
            replace(src, suffix=".wav", codec_args=("-c:a", "pcm_f32le"), rate=SR),
            0.0,
        )
        gain = src.lufs - measure_ebur128(probe)[0]
        if src.clip:
            # Drive into the rails: clip at full scale, then re-level to the wanted loudness.
            data = np.clip(data * _db(gain + 6.0), -1.0, 1.0)
            gain = 0.0
        staged = Path(tmp) / f"out{src.suffix}"
        _write(data, staged, src, gain)
        os.replace(staged, path)
    return path


def _seed(name: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def make_corpus(minutes: float, names: list[str] | None = None) -> list[tuple[Source, Path]]:
    """Generate (once) and return the corpus, optionally only the named sources."""
    chosen = [s for s in SOURCES if not names or s.name in names]
    return [(s, make_source(s, minutes)) for s in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--only", default="", help="comma-separated source names")
    args = parser.parse_args()
    for src, path in make_corpus(args.minutes, [x for x in args.only.split(",") if x]):
        integrated, peak = measure_ebur128(path)
        print(f"{src.name}\t{integrated:.1f} LUFS\t{peak:.1f} dBTP\t{src.what}\t{path}")


if __name__ == "__main__":
    main()
