"""Generate small test media with real ffmpeg and espeak-ng.

Plain functions so any test (media, pipeline, feeds) can import them::

    from tests.mediagen import make_speech, make_tone, make_video, make_cover, measure_ebur128

Every generator writes exactly the file it is given and returns its path. Keep media a few
seconds long: the CI machine has two shared cores.

``measure_ebur128`` is an *independent* EBU R128 meter (ffmpeg ``ebur128=peak=true`` plus a
tiny parser written here) so tests never grade ``media.loudness`` with itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FFMPEG = os.environ.get("FFMPEG_PATH", "ffmpeg")

# Finnish sentences for espeak-ng (integration-project vocabulary, with ä/ö).
FINNISH_TEXT = (
    "Tervetuloa kuuntelemaan kotoutumisen podcastia. Tänään puhumme työstä, kielestä ja "
    "arjesta Suomessa. Haastattelussa on kaksi vierasta, jotka muuttivat tänne viisi vuotta "
    "sitten. Kerro ensin, miltä ensimmäinen talvi tuntui? Se oli pimeä, mutta ihmiset olivat "
    "ystävällisiä, ja suomen kielen kurssi auttoi paljon."
)

_CACHE_DIR = Path(tempfile.gettempdir()) / f"kotocast-mediagen-{os.getuid()}"


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=True, capture_output=True, text=True)


def _ffmpeg(*args: str) -> subprocess.CompletedProcess[str]:
    return _run([FFMPEG, "-hide_banner", "-nostdin", "-y", *args])


def measure_ebur128(path: Path) -> tuple[float, float]:
    """Return (integrated LUFS, true peak dBTP) of ``path``, measured independently."""
    out = _ffmpeg(
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-filter:a",
        "ebur128=peak=true:framelog=verbose",
        "-f",
        "null",
        "-",
    ).stderr
    summary = out[out.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def _espeak_finnish() -> Path:
    """Render the Finnish sentences once per machine (espeak-ng output is deterministic)."""
    _CACHE_DIR.mkdir(exist_ok=True)
    digest = hashlib.sha256(FINNISH_TEXT.encode()).hexdigest()[:12]
    wav = _CACHE_DIR / f"speech-fi-{digest}.wav"
    if not wav.exists():
        tmp = wav.with_suffix(f".{os.getpid()}.tmp.wav")
        _run(["espeak-ng", "-v", "fi", "-s", "150", "-w", str(tmp), FINNISH_TEXT])
        os.replace(tmp, wav)
    return wav


def make_speech(
    path: Path,
    seconds: float,
    lufs: float,
    channels: int = 2,
    clip: bool = False,
    sample_rate: int = 48000,
    codec: str | None = None,
) -> Path:
    """Write Finnish espeak-ng speech over a quiet music bed at about ``lufs`` integrated.

    Args:
        path: Output file; its suffix picks the container (.wav, .flac, .mp3, .m4a, .ogg, .opus).
        seconds: Duration.
        lufs: Wanted integrated loudness (within about 0.5 LU).
        channels: 1, 2 or 6 (5.1: speech in the centre, bed in the fronts and surrounds).
        clip: Boost hard so samples clip at full scale (for ``lufs`` around -8).
        sample_rate: Output sample rate.
        codec: ffmpeg audio codec; by default chosen from the suffix.
    """
    speech = _espeak_finnish()
    # Speech looped to length, a soft two-chord "music bed" and a little pink noise.
    graph = (
        "[0:a]aresample=48000,volume=1.0[s];"
        "sine=f=220:r=48000,volume=0.06[b1];sine=f=277:r=48000,volume=0.04[b2];"
        "anoisesrc=color=pink:r=48000:amplitude=0.02:seed=7[n];"
        "[b1][b2][n]amix=inputs=3:normalize=0,tremolo=f=0.5:d=0.4[bed];"
        "[s][bed]amix=inputs=2:normalize=0[mono]"
    )
    if channels == 1:
        graph += ";[mono]anull[mix]"
    elif channels == 2:
        graph += (
            ";[mono]asplit[l][r];[r]adelay=3[rd];[l][rd]join=inputs=2:channel_layout=stereo[mix]"
        )
    elif channels == 6:
        # FC carries the speech; the bed goes to FL/FR/BL/BR; LFE is a quiet hum.
        graph = graph.replace(
            "[s][bed]amix=inputs=2:normalize=0[mono]", "[bed]asplit=4[fl][fr][bl][br]"
        )
        graph += (
            ";sine=f=50:r=48000,volume=0.05[lfe]"
            ";[fl][fr][s][lfe][bl][br]join=inputs=6:channel_layout=5.1[mix]"
        )
    else:
        raise ValueError(f"channels must be 1, 2 or 6, not {channels}")

    with tempfile.TemporaryDirectory(dir=path.parent) as tmpdir:
        raw = Path(tmpdir) / "raw.wav"
        _ffmpeg(
            "-stream_loop",
            "-1",
            "-i",
            str(speech),
            "-filter_complex",
            graph,
            "-map",
            "[mix]",
            "-t",
            f"{seconds}",
            "-c:a",
            "pcm_f32le",
            str(raw),
        )
        gain = lufs - measure_ebur128(raw)[0]
        staged = raw
        if clip:
            # Clipping lowers loudness; converge in a few cheap rounds.
            for i in range(3):
                staged = Path(tmpdir) / f"clip{i}.wav"
                _ffmpeg(
                    "-i", str(raw), "-af", f"volume={gain:.3f}dB", "-c:a", "pcm_s16le", str(staged)
                )
                gain += lufs - measure_ebur128(staged)[0]
        final_gain = 0.0 if clip else gain
        args = ["-i", str(staged), "-af", f"volume={final_gain:.3f}dB", "-ar", str(sample_rate)]
        args += ["-c:a", codec or _codec_for(path.suffix)]
        if path.suffix in (".mp3", ".m4a"):
            args += ["-b:a", "128k"]
        _ffmpeg(*args, str(path))
    return path


def _codec_for(suffix: str) -> str:
    return {
        ".wav": "pcm_s16le",
        ".flac": "flac",
        ".mp3": "libmp3lame",
        ".m4a": "aac",
        ".aac": "aac",
        ".ogg": "libvorbis",
        ".opus": "libopus",
    }[suffix]


def make_tone(
    path: Path, seconds: float, freq_hz: float = 440.0, channels: int = 2, sample_rate: int = 48000
) -> Path:
    """Write a sine tone (a jingle stand-in for intros and outros)."""
    layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=f={freq_hz}:r={sample_rate}:d={seconds}",
        "-af",
        f"volume=0.3,aformat=channel_layouts={layout}",
        "-c:a",
        _codec_for(path.suffix),
        str(path),
    )
    return path


def make_video(path: Path, seconds: float, with_audio: bool = True, codec: str = "h264") -> Path:
    """Write a small test-pattern video, optionally with a tone track."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:d={seconds}"]
    if with_audio:
        args += ["-f", "lavfi", "-i", f"sine=f=330:d={seconds}", "-c:a", "aac"]
    vcodec = {"h264": "libx264", "mpeg4": "mpeg4", "vp9": "libvpx-vp9"}.get(codec, codec)
    args += ["-c:v", vcodec, "-pix_fmt", "yuv420p", "-shortest", str(path)]
    _ffmpeg(*args)
    return path


