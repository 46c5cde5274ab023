"""The demo video series: two short explainers in Finnish, English and Arabic.

Made here from nothing: ffmpeg's test pattern with the episode's title drawn on it and
espeak-ng speech in each language as the soundtrack (left quiet on purpose, so normalising to
-16 LUFS shows). One Arabic video is H.264 (copied bit for bit), one is MPEG-4 Part 2 (re-encoded),
and captions are generated from the spoken text (SubRip for one language, WebVTT for the others).
Running it again reuses what exists and publishes again (which then changes nothing).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from episodes.catalog import load_episodes, utc_now
from episodes.errors import FieldInvalid
from episodes.show import CONFIG_NAME
from media.ffmpeg import run_ffmpeg

from .add import AddRequest, add_episode
from .publish import publish
from .site import feed_key
from .workspace import InitRequest, init_workspace

LANGUAGES = ("fi", "en", "ar")
# espeak-ng voice per language.
VOICES = {"fi": "fi", "en": "en", "ar": "ar"}
SERIES_TITLES = {
    "fi": "Arki Suomessa",
    "en": "Everyday life in Finland",
    "ar": "الحياة اليومية في فنلندا",
}
SERIES_DESCRIPTIONS = {
    "fi": "Lyhyitä videoita terveydenhuollosta, asumisesta ja Kelasta.",
    "en": "Short videos on health care, housing and Kela.",
    "ar": "فيديوهات قصيرة عن الرعاية الصحية والسكن ومؤسسة كيلا.",
}
# slug -> language -> (title, description, spoken text); days from now to release.
EPISODES: dict[str, tuple[int, dict[str, tuple[str, str, str]]]] = {
    "terveydenhuolto": (
        -3,
        {
            "fi": (
                "Terveydenhuolto",
                "Miten terveysasemalle pääsee?",
                "Kun sairastut, soita ensin terveysasemalle. Hätätilanteessa soita 112.",
            ),
            "en": (
                "Health care",
                "How to get an appointment at the health centre.",
                "When you fall ill, call your health centre first. In an emergency, call 112.",
            ),
            "ar": (
                "الرعاية الصحية",
                "كيف تحصل على موعد في المركز الصحي؟",
                "عندما تمرض، اتصل أولاً بالمركز الصحي. في حالة الطوارئ اتصل بالرقم 112.",
            ),
        },
    ),
    "asuminen": (
        -1,
        {
            "fi": (
                "Asuminen",
                "Vuokrasopimus ja takuuvuokra.",
                "Ennen muuttoa lue vuokrasopimus huolellisesti ja ota kotivakuutus.",
            ),
            "ar": (
                "السكن",
                "عقد الإيجار ووديعة الضمان.",
                "قبل الانتقال اقرأ عقد الإيجار بعناية واحصل على تأمين منزلي.",
            ),
        },
    ),
}
SECONDS_PER_VIDEO = 6.0


def build_video_demo(
    directory: Path, *, progress: Callable[[float], None] | None = None
) -> tuple[Path, list[str]]:
    """Create (or refresh) the demo video series in ``directory`` and publish it.

    Returns:
        The published ``index.html`` and the lines to show the producer.
    """
    if shutil.which("espeak-ng") is None:
        raise FieldInvalid("espeak-ng", "is not installed (Debian: apt-get install espeak-ng)")
    directory = directory.resolve()
    sources = directory / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    if not (directory / CONFIG_NAME).exists():
        cover = draw_cover(sources / "cover.png", "Arki Suomessa", "kotocast video demo")
        init_workspace(
            directory,
            InitRequest(
                title=SERIES_TITLES["fi"],
                author="Kotoutumishanke",
                email="video@example.org",
                language="fi",
                languages=",".join(LANGUAGES),
                medium="video",
                image=cover,
                description=SERIES_DESCRIPTIONS["fi"],
                category="Education",
            ),
        )
        _localise(directory / CONFIG_NAME)
    now = utc_now()
    have = {(e.slug, v.language) for e in load_episodes(directory) for v in e.variants}
    todo = [
        (slug, days, lang, texts)
        for slug, (days, by_lang) in EPISODES.items()
        for lang, texts in by_lang.items()
        if (slug, lang) not in have
    ]
    lines = []
    step = 1 / max(len(todo), 1)
    for index, (slug, days, lang, (title, notes, speech)) in enumerate(todo):
        codec = "mpeg4" if (slug, lang) == ("asuminen", "ar") else "libx264"
        video = make_demo_video(
            sources / f"{slug}-{lang}.mp4", title, speech, VOICES[lang], codec=codec
        )
        suffix = "srt" if lang == "en" else "vtt"
        captions = write_demo_captions(
            sources / f"{slug}.{lang}.{suffix}", speech, srt=lang == "en"
        )
        report: Callable[[float], None] | None = None
        if progress is not None:
            report = _scaled(progress, index * step, step)
        added = add_episode(
            directory,
            AddRequest(
                media=video,
                slug=slug,
                language=lang,
                title=title,
                description=notes,
                transcripts=(captions,),
                publish_at=(now + timedelta(days=days)).isoformat(),
            ),
            now=now,
            progress=report,
        )
        lines.append(added.summary())
    published = publish(directory, now=now)
    lines.append(published.summary())
    lines.append(
        f"pages: {directory / 'public' / 'index.html'}; feeds: "
        + ", ".join(feed_key(lang) for lang in LANGUAGES)
    )
    return directory / "public" / "index.html", lines


def _scaled(
    progress: Callable[[float], None], start: float, span: float
) -> Callable[[float], None]:
    return lambda fraction: progress(start + fraction * span)


def _localise(config: Path) -> None:
    """Write the per-language series titles and descriptions into the new kotocast.toml."""
    import tomlkit

    doc = tomlkit.parse(config.read_text(encoding="utf-8"))
    doc["show"]["titles"] = dict(SERIES_TITLES)  # type: ignore[index]
    doc["show"]["descriptions"] = dict(SERIES_DESCRIPTIONS)  # type: ignore[index]
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")


def make_demo_video(path: Path, title: str, text: str, voice: str, *, codec: str) -> Path:
    """Write a 320x180 test-pattern video with espeak-ng ``text`` as a quiet soundtrack."""
    speech = path.with_suffix(".voice.wav")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "140", "-w", str(speech), text],
        check=True,
        capture_output=True,
    )
    del title  # drawtext needs fonts that minimal systems lack; the pattern is enough
    try:
        run_ffmpeg(
            [
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=320x180:rate=25:d={SECONDS_PER_VIDEO}",
                "-i",
                str(speech),
                "-filter_complex",
                f"[1:a]aresample=48000,volume=-12dB,apad=whole_dur={SECONDS_PER_VIDEO}[a]",
                "-map",
                "0:v",
                "-map",
                "[a]",
                "-t",
                str(SECONDS_PER_VIDEO),
                "-c:v",
                codec,
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                str(path),
            ],
            path=path,
            what="making demo video",
        )
    finally:
        speech.unlink(missing_ok=True)
    return path


def write_demo_captions(path: Path, text: str, *, srt: bool) -> Path:
    """Write the spoken text as captions, one sentence per cue, spread over the video."""
    sentences = [s.strip() + "." for s in text.replace("?", ".").split(".") if s.strip()]
    step = SECONDS_PER_VIDEO / len(sentences)
    cues = []
    for i, sentence in enumerate(sentences):
        start, end = _clock(i * step, srt), _clock((i + 1) * step, srt)
        cues.append(f"{i + 1}\n{start} --> {end}\n{sentence}\n")
    body = "\n".join(cues) if srt else "WEBVTT\n\n" + "\n".join(cues)
    path.write_text(body, encoding="utf-8")
    return path


def _clock(seconds: float, srt: bool) -> str:
    millis = round(seconds * 1000)
    text = f"{millis // 3600000:02d}:{millis // 60000 % 60:02d}:{millis // 1000 % 60:02d}"
    return f"{text}{',' if srt else '.'}{millis % 1000:03d}"


def draw_cover(path: Path, title: str, subtitle: str, *, size: int = 1400) -> Path:
    """Draw square RGB cover art (Apple: 1400-3000 px) with the title on a coloured field."""
    image = Image.new("RGB", (size, size), (18, 64, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(size * 0.62), size, size), fill=(240, 196, 25))
    draw.ellipse((size * 0.55, size * 0.1, size * 0.9, size * 0.45), fill=(255, 255, 255))
    draw.text((size * 0.08, size * 0.68), title, fill=(18, 64, 110), font_size=size // 12)
    draw.text((size * 0.08, size * 0.82), subtitle, fill=(18, 64, 110), font_size=size // 20)
    image.save(path, format="PNG")
    return path
