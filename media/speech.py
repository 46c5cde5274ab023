"""Speech processing before loudness normalisation: presets as data, probe, filter chain.

A preset (``media/presets/speech.toml``) names the steps: high-pass / DC removal, mains hum
removal, broadband noise reduction, a speech leveler, a pause expander and de-essing. The chain
is a plain ffmpeg filter string that :func:`media.encode.normalize_audio` runs as its
``pre_filter`` inside its own measurement and encode passes, so processing adds no pass over
the file.

Two things depend on the material and are measured, not assumed (:func:`probe_speech`): which
mains frequency hums and which of its harmonics stand out of the spectrum, and where speech
and the noise floor sit (the leveler's and expander's thresholds). The probe reads a few short
excerpts spread over the recording (the whole file when it is short), so its cost does not
grow with length.
"""

from __future__ import annotations

import array
import difflib
import logging
import math
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from media.errors import EncodeFailed, MediaError
from media.ffmpeg import run_ffmpeg
from media.filtergraph import LAYOUTS, input_url
from media.hum import MIN_LINES, Hum, detect_hum

log = logging.getLogger(__name__)

PRESETS_FILE = Path(__file__).parent / "presets" / "speech.toml"

# The probe reads the whole file up to this length, else EXCERPTS excerpts of EXCERPT_S.
WHOLE_FILE_S = 120.0
EXCERPTS = 8
EXCERPT_S = 10.0
# Rates of the probe's two streams: low for the hum spectrum, speech band for levels.
HUM_RATE = 1024
LEVEL_RATE = 8000
BLOCK_S = 0.4  # level blocks (BS.1770's momentary window)
ENVELOPE_S = 0.01
HUM_NOTCH_WIDTH_HZ = 3.0
# A stereo recording whose difference signal is this far below its sum is dual mono (Zoom,
# Teams and most recorders write one microphone to both channels): the chain runs once on
# the sum and is copied to both channels, half the work, inaudibly different (-50 dB).
DUAL_MONO_BELOW_DB = 50.0
# afftdn's noise floor is on its own per-band scale: broadband noise at N dBFS RMS is fully
# reduced by ``nr`` once ``nf`` is at least N + 15 (white and pink noise, ffmpeg 5.1).
AFFTDN_FLOOR_OFFSET_DB = 18.0
# The leveler's working point: output target this far under the loud speech level.
LEVELER_HEADROOM_DB = 3.0
# Level detector of the leveler: slow enough that syllables keep their shape and pauses
# between words do not bring the noise up, fast enough to catch a new speaker within a word.
LEVELER_ATTACK_S = 0.3
LEVELER_DECAY_S = 1.0
# The expander's threshold lies between the noise floor and the speech, at least this far
# under the speech and at most that far.
GATE_MIN_BELOW_DB = 10.0
GATE_MAX_BELOW_DB = 30.0


class PresetInvalid(MediaError):
    """An unknown preset, an unknown setting or a setting of the wrong type or range."""


@dataclass(frozen=True, slots=True)
class SpeechSettings:
    """Which processing steps run and how hard (one preset, maybe with overrides)."""

    highpass_hz: float = 0.0
    hum: str = "off"
    hum_max_harmonics: int = 8
    hum_min_prominence_db: float = 10.0
    denoise_db: float = 0.0
    leveler: bool = False
    leveler_range_db: float = 14.0
    gate: bool = False
    gate_range_db: float = 20.0
    deess: bool = False

    @property
    def is_off(self) -> bool:
        """True when no step runs (the chain is empty and nothing is probed)."""
        return (
            self.highpass_hz <= 0
            and self.hum == "off"
            and self.denoise_db <= 0
            and not (self.leveler or self.gate or self.deess)
        )