def make_cover(
    path: Path, size: int | tuple[int, int] = 1400, mode: str = "RGB", fmt: str | None = None
) -> Path:
    """Write a cover image (gradient) of ``size`` px (int = square) in Pillow ``mode``."""
    from PIL import Image

    width, height = (size, size) if isinstance(size, int) else size
    img = Image.linear_gradient("L").resize((width, height))
    rgb = Image.merge(
        "RGB", (img, img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), img.point(lambda v: 255 - v))
    )
    if mode == "RGBA":
        out = rgb.convert("RGBA")
        out.putalpha(img)
    elif mode in ("P", "CMYK", "L", "LA", "I;16"):
        out = rgb.convert(mode)
    else:
        out = rgb.convert(mode)
    kind = (
        fmt
        or {
            ".jpg": "JPEG",
            ".jpeg": "JPEG",
            ".png": "PNG",
            ".webp": "WEBP",
            ".gif": "GIF",
            ".tif": "TIFF",
            ".tiff": "TIFF",
            ".bmp": "BMP",
        }[path.suffix.lower()]
    )
    out.save(path, kind)
    return path


def truncate_file(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``src`` to ``dst`` (a truncated download)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def copy_fixture(src: Path, dst_dir: Path) -> Path:
    """Copy a shared fixture into a test's own directory before anything writes to it."""
    dst = dst_dir / src.name
    shutil.copyfile(src, dst)
    return dst
