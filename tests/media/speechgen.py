"""Generate interview-like test sources for the speech chain (issue 13) and meters to grade it.

A generated interview is espeak-ng speech for two speakers in alternating turns (B a set
number of dB quieter than A), a music bed in the intro, pink noise and 50 Hz mains hum with
harmonics. The layout (who speaks when, where the pauses are) is returned with the file so the
tests can measure each part of the *published* file.

The meters here (short-term loudness per 100 ms, RMS of a stretch, narrowband level by a DFT
at one frequency) are written independently of ``media.speech`` and ``media.report``, so the
media package never grades its own work.
"""

from __future__ import annotations

import array
import hashlib
import math
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests import mediagen

RATE = 48000
# Different sentences per turn so the leveler cannot lean on repetition.
TURNS_A = (
    "Tervetuloa kuuntelemaan kotoutumisen podcastia. Tänään puhumme työstä ja kielestä.",
    "Kerro ensin, miltä ensimmäinen talvi tuntui, ja mikä auttoi eniten arjessa.",
    "Entä työpaikan löytäminen? Moni kuulija kysyy siitä meiltä joka viikko.",
)
TURNS_B = (
    "Se oli pimeä talvi, mutta ihmiset olivat ystävällisiä ja kurssi auttoi paljon.",
    "Naapurit neuvoivat minua, ja kirjastossa oli iltaisin keskusteluryhmä.",
    "Ensin tein harjoittelun, sitten sain osa-aikaisen työn kahvilasta.",
)


@dataclass(frozen=True, slots=True)
class Interview:
    """A generated interview and where its parts are (seconds from the start)."""

    path: Path
    music_only: tuple[float, float]
    turns: tuple[tuple[float, float, str], ...]  # (start, end, "A" | "B")
    pauses: tuple[tuple[float, float], ...]
    duration_s: float


def _run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stderr


def _ffmpeg(*args: str) -> str:
    return _run([mediagen.FFMPEG, "-hide_banner", "-nostdin", "-y", *args])


def espeak(text: str, voice: str, pitch: int, cache: Path) -> Path:
    """Render ``text`` once per machine (espeak-ng output is deterministic)."""
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"{voice}|{pitch}|{text}".encode()).hexdigest()[:12]
    wav = cache / f"turn-{key}.wav"
    if not wav.exists():
        tmp = wav.with_suffix(f".{os.getpid()}.tmp.wav")
        _run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", "155", "-w", str(tmp), text])
        os.replace(tmp, wav)
    return wav


def duration_s(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.strip())


def _cache() -> Path:
    return Path(tempfile.gettempdir()) / f"kotocast-speechgen-{os.getuid()}"


