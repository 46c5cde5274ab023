"""The show and its episodes as frozen values.

These dataclasses are what every other package reads: ``feeds`` renders them, ``pipeline``
fills them in. They carry no behaviour beyond small derived properties; loading and saving
live in :mod:`episodes.show` and :mod:`episodes.catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

EPISODE_TYPES = ("full", "trailer", "bonus")
SHOW_TYPES = ("episodic", "serial")
MEDIUMS = ("podcast", "video")


@dataclass(frozen=True, slots=True)
class Person:
    """A ``podcast:person``: host, guest, producer... (Podcast Index person taxonomy)."""

    name: str
    role: str = "host"
    group: str = "cast"
    href: str | None = None
    img: str | None = None


@dataclass(frozen=True, slots=True)
class Chapter:
    """One chapter mark; ``start_s`` from the start of the published media."""

    start_s: float
    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class LoudnessRecord:
    """Loudness measured before and after normalising (EBU R128 / ITU-R BS.1770)."""

    input_lufs: float
    input_true_peak_dbtp: float
    output_lufs: float
    output_true_peak_dbtp: float


@dataclass(frozen=True, slots=True)
class Asset:
    """A processed file in the workspace and the object key it is published under.

    ``path`` is relative to the workspace; ``key`` is the storage object key. Media keys
    contain a hash of the content, so a changed file gets a new key and a published
    object is never overwritten.
    """

    path: str
    key: str
    size_bytes: int
    sha256: str
    mime_type: str
    duration_s: float | None = None
    bitrate_kbps: int | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """A transcript or caption file (``podcast:transcript``)."""

    asset: Asset
    language: str
    rel: str | None = "captions"


@dataclass(frozen=True, slots=True)
class Soundbite:
    """A ``podcast:soundbite`` and its rendered teaser clip."""

    start_s: float
    duration_s: float
    title: str | None = None
    teaser: Asset | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """One language version of a video-series episode."""

    language: str
    title: str
    description: str
    media: Asset
    captions: tuple[Transcript, ...] = ()
    loudness: LoudnessRecord | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode as recorded under ``episodes/<slug>.toml``.

    ``guid`` is assigned once when the episode is created and never changes. ``publish_at``
    is timezone-aware and keeps the producer's offset; compare it in UTC.
    """

    slug: str
    guid: str
    title: str
    publish_at: datetime | None
    description: str = ""
    episode_type: str = "full"
    season: int | None = None
    number: int | None = None
    explicit: bool | None = None
    draft: bool = False
    withdrawn: bool = False
    media: Asset | None = None
    image: Asset | None = None
    loudness: LoudnessRecord | None = None
    chapters: tuple[Chapter, ...] = ()
    chapters_file: Asset | None = None
    transcripts: tuple[Transcript, ...] = ()
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    alternates: tuple[Asset, ...] = ()
    variants: tuple[Variant, ...] = ()
    created_at: datetime | None = None

    def is_released(self, now: datetime) -> bool:
        """Return whether the episode belongs in the feed at ``now`` (aware datetime)."""
        return (
            not self.draft
            and not self.withdrawn
            and self.publish_at is not None
            and self.publish_at <= now
        )


@dataclass(frozen=True, slots=True)
class LoudnessSettings:
    """Loudness targets (EBU R128 measurement, ITU-R BS.1770 loudness)."""

    target_lufs: float = -16.0
    mono_target_lufs: float = -19.0
    true_peak_dbtp: float = -1.0


@dataclass(frozen=True, slots=True)
class EncodingSettings:
    """MP3 encoding defaults: 44.1 kHz, 128 kbps CBR stereo, 64 kbps mono."""

    sample_rate_hz: int = 44100
    bitrate_kbps: int = 128
    mono_bitrate_kbps: int = 64
    channels: str = "auto"  # auto | mono | stereo


@dataclass(frozen=True, slots=True)
class Show:
    """A show's settings from ``kotocast.toml``.

    Paths (``image``, ``intro``, ``outro``) are relative to the workspace. ``podcast_guid``
    is assigned at the first publish and never recomputed.
    """

    title: str
    author: str
    email: str
    language: str
    description: str = ""
    category: str = "Society & Culture"
    subcategory: str | None = None
    explicit: bool = False
    show_type: str = "episodic"
    medium: str = "podcast"
    image: str | None = None
    image_key: str | None = None  # storage key of the published artwork (new key per change)
    link: str | None = None
    copyright: str | None = None
    base_url: str = "http://localhost:8000/"
    storage: str = "public"
    endpoint_url: str | None = None
    podcast_guid: str | None = None
    locked: bool = True
    block: bool = False
    complete: bool = False
    new_feed_url: str | None = None
    update_frequency: str | None = None
    txt: tuple[str, ...] = ()
    persons: tuple[Person, ...] = ()
    languages: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    loudness: LoudnessSettings = LoudnessSettings()
    encoding: EncodingSettings = EncodingSettings()
    intro: str | None = None
    outro: str | None = None
    crossfade_s: float = 1.0
    alternate_aac: bool = False