_RANGES: dict[str, tuple[float, float]] = {
    "highpass_hz": (0.0, 300.0),
    "hum_max_harmonics": (1, 8),
    "hum_min_prominence_db": (3.0, 40.0),
    "denoise_db": (0.0, 40.0),
    "leveler_range_db": (3.0, 30.0),
    "gate_range_db": (0.0, 60.0),
}
_HUM_MODES = ("auto", "off", "50", "60")


def load_presets(path: Path = PRESETS_FILE) -> dict[str, SpeechSettings]:
    """Read the preset table (``media/presets/speech.toml``).

    Raises:
        PresetInvalid: the file is not valid TOML or a preset has a bad setting.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PresetInvalid(f"{path}: cannot read speech presets: {exc}") from None
    return {name: _settings(values, f"{path}: [{name}]") for name, values in data.items()}


def speech_settings(
    preset: str, overrides: Mapping[str, object] | None = None, *, where: str = "[audio]"
) -> SpeechSettings:
    """Return the settings of ``preset`` with ``overrides`` (e.g. ``{"gate": False}``) applied.

    Args:
        preset: A preset name from ``media/presets/speech.toml`` (``"interview"``, ``"none"``).
        overrides: Settings that replace the preset's (from ``[audio.speech]`` in a show).
        where: Named in error messages (the file and table the values came from).

    Raises:
        PresetInvalid: unknown preset or setting (with the nearest valid name), bad value.
    """
    presets = load_presets()
    if preset not in presets:
        raise PresetInvalid(f"{where}: preset: unknown preset {preset!r}{_hint(preset, presets)}")
    base = presets[preset]
    if not overrides:
        return base
    changed = _settings(overrides, f"{where}: speech", partial=True)
    return replace(base, **{k: getattr(changed, k) for k in overrides})


def _hint(name: str, choices: Mapping[str, object] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    known = ", ".join(sorted(choices))
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {known})"


def _settings(values: Mapping[str, object], where: str, partial: bool = False) -> SpeechSettings:
    kinds = {f.name: type(f.default) for f in fields(SpeechSettings)}
    out: dict[str, object] = {}
    for key, value in values.items():
        if key not in kinds:
            raise PresetInvalid(f"{where}: {key}: unknown setting{_hint(key, kinds)}")
        kind = kinds[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PresetInvalid(f"{where}: {key}: expected {kind.__name__}, not {value!r}")
        if key in _RANGES:
            low, high = _RANGES[key]
            if not low <= value <= high:  # type: ignore[operator]
                raise PresetInvalid(f"{where}: {key}: {value} is outside {low}..{high}")
        if key == "hum" and value not in _HUM_MODES:
            raise PresetInvalid(f"{where}: hum: expected one of {', '.join(_HUM_MODES)}")
        out[key] = value
    if not partial:
        missing = sorted(set(kinds) - set(out))
        if missing:
            raise PresetInvalid(f"{where}: missing settings: {', '.join(missing)}")
    return SpeechSettings(**out)  # type: ignore[arg-type]


# --- probe -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeechProbe:
    """What the chain needs to know about a recording (measured on excerpts)."""

    speech_dbfs: float  # RMS of loud speech blocks (90th percentile of 400 ms blocks)
    noise_dbfs: float  # RMS of the quietest blocks (10th percentile): the noise floor
    hum: Hum | None
    seconds_read: float
    # Speech-band level of every 400 ms block read (dBFS), in order: lets the multitrack mix
    # compare tracks probed at the same excerpts.
    block_dbfs: tuple[float, ...] = ()
    # The same every 10 ms (for lining up one voice across tracks).
    envelope_dbfs: tuple[float, ...] = ()
    # Level of the stereo difference (L-R)/2 against the sum, dB, in the speech band; None for
    # a mono output. Far down (DUAL_MONO_BELOW_DB) the two channels carry the same signal.
    side_db: float | None = None

    @property
    def dual_mono(self) -> bool:
        """Both channels carry the same signal (a mono microphone in a stereo file)."""
        return self.side_db is not None and self.side_db <= -DUAL_MONO_BELOW_DB


def _excerpt_starts(duration_s: float) -> list[float]:
    if duration_s <= WHOLE_FILE_S:
        return []
    span = duration_s - EXCERPT_S
    return [span * (i + 0.5) / EXCERPTS for i in range(EXCERPTS)]


def probe_speech(path: Path, *, duration_s: float, channels: int = 2) -> SpeechProbe:
    """Measure speech level, noise floor and mains hum of ``path`` on short excerpts.

    Args:
        path: The recording.
        duration_s: Its duration (from :func:`media.probe.probe`); picks the excerpts.
        channels: The output's channel count; the probe hears the mix the chain will get.

    Raises:
        EncodeFailed: ffmpeg could not read the file.
    """
    path = Path(path)
    starts = _excerpt_starts(duration_s)
    inputs: list[str] = []
    for start in starts or [0.0]:
        if starts:
            inputs += ["-ss", f"{start:.3f}", "-t", f"{EXCERPT_S}"]
        inputs += ["-i", input_url(path)]
    n = max(1, len(starts))
    fmt = f"aformat=sample_fmts=fltp:channel_layouts={LAYOUTS.get(channels, 'stereo')}"
    parts = [f"[{i}:a:0]aresample=48000,{fmt}[p{i}]" for i in range(n)]
    joined = "".join(f"[p{i}]" for i in range(n))
    speech_band = f"highpass=f=120,highpass=f=120,aresample={LEVEL_RATE}"
    if channels == 2:
        parts.append(f"{joined}concat=n={n}:v=0:a=1,asplit=2[ms][sd]")
        parts.append("[ms]pan=mono|c0=0.5*c0+0.5*c1,asplit=2[h][l]")
        parts.append(f"[sd]pan=mono|c0=0.5*c0-0.5*c1,{speech_band}[side]")
    else:
        parts.append(f"{joined}concat=n={n}:v=0:a=1,asplit=2[h][l]")
    parts.append(f"[h]aresample={HUM_RATE}[hum]")
    # Levels in the speech band: above the hum, where the leveler and expander act.
    parts.append(f"[l]{speech_band}[lvl]")
    with tempfile.TemporaryDirectory(prefix="kotocast-probe-") as tmp:
        hum_raw, lvl_raw = Path(tmp) / "hum.f32", Path(tmp) / "lvl.f32"
        side_raw = Path(tmp) / "side.f32"
        side_out = ("-map", "[side]", "-f", "f32le", "-c:a", "pcm_f32le", str(side_raw))
        run_ffmpeg(
            [
                *inputs,
                "-filter_complex",
                ";".join(parts),
                *("-map", "[hum]", "-f", "f32le", "-c:a", "pcm_f32le", str(hum_raw)),
                *("-map", "[lvl]", "-f", "f32le", "-c:a", "pcm_f32le", str(lvl_raw)),
                *(side_out if channels == 2 else ()),
            ],
            path=path,
            what="speech probe failed",
            error=EncodeFailed,
        )
        hum_samples = _read_f32(hum_raw)
        level_samples = _read_f32(lvl_raw)
        levels = _block_levels(level_samples, int(LEVEL_RATE * BLOCK_S))
        envelope = _block_levels(level_samples, int(LEVEL_RATE * ENVELOPE_S))
        side_db = _relative_db(_read_f32(side_raw), level_samples) if channels == 2 else None
    seconds = len(hum_samples) / HUM_RATE
    segment = EXCERPT_S if starts else None
    # Record weaker lines too; the settings decide which ones get a notch.
    hum = detect_hum(hum_samples, HUM_RATE, min_prominence_db=6.0, excerpt_s=segment)
    if levels:
        ordered = sorted(levels)
        speech = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        noise = ordered[int(0.1 * len(ordered))]
    else:
        speech, noise = -30.0, -70.0
    probe = SpeechProbe(
        speech,
        noise,
        hum,
        seconds,
        tuple(round(v, 2) for v in levels),
        tuple(round(v, 1) for v in envelope),
        None if side_db is None else round(side_db, 1),
    )
    log.info(
        "%s: speech %.1f dBFS, noise %.1f dBFS, hum %s (%.0f s read)",
        path,
        speech,
        noise,
        hum,
        seconds,
    )
    return probe


def _read_f32(path: Path) -> array.array[float]:
    samples = array.array("f")
    samples.frombytes(path.read_bytes())
    return samples


def _relative_db(part: array.array[float], whole: array.array[float]) -> float:
    """Power of ``part`` against ``whole``, dB (-120 for silence against anything)."""
    num = math.fsum(map(float.__mul__, part, part))
    den = math.fsum(map(float.__mul__, whole, whole))
    if den <= 0:
        return 0.0 if num > 0 else -120.0
    return max(-120.0, 10 * math.log10(max(num, 1e-30) / den))


def _block_levels(samples: array.array[float], block: int) -> list[float]:
    levels = []
    for start in range(0, len(samples) - block + 1, block):
        chunk = samples[start : start + block]
        power = math.fsum(map(float.__mul__, chunk, chunk)) / block
        levels.append(10 * math.log10(max(power, 1e-12)))
    return levels


# --- chain -------------------------------------------------------------------------------


def build_chain(settings: SpeechSettings, probe: SpeechProbe | None) -> str | None:
    """Return the ffmpeg filter chain for ``settings`` (None when every step is off).

    Steps, in order: high-pass (removes DC and rumble), notches on the detected hum
    harmonics, afftdn noise reduction with the measured noise floor, the leveler (a compander
    with a slow level detector: quiet speakers come up, loud ones down, and with no look-ahead
    a steady music bed keeps a steady gain instead of being ridden), the pause expander and
    the de-esser.

    Raises:
        ValueError: a step needs a probe and ``probe`` is None.
    """
    if settings.is_off:
        return None
    needs_probe = settings.hum != "off" or settings.leveler or settings.gate
    if needs_probe and probe is None:
        raise ValueError("this preset measures the recording first: pass a SpeechProbe")
    steps: list[str] = []
    if settings.highpass_hz > 0:
        hz = f"{settings.highpass_hz:g}"
        steps += [f"highpass=f={hz}", f"highpass=f={hz}"]  # 4th order, DC included
    steps += _hum_notches(settings, probe)
    noise = probe.noise_dbfs if probe is not None else -50.0
    if settings.denoise_db > 0:
        floor = min(-20.0, max(-80.0, noise + AFFTDN_FLOOR_OFFSET_DB))
        steps.append(f"afftdn=nr={settings.denoise_db:g}:nf={floor:.1f}")
        noise -= settings.denoise_db
    target = None
    if settings.leveler and probe is not None:
        steps.append(_leveler(settings, probe, noise))
        target = probe.speech_dbfs - LEVELER_HEADROOM_DB
    if settings.gate and probe is not None:
        level = target if target is not None else probe.speech_dbfs
        # Halfway (in dB) between the processed noise floor and the speech.
        gate_db = min(
            level - GATE_MIN_BELOW_DB, max(level - GATE_MAX_BELOW_DB, (level + noise) / 2)
        )
        threshold = 10 ** (gate_db / 20)
        rng = 10 ** (-settings.gate_range_db / 20)
        steps.append(
            f"agate=threshold={threshold:.6f}:range={rng:.5f}:ratio=3:attack=10:release=300"
            ":knee=4:detection=rms"
        )
    if settings.deess:
        steps.append("deesser=i=0.4:m=0.5:f=0.5:s=o")
    return ",".join(steps) or None


def _hum_notches(settings: SpeechSettings, probe: SpeechProbe | None) -> list[str]:
    if settings.hum == "off":
        return []
    if settings.hum == "auto":
        hum = probe.hum if probe is not None else None
        if hum is None:
            return []
        harmonics = [
            f
            for f, p in zip(hum.harmonics_hz, hum.prominence_db, strict=True)
            if p >= settings.hum_min_prominence_db
            and round(f / hum.mains_hz) <= settings.hum_max_harmonics
        ]
        if len(harmonics) < MIN_LINES:
            return []  # a single line is not mains hum (see media.hum)
    else:  # a forced mains frequency: every harmonic, as asked
        mains = float(settings.hum)
        harmonics = [mains * k for k in range(1, settings.hum_max_harmonics + 1)]
    return [f"bandreject=f={f:.3f}:width_type=h:width={HUM_NOTCH_WIDTH_HZ:g}" for f in harmonics]


def _leveler(settings: SpeechSettings, probe: SpeechProbe, noise_dbfs: float) -> str:
    """A compander whose flat middle brings every speaker to about the same level.

    Below the (denoised) noise floor nothing is raised; from there it rises steeply to the
    flat band that covers ``leveler_range_db`` under the loud speech, where a 20 dB input
    spread becomes 3 dB; above, 3:1 compression. All points are relative to the measured
    speech level, so the curve fits quiet and loud recordings alike.
    """
    # Clamped so the points always rise from -90 to 0 dB (compand refuses anything else): a
    # recording with digital silence has no noise floor, a clipped one no headroom.
    loud = min(-9.0, max(-60.0, probe.speech_dbfs))
    target = loud - LEVELER_HEADROOM_DB
    low = max(-80.0, loud - settings.leveler_range_db)
    floor = max(-87.0, min(noise_dbfs + 10.0, low - 3.0))
    high = loud + 6.0
    top = target + 1.5 + (0.0 - high) / 3.0
    points = [(-90.0, -90.0), (floor, floor), (low, target - 1.5), (high, target + 1.5), (0.0, top)]
    curve = "|".join(f"{i:.1f}/{o:.1f}" for i, o in points)
    initial = loud - settings.leveler_range_db / 2
    return (
        f"compand=attacks={LEVELER_ATTACK_S:g}:decays={LEVELER_DECAY_S:g}"
        f":volume={initial:.1f}:points={curve}"
    )


@dataclass(frozen=True, slots=True)
class SpeechChain:
    """A chain ready for ``normalize_audio(pre_filter=chain.filter)`` and what it came from."""

    settings: SpeechSettings
    probe: SpeechProbe | None
    filter: str | None


def prepare_speech(
    path: Path,
    settings: SpeechSettings,
    *,
    duration_s: float,
    channels: int = 2,
    source_channels: int | None = None,
) -> SpeechChain:
    """Probe ``path`` when the settings need it and build its chain.

    Args:
        path: The recording.
        settings: The preset (with overrides).
        duration_s: Its duration (picks the probe's excerpts).
        channels: The output's channel count (the chain runs after the up/downmix to it).
        source_channels: The recording's own channel count: a mono recording going out as
            stereo has two identical channels, so the chain runs once on one of them and the
            result is copied to both (half the work, the same samples). A stereo recording
            the probe finds dual mono (:data:`DUAL_MONO_BELOW_DB`) is treated the same way.

    Raises:
        EncodeFailed: the probe could not read the file.
    """
    needs_probe = not settings.is_off and (
        settings.hum == "auto" or settings.leveler or settings.gate or settings.denoise_db > 0
    )
    probe = probe_speech(path, duration_s=duration_s, channels=channels) if needs_probe else None
    chain = build_chain(settings, probe)
    if chain and channels == 2 and (source_channels == 1 or (probe and probe.dual_mono)):
        chain = f"pan=mono|c0=0.5*c0+0.5*c1,{chain},pan=stereo|c0=c0|c1=c0"
    return SpeechChain(settings, probe, chain)
