"""Build Show and Episode values in code (no ffmpeg) for the feeds tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from episodes.model import Asset, Chapter, Episode, Person, Show, Soundbite, Transcript, Variant

BASE_URL = "https://cdn.example.fi/kotocast/"
FEED_URL = "https://cdn.example.fi/kotocast/feed.xml"
HELSINKI = timezone(timedelta(hours=3))


def asset(key: str, mime: str, size: int = 1000, **kw: Any) -> Asset:
    """Return an Asset whose workspace path mirrors its key."""
    return Asset(path=key, key=key, size_bytes=size, sha256="0" * 64, mime_type=mime, **kw)


def show(**kw: Any) -> Show:
    """Return a Finnish show with a host, overridable field by field."""
    fields: dict[str, Any] = {
        "title": 'Kotoutumisen ääniä & <muuta> "podcast"',
        "author": "Äänitys Oy",
        "email": "podcast@example.fi",
        "language": "fi",
        "description": "Haastatteluja **kotoutumisesta**.\n\nLue lisää: [sivut](https://example.fi/?a=1&b=2)",
        "category": "Society & Culture",
        "subcategory": "Documentary",
        "image_key": "art/cover-3f2a.jpg",
        "link": "https://example.fi/podcast",
        "podcast_guid": "917393e3-1b1e-5cef-ace4-edaa54e1f810",
        "persons": (Person("Aino Äänelä", "host", href="https://example.fi/aino"),),
        "update_frequency": "FREQ=WEEKLY",
        "txt": ("applepodcastsverify-123",),
    }
    fields.update(kw)
    return Show(**fields)


def episode(n: int, **kw: Any) -> Episode:
    """Return a released audio episode number ``n`` with transcripts, chapters and a guest."""
    key = f"media/ep-{n:03d}-ab{n:02d}.mp3"
    fields: dict[str, Any] = {
        "slug": f"ep-{n}",
        "guid": f"kotocast-{n:04d}-9a1c",
        "title": f"Jakso {n}: Äiti, isä & <lapsi> — مرحبا 🎙️",
        "publish_at": datetime(2024, 3, 1, 9, 0, tzinfo=HELSINKI) + timedelta(days=7 * n),
        "description": f"Jakson {n} kuvaus.\n\n- kohta 1\n- kohta 2",
        "season": 1,
        "number": n,
        "media": asset(key, "audio/mpeg", 1_000_000 + n, duration_s=1800.4 + n),
        "chapters_file": asset(f"media/ep-{n:03d}-ab{n:02d}.chapters.json", "application/json"),
        "chapters": (Chapter(0.0, "Alku"),),
        "transcripts": (
            Transcript(asset(f"media/ep-{n:03d}.fi.vtt", "text/vtt"), "fi"),
            Transcript(asset(f"media/ep-{n:03d}.ar.srt", "application/x-subrip"), "ar"),
        ),
        "persons": (Person("Omar Haddad", "guest"),),
        "soundbites": (Soundbite(60.0, 30.5, "Paras hetki"),),
        "alternates": (
            asset(f"media/ep-{n:03d}-ab{n:02d}.m4a", "audio/x-m4a", 900_000, bitrate_kbps=96),
        ),
    }
    fields.update(kw)
    return Episode.single(language=fields.pop("language", "fi"), **fields)


def video_episode(n: int, languages: tuple[str, ...] = ("fi", "ar")) -> Episode:
    """Return a video-series episode with one Variant per language."""
    variants = tuple(
        Variant(
            language=lang,
            title=f"Osa {n} ({lang})",
            description=f"Kuvaus {lang}",
            media=asset(f"video/{lang}/ep-{n:03d}.mp4", "video/mp4", 5_000_000, duration_s=600.0),
            publish_at=datetime(2024, 3, 1, 9, 0, tzinfo=HELSINKI) + timedelta(days=7 * n),
            transcripts=(
                Transcript(asset(f"video/{lang}/ep-{n:03d}.{lang}.vtt", "text/vtt"), lang),
            ),
        )
        for lang in languages
    )
    return Episode(slug=f"ep-{n}", guid=f"kotocast-{n:04d}-9a1c", variants=variants, number=n)
