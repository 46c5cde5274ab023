"""``kotocast demo``: build and publish a small demo show from generated Finnish speech.

The demo walks the path a producer takes — init, add, publish — on media made here: Finnish
speech from espeak-ng over a quiet music bed, and cover art drawn with Pillow. Running it again
reuses what exists and publishes again (which then changes nothing).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from episodes.catalog import load_episodes, utc_now
from episodes.errors import FieldInvalid
from episodes.show import CONFIG_NAME
from media.ffmpeg import run_ffmpeg

from .add import AddRequest, add_episode
from .demo_video import build_video_demo, draw_cover
from .publish import FEED_KEY, publish
from .workspace import InitRequest, init_workspace

DEMO_EPISODES = (
    (
        "tervetuloa",
        "Tervetuloa Suomeen – ensimmäiset viikot",
        "Mistä aloittaa, kun muuttaa Suomeen? Puhumme maistraatista, Kelasta ja kielikursseista.",
        "Tervetuloa kuuntelemaan. Tässä jaksossa puhumme ensimmäisistä viikoista Suomessa: "
        "kotikunnasta, Kelasta ja suomen kielen kursseista.",
        -30.0,
        -14,
    ),
    (
        "tyonhaku",
        "Työnhaku ja kielitaito",
        "Vieraana työvalmentaja. Miten **suomen kieli** ja työnhaku kulkevat yhdessä?",
        "Tänään vieraana on työvalmentaja. Hän kertoo, miten työtä voi hakea, vaikka "
        "suomen kieli on vasta alussa.",
        -10.0,
        -7,
    ),
    (
        "asuminen",
        "Asuminen ja vuokrasopimus",
        "Ajastettu jakso: julkaistaan myöhemmin.",
        "Vuokrasopimus, takuuvuokra ja kotivakuutus. Nämä kannattaa tietää ennen muuttoa.",
        -20.0,
        7,
    ),
)


def build_demo(
    directory: Path, *, progress: Callable[[float], None] | None = None
) -> tuple[Path, list[str]]:
    """Create (or refresh) the demo show in ``directory`` and publish it to its folder storage.

    Returns:
        The published feed's path and the lines to show the producer.
    """
    if shutil.which("espeak-ng") is None:
        raise FieldInvalid("espeak-ng", "is not installed (Debian: apt-get install espeak-ng)")
    directory = directory.resolve()
    sources = directory / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    if not (directory / CONFIG_NAME).exists():
        cover = sources / "cover.png"
        draw_cover(cover, "Kotona Suomessa", "kotocast demo")
        init_workspace(
            directory,
            InitRequest(
                title="Kotona Suomessa (demo)",
                author="Kotoutumishanke",
                email="podcast@example.org",
                language="fi",
                description="Demo show made by kotocast: interviews on settling in Finland.",
                category="Society & Culture",
                image=cover,
            ),
        )
    now = utc_now()
    existing = {e.slug for e in load_episodes(directory)}
    lines = []
    todo = [e for e in DEMO_EPISODES if e[0] not in existing]
    for index, (slug, title, notes, speech, level, days) in enumerate(todo):
        wav = sources / f"{slug}.wav"
        make_demo_speech(wav, speech, level_db=level)
        step = 1 / max(len(todo), 1)
        episode = add_episode(
            directory,
            AddRequest(
                media=wav,
                title=title,
                description=notes,
                slug=slug,
                publish_at=(now + timedelta(days=days)).isoformat(),
            ),
            now=now,
            progress=_part(progress, index * step, step),
        ).episode
        loud = episode.loudness
        if loud:
            lines.append(
                f"added {slug}: {loud.input_lufs:.1f} LUFS -> {loud.output_lufs:.1f} LUFS, "
                f"true peak {loud.output_true_peak_dbtp:.1f} dBTP"
            )
    result = publish(directory, now=now)
    lines.append(result.summary())
    kotocast = _command()
    lines.append(f"preview: cd {directory} && {kotocast} serve  (then open {result.feed_url})")
    # The multilingual video series demo sits next to the podcast (its own workspace).
    pages, video_lines = build_video_demo(directory / "video-series")
    lines += video_lines
    lines.append(
        f"video series: cd {directory / 'video-series'} && {kotocast} serve  "
        f"(then open http://localhost:8000/index.html; pages at {pages})"
    )
    return directory / "public" / FEED_KEY, lines


def _command() -> str:
    """Return how to run kotocast here: the venv's script when it is not on PATH."""
    script = Path(sys.executable).parent / "kotocast"
    if shutil.which("kotocast") == str(script) or not script.exists():
        return "kotocast"
    return str(script)


def _part(
    progress: Callable[[float], None] | None, start: float, share: float
) -> Callable[[float], None] | None:
    """Map a stage's 0..1 progress onto its share of the whole run."""
    if progress is None:
        return None
    return lambda fraction: progress(start + fraction * share)


def make_demo_speech(path: Path, text: str, *, level_db: float) -> Path:
    """Write Finnish espeak-ng speech over a soft chord bed to ``path`` (48 kHz stereo WAV)."""
    voice = path.with_suffix(".voice.wav")
    subprocess.run(
        ["espeak-ng", "-v", "fi", "-s", "150", "-w", str(voice), text],
        check=True,
        capture_output=True,
    )
    bed = (
        "sine=f=220:r=48000,volume=0.05[b1];sine=f=277:r=48000,volume=0.04[b2];"
        "sine=f=330:r=48000,volume=0.03[b3];[b1][b2][b3]amix=3:duration=shortest[bed]"
    )
    try:
        run_ffmpeg(
            [
                "-y",
                "-i",
                str(voice),
                "-filter_complex",
                f"{bed};[0:a]aresample=48000,aformat=channel_layouts=mono[v];"
                f"[v][bed]amix=2:duration=first:normalize=0,volume={level_db + 12:.1f}dB,"
                "aformat=channel_layouts=stereo,apad=pad_dur=1[out]",
                "-map",
                "[out]",
                "-c:a",
                "pcm_s16le",
                str(path),
            ],
            path=path,
            what="making demo audio",
        )
    finally:
        voice.unlink(missing_ok=True)
    return path
