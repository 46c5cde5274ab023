"""The show and its episodes as frozen values.

These dataclasses are what every other package reads: ``feeds`` renders them, ``pipeline``
fills them in. They carry no behaviour beyond small derived properties; loading and saving
live in :mod:`episodes.show` and :mod:`episodes.catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from .podcasting import License, Location, Podcasting

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
    """One chapter mark; ``start_s`` from the start of the published media.

    Every field of the Podcast Index chapters format (``jsonChapters.md``): ``end_s``,
    ``img`` (a URL, or a file beside the producer's chapters file until published),
    ``toc`` (False: hidden from the table of contents) and ``location``.
    """

    start_s: float
    title: str
    url: str | None = None
    end_s: float | None = None
    img: str | None = None
    toc: bool = True
    location: Location | None = None


@dataclass(frozen=True, slots=True)
class LoudnessRecord:
    """Loudness measured before and after normalising (EBU R128 / ITU-R BS.1770).

    The source's true peak is measured only when asked (it costs a quarter of an encode);
    otherwise its sample peak is recorded as ``input_sample_peak_dbfs`` and the true peak is
    None. Files written by kotocast 0.1 always have the true peak.
    """

    input_lufs: float
    input_true_peak_dbtp: float | None
    output_lufs: float
    output_true_peak_dbtp: float
    input_sample_peak_dbfs: float | None = None


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
    """A transcript or caption file (``podcast:transcript``).

    ``origin`` is ``"supplied"`` (the producer's file), ``"machine"`` (a speech recogniser's
    draft, not yet reviewed) or ``"reviewed"`` (a machine draft a person has checked).
    """

    asset: Asset
    language: str
    rel: str | None = "captions"
    origin: str = "supplied"


@dataclass(frozen=True, slots=True)
class Soundbite:
    """A ``podcast:soundbite`` and its rendered teaser clip."""

    start_s: float
    duration_s: float
    title: str | None = None
    teaser: Asset | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """One language version of an episode: what a listener of that language gets.

    A podcast in one language has one variant per episode; the same episode in Finnish and
    Swedish, or a video in eight languages, has one per language. Everything a listener sees
    or hears lives here; the episode's identity (slug, guid, numbering) is shared.
    """

    language: str
    title: str
    description: str = ""
    publish_at: datetime | None = None
    draft: bool = False
    media: Asset | None = None
    loudness: LoudnessRecord | None = None
    chapters: tuple[Chapter, ...] = ()
    chapters_file: Asset | None = None
    transcripts: tuple[Transcript, ...] = ()
    persons: tuple[Person, ...] = ()
    soundbites: tuple[Soundbite, ...] = ()
    alternates: tuple[Asset, ...] = ()
    location: Location | None = None  # podcast:location of this episode
    license: License | None = None  # podcast:license when it differs from the show's

    def is_released(self, now: datetime) -> bool:
        """Return whether this variant belongs in its feed at ``now`` (aware datetime)."""
        return (
            not self.draft
            and self.media is not None
            and self.publish_at is not None
            and self.publish_at <= now
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode as recorded under ``episodes/<slug>.toml``: identity plus language variants.

    ``guid`` is assigned once when the episode is created and never changes; it is shared by
    all variants (each language feed lists the episode under the same guid). ``variants`` is
    never empty and is ordered by the show's languages, main language first.
    """

    slug: str
    guid: str
    variants: tuple[Variant, ...]
    episode_type: str = "full"
    season: int | None = None
    number: int | None = None
    explicit: bool | None = None
    withdrawn: bool = False
    image: Asset | None = None
    created_at: datetime | None = None

    def variant(self, language: str | None) -> Variant | None:
        """Return the variant in ``language`` (None: the main one), or None if there is none."""
        if language is None:
            return self.variants[0] if self.variants else None
        return next((v for v in self.variants if v.language == language), None)

    @property
    def main(self) -> Variant:
        """The main-language variant (the first)."""
        return self.variants[0]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this episode exists in, in the show's order."""
        return tuple(v.language for v in self.variants)

    # The main variant's fields, for code that speaks of "the episode's title" (one-language
    # shows, status lines, logs). Each is read from the variant: there is no second copy.
    @property
    def title(self) -> str:
        return self.main.title

    @property
    def description(self) -> str:
        return self.main.description

    @property
    def publish_at(self) -> datetime | None:
        return self.main.publish_at

    @property
    def draft(self) -> bool:
        return self.main.draft

    @property
    def media(self) -> Asset | None:
        return self.main.media

    @property
    def loudness(self) -> LoudnessRecord | None:
        return self.main.loudness

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return self.main.chapters

    @property
    def chapters_file(self) -> Asset | None:
        return self.main.chapters_file

    @property
    def transcripts(self) -> tuple[Transcript, ...]:
        return self.main.transcripts

    @property
    def persons(self) -> tuple[Person, ...]:
        return self.main.persons

    @property
    def soundbites(self) -> tuple[Soundbite, ...]:
        return self.main.soundbites

    @property
    def alternates(self) -> tuple[Asset, ...]:
        return self.main.alternates

    def is_released(self, now: datetime, language: str | None = None) -> bool:
        """Return whether the ``language`` variant (None: main) is in its feed at ``now``."""
        variant = self.variant(language)
        return not self.withdrawn and variant is not None and variant.is_released(now)

    def with_variant(self, language: str | None = None, **changes: Any) -> Episode:
        """Return a copy whose ``language`` variant (None: main) has ``changes`` applied."""
        target = self.variant(language)
        if target is None:
            raise KeyError(language)
        return replace(
            self, variants=tuple(replace(v, **changes) if v is target else v for v in self.variants)
        )

    @classmethod
    def single(cls, *, language: str, **fields: Any) -> Episode:
        """Build a one-variant episode from flat fields (identity and variant fields mixed).

        The shape of a flat episode file; handy for importers, benchmarks and tests.
        """
        own = {f.name for f in dataclass_fields(cls)} - {"variants"}
        identity = {k: v for k, v in fields.items() if k in own}
        rest = {k: v for k, v in fields.items() if k not in own}
        extra = rest.pop("variants", ())
        return cls(variants=(Variant(language=language, **rest), *extra), **identity)


@dataclass(frozen=True, slots=True)
class TranscribeSettings:
    """``[transcribe]``: whether and how episodes are transcribed."""

    auto: bool = False
    model: str = "base"
    device: str = "auto"
    publish_drafts: bool = True


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
    pubdate_offsets: bool = False
    timezone: str = "Europe/Helsinki"
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
    # Speech processing before loudness normalisation (media/presets/speech.toml): a preset
    # name ("none" when kotocast.toml has none: shows sound as before) and per-step overrides
    # from [audio.speech].
    speech_preset: str = "none"
    speech: dict[str, Any] = field(default_factory=dict)
    feed_guids: dict[str, str] = field(default_factory=dict)
    all_languages_feed: bool = False
    page_strings: dict[str, dict[str, str]] = field(default_factory=dict)
    # Podcasting 2.0 settings (funding, podroll, license, location, [notify]...).
    podcasting: Podcasting = field(default_factory=Podcasting)
    transcribe: TranscribeSettings = field(default_factory=TranscribeSettings)

    @property
    def all_languages(self) -> tuple[str, ...]:
        """The show's languages, main language first, then as listed."""
        return (self.language, *(lang for lang in self.languages if lang != self.language))

    @property
    def listed_languages(self) -> tuple[str, ...]:
        """The show's languages in the order ``show.languages`` lists them (feeds, pages)."""
        return self.languages or (self.language,)

    @property
    def per_language(self) -> bool:
        """Whether the show publishes ``feeds/<lang>.xml`` and pages (``languages`` is set)
        rather than one ``feed.xml``."""
        return bool(self.languages)