def turn_files(n_turns: int) -> list[tuple[Path, str]]:
    """Return espeak renders for ``n_turns`` alternating turns, A first."""
    out = []
    for i in range(n_turns):
        if i % 2 == 0:
            out.append((espeak(TURNS_A[(i // 2) % 3], "fi", 35, _cache()), "A"))
        else:
            out.append((espeak(TURNS_B[(i // 2) % 3], "fi+f2", 60, _cache()), "B"))
    return out


def make_interview(
    path: Path,
    *,
    n_turns: int = 6,
    b_quieter_db: float = 8.0,
    speech_lufs: float = -22.0,
    noise_dbfs: float = -50.0,
    hum_dbfs: float = -48.0,
    music_s: float = 6.0,
    pause_s: float = 1.6,
) -> Interview:
    """Write a mono 48 kHz WAV interview and return its layout.

    Args:
        speech_lufs: Loudness of each of A's turns (B's are ``b_quieter_db`` lower).
        noise_dbfs: RMS of the pink noise under everything.
        hum_dbfs: RMS of the 50 Hz fundamental; harmonics 100..250 Hz fall off from it.
    """
    turns = turn_files(n_turns)
    pieces: list[str] = []
    inputs: list[str] = []
    layout: list[tuple[float, float, str]] = []
    pauses: list[tuple[float, float]] = []
    t = music_s
    for i, (wav, who) in enumerate(turns):
        length = duration_s(wav)
        # Each turn is set to its speaker's loudness (the two voices differ by themselves).
        wanted = speech_lufs if who == "A" else speech_lufs - b_quieter_db
        gain = wanted - mediagen.measure_ebur128(wav)[0]
        inputs += ["-i", str(wav)]
        pieces.append(
            f"[{i}:a]aresample={RATE},volume={gain:.2f}dB,adelay={int(t * 1000)}:all=1,apad[t{i}]"
        )
        layout.append((t, t + length, who))
        t += length
        if i < len(turns) - 1:
            pauses.append((t, t + pause_s))
            t += pause_s
    total = t + 1.0
    n = len(turns)
    # The music bed: a steady three-note chord (G3 B3 D4, no multiple of 50 or 60 Hz) alone
    # for music_s seconds, then fading out under A's first turn.
    bed = (
        f"aevalsrc='0.05*sin(2*PI*196*t)+0.04*sin(2*PI*246.94*t)+0.035*sin(2*PI*293.66*t)"
        f"':s={RATE}:d={music_s + 3},afade=t=out:st={music_s}:d=3,apad[bed]"
    )
    # anoisesrc's pink noise has an RMS 14.3 dB under its amplitude (measured with astats).
    noise_amp = 10 ** ((noise_dbfs + 14.3) / 20)
    hum_amp = 10 ** (hum_dbfs / 20) * math.sqrt(2)
    hum = (
        f"aevalsrc='{hum_amp:.6f}*(sin(2*PI*50*t)+0.6*sin(2*PI*100*t+0.3)"
        f"+0.45*sin(2*PI*150*t+1.1)+0.25*sin(2*PI*200*t)+0.15*sin(2*PI*250*t+2))+0.002'"
        f":s={RATE}:d={total}[hum]"
    )
    noise = f"anoisesrc=color=pink:r={RATE}:amplitude={noise_amp:.6f}:seed=11:d={total}[noise]"
    speech_mix = "".join(f"[t{i}]" for i in range(n))
    graph = ";".join(
        [
            *pieces,
            f"{speech_mix}amix=inputs={n}:normalize=0:duration=longest[speech]",
            bed,
            hum,
            noise,
            f"[speech][bed][hum][noise]amix=inputs=4:normalize=0:duration=shortest,"
            f"atrim=0:{total}[mix]",
        ]
    )
    _ffmpeg(
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[mix]",
        "-ac",
        "1",
        "-c:a",
        "pcm_f32le",
        str(path),
    )
    return Interview(path, (0.0, music_s), tuple(layout), tuple(pauses), total)


# --- independent meters -------------------------------------------------------------------


def short_term_lufs(path: Path, tmp: Path) -> list[tuple[float, float]]:
    """Return (time_s, short-term loudness) every 100 ms, by ffmpeg's ebur128 metadata."""
    log = tmp / f"{path.stem}-st.txt"
    _ffmpeg(
        "-i",
        str(path),
        "-af",
        f"aresample={RATE},asetnsamples=n=4800:p=0,ebur128=metadata=1:framelog=verbose,"
        f"ametadata=mode=print:key=lavfi.r128.S:file={log}",
        "-f",
        "null",
        "-",
    )
    points: list[tuple[float, float]] = []
    when = 0.0
    for line in log.read_text().splitlines():
        m = re.search(r"pts_time:([\d.]+)", line)
        if m:
            when = float(m.group(1))
        elif line.startswith("lavfi.r128.S="):
            # The value is the 3 s window that ends with this 100 ms frame.
            points.append((when + 0.1, float(line.split("=", 1)[1])))
    return points


def momentary_lufs(path: Path, tmp: Path) -> list[tuple[float, float]]:
    """Return (time_s, momentary 400 ms loudness) every 100 ms."""
    log = tmp / f"{path.stem}-m.txt"
    _ffmpeg(
        "-i",
        str(path),
        "-af",
        f"aresample={RATE},asetnsamples=n=4800:p=0,ebur128=metadata=1:framelog=verbose,"
        f"ametadata=mode=print:key=lavfi.r128.M:file={log}",
        "-f",
        "null",
        "-",
    )
    points: list[tuple[float, float]] = []
    when = 0.0
    for line in log.read_text().splitlines():
        m = re.search(r"pts_time:([\d.]+)", line)
        if m:
            when = float(m.group(1))
        elif line.startswith("lavfi.r128.M="):
            points.append((when + 0.1, float(line.split("=", 1)[1])))
    return points


def pcm_mono(
    path: Path, rate: int = RATE, start_s: float = 0.0, length_s: float = 0.0
) -> array.array:
    """Decode ``path`` to mono float samples (a stretch of it when ``length_s`` > 0)."""
    args = [mediagen.FFMPEG, "-hide_banner", "-nostdin", "-v", "error"]
    if length_s > 0:
        args += ["-ss", f"{start_s}", "-t", f"{length_s}"]
    args += ["-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    raw = subprocess.run(args, check=True, capture_output=True).stdout
    samples = array.array("f")
    samples.frombytes(raw)
    return samples


def rms_dbfs(samples: array.array) -> float:
    total = math.fsum(x * x for x in samples)
    return 10 * math.log10(max(total / max(len(samples), 1), 1e-20))


def line_dbfs(samples: array.array, rate: int, freq_hz: float) -> float:
    """Level of a pure tone at ``freq_hz`` (dBFS RMS), by a Hann-windowed DFT at that bin."""
    n = len(samples)
    re_sum = im_sum = wsum = 0.0
    step = 2 * math.pi * freq_hz / rate
    for i, x in enumerate(samples):
        w = 0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1))
        re_sum += x * w * math.cos(step * i)
        im_sum += x * w * math.sin(step * i)
        wsum += w
    amplitude = 2 * math.hypot(re_sum, im_sum) / wsum
    return 20 * math.log10(max(amplitude / math.sqrt(2), 1e-12))


@dataclass(frozen=True, slots=True)
class Tracks:
    """Two generated speaker tracks with bleed, and where the turns are."""

    host: Path
    guest: Path
    turns: tuple[tuple[float, float, str], ...]
    duration_s: float


def make_tracks(
    directory: Path,
    *,
    n_turns: int = 6,
    b_quieter_db: float = 8.0,
    bleed_db: float = 15.0,
    bleed_delay_s: float = 0.2,
    speech_lufs: float = -22.0,
    pause_s: float = 1.2,
    guest_extra_s: float = 2.0,
) -> Tracks:
    """Write a host track (speaker A) and a guest track (B, ``b_quieter_db`` quieter), mono WAV.

    Each track also carries the other speaker ``bleed_db`` under that speaker's own level and
    ``bleed_delay_s`` late (a video call's loudspeaker heard by the other microphone), plus a
    little pink noise. The guest's recording runs ``guest_extra_s`` longer (lengths differ).
    """
    turns = turn_files(n_turns)
    layout: list[tuple[float, float, str]] = []
    t = 0.5
    for wav, who in turns:
        length = duration_s(wav)
        layout.append((t, t + length, who))
        t += length + pause_s
    total = t
    out = {}
    for me, other, extra in (("A", "B", 0.0), ("B", "A", guest_extra_s)):
        inputs: list[str] = []
        pieces: list[str] = []
        for i, ((wav, who), (start, _, _)) in enumerate(zip(turns, layout, strict=True)):
            level = speech_lufs - (b_quieter_db if who == "B" else 0.0)
            gain = level - mediagen.measure_ebur128(wav)[0]
            delay = start
            if who == other:
                gain -= bleed_db
                delay += bleed_delay_s
            inputs += ["-i", str(wav)]
            pieces.append(
                f"[{i}:a]aresample={RATE},volume={gain:.2f}dB,adelay={int(delay * 1000)}:all=1,"
                f"apad[t{i}]"
            )
        length = total + extra
        seed = 5 if me == "A" else 6
        noise = f"anoisesrc=color=pink:r={RATE}:amplitude=0.0005:seed={seed}:d={length}[n]"
        labels = "".join(f"[t{i}]" for i in range(len(turns)))
        graph = ";".join(
            [
                *pieces,
                noise,
                f"{labels}[n]amix=inputs={len(turns) + 1}:normalize=0:duration=shortest[m]",
            ]
        )
        path = directory / ("host.wav" if me == "A" else "guest.wav")
        _ffmpeg(*inputs, "-filter_complex", graph, "-map", "[m]", "-c:a", "pcm_f32le", str(path))
        out[me] = path
    return Tracks(out["A"], out["B"], tuple(layout), total + guest_extra_s)


def correlation_db(mix: array.array, clean: array.array, lag: int, search: int) -> float:
    """Peak |normalised cross-correlation| (dB) of ``mix`` against ``clean`` around ``lag``.

    ``clean`` is the speaker's dry signal; a copy of it ``lag`` samples late in ``mix`` (bleed
    heard by another microphone) shows as a peak there.
    """
    import operator

    energy = math.sqrt(math.fsum(x * x for x in clean) * math.fsum(x * x for x in mix))
    best = 0.0
    for shift in range(lag - search, lag + search + 1):
        if shift >= 0:
            value = sum(map(operator.mul, mix[shift:], clean))
        else:
            value = sum(map(operator.mul, mix, clean[-shift:]))
        best = max(best, abs(value))
    return 20 * math.log10(max(best / energy, 1e-9))
