"""``kotocast add``: turn a producer's recording into a catalogued, publishable episode.

The stages run in order — check metadata, probe, normalise and encode, tag, make the side
files (chapters, transcripts, teasers) — all into a staging folder. Only when every stage
has succeeded are the files moved to their content-addressed names and the episode file
written; any failure rolls back, so the workspace is never left half-changed. The
producer's source file is only ever read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from episodes.catalog import load_episodes, new_guid, save_episode
from episodes.chapters import read_chapters, render_chapters_json
from episodes.errors import EpisodeExists, FieldInvalid
from episodes.model import (
    EPISODE_TYPES,
    Asset,
    Chapter,
    Episode,
    LoudnessRecord,
    Person,
    Show,
    Soundbite,
    Transcript,
)
from episodes.show import load_show
from episodes.text import (
    canonical_language,
    check_slug,
    clean_description,
    clean_title,
    parse_person,
    parse_publish_at,
    parse_soundbite,
    positive_int,
    slugify,
)
from media.artwork import Artwork, prepare_artwork
from media.captions import Captions, read_captions
from media.clips import render_teaser
from media.encode import AudioEncoding, LoudnessTarget, normalize_audio
from media.probe import MediaInfo, probe, require_audio_input
from media.tags import AudioTags, ChapterMark, write_id3, write_mp4_tags

from .assets import Staging, staging

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class AddRequest:
    """What the producer asked for, as typed (checked by :func:`add_episode`)."""

    media: Path
    title: str
    description: str = ""
    slug: str | None = None
    season: int | None = None
    number: int | None = None
    episode_type: str = "full"
    publish_at: str | None = None
    image: Path | None = None
    explicit: bool | None = None
    draft: bool = False
    chapters: Path | None = None
    transcripts: tuple[Path, ...] = ()
    persons: tuple[str, ...] = ()
    soundbites: tuple[str, ...] = ()
    # ``kotocast import``: keep the episode's guid from the old feed (apps know it by that)
    # and its numbering as it was (no number invented for an unnumbered episode).
    guid: str | None = None
    auto_number: bool = True


def add_episode(
    workspace: Path, request: AddRequest, *, now: datetime, progress: Progress | None = None
) -> Episode:
    """Process ``request.media`` into a new episode of the show in ``workspace``.

    Returns:
        The episode as written to ``episodes/<slug>.toml``.

    Raises:
        CatalogError: bad metadata or workspace (named field or file).
        MediaError: the media or artwork cannot be used (named file).
    """
    show = load_show(workspace)
    existing = load_episodes(workspace)
    meta = _check_metadata(request, show, existing, now)
    info = probe(request.media)
    require_audio_input(info)
    sources = [
        *_jingle(workspace, show.intro, "audio.intro"),
        request.media,
        *_jingle(workspace, show.outro, "audio.outro"),
    ]
    target, encoding = choose_audio_settings(show, info)
    artwork = _artwork(workspace, show, request.image)
    chapters = read_chapters(request.chapters) if request.chapters else ()
    persons = tuple(Person(name=n, role=r) for n, r in map(parse_person, request.persons))
    bites = tuple(parse_soundbite(b) for b in request.soundbites)
    transcripts_in = [_transcript_language(p, meta.language) for p in request.transcripts]
    captions = [(read_captions(p), lang) for p, lang in transcripts_in]

    with staging(workspace) as stage:
        encoded = stage.path("episode.mp3")
        result = normalize_audio(
            sources, encoded, target, encoding, crossfade_s=show.crossfade_s, progress=progress
        )
        if chapters and chapters[-1].start_s >= result.duration_s:
            raise FieldInvalid(
                f"--chapters {request.chapters}",
                f"a chapter starts after the episode ends ({result.duration_s:.0f} s)",
            )
        tags = _tags(show, meta, artwork, chapters, result.duration_s)
        write_id3(encoded, tags)
        alternates: tuple[Asset, ...] = ()
        if show.alternate_aac:
            alternates = (
                _stage_aac(stage, meta.slug, sources, target, encoding, show, tags, progress),
            )
        media = stage.adopt(
            encoded,
            folder="media",
            stem=meta.slug,
            extension="mp3",
            mime_type="audio/mpeg",
            duration_s=round(result.duration_s, 3),
            bitrate_kbps=encoding.bitrate_kbps,
        )
        episode = Episode(
            slug=meta.slug,
            guid=request.guid or new_guid(),
            title=meta.title,
            description=meta.description,
            publish_at=meta.publish_at,
            episode_type=meta.episode_type,
            season=meta.season,
            number=meta.number,
            explicit=request.explicit,
            draft=request.draft,
            created_at=now,
            media=media,
            image=_stage_image(stage, meta.slug, artwork) if request.image else None,
            loudness=LoudnessRecord(
                input_lufs=round(result.before.integrated_lufs, 2),
                input_true_peak_dbtp=round(result.before.true_peak_dbtp, 2),
                output_lufs=round(result.after.integrated_lufs, 2),
                output_true_peak_dbtp=round(result.after.true_peak_dbtp, 2),
            ),
            chapters=chapters,
            chapters_file=stage_chapters(stage, meta.slug, chapters),
            transcripts=tuple(
                _stage_transcript(stage, meta.slug, i, c, lang)
                for i, (c, lang) in enumerate(captions)
            ),
            persons=persons,
            alternates=alternates,
            soundbites=tuple(
                _stage_teaser(stage, meta.slug, media, start, length, encoding, result.duration_s)
                for start, length in bites
            ),
        )
        save_episode(workspace, episode, new=True)
    log.info("added %s (%s)", episode.slug, episode.guid)
    return episode


@dataclass(frozen=True, slots=True)
class _Meta:
    slug: str
    title: str
    description: str
    publish_at: datetime | None
    episode_type: str
    season: int | None
    number: int | None
    language: str


def _check_metadata(
    request: AddRequest, show: Show, existing: list[Episode], now: datetime
) -> _Meta:
    """Check every producer-typed field before any slow work starts."""
    title = clean_title(request.title, "--title")
    description = clean_description(request.description, "--description")
    if request.slug is not None:
        slug = check_slug(request.slug, "--slug")
    else:
        slug = slugify(title) or f"jakso-{len(existing) + 1}"
        check_slug(slug, "--title (as a slug; give --slug)")
    if any(e.slug == slug for e in existing):
        raise EpisodeExists(
            f"episodes/{slug}.toml: an episode with slug {slug!r} exists; give another --slug"
        )
    if request.episode_type not in EPISODE_TYPES:
        raise FieldInvalid("--type", f"must be one of {', '.join(EPISODE_TYPES)}")
    season = None if request.season is None else positive_int(request.season, "--season")
    number = None if request.number is None else positive_int(request.number, "--number")
    if number is None and request.episode_type == "full" and request.auto_number:
        # Apple lists numbered episodes; number full episodes in order unless told otherwise.
        number = max((e.number or 0 for e in existing if e.season == season), default=0) + 1
    if show.show_type == "serial" and number is None:
        raise FieldInvalid("--number", "a serial show needs an episode number on every episode")
    publish_at = parse_publish_at(request.publish_at, "--publish-at") if request.publish_at else now
    return _Meta(
        slug, title, description, publish_at, request.episode_type, season, number, show.language
    )


def choose_audio_settings(show: Show, info: MediaInfo) -> tuple[LoudnessTarget, AudioEncoding]:
    """Pick output channels, loudness target and bitrate for a source.

    ``channels = "auto"`` keeps a mono source mono (64 kbps, mastered to the mono target,
    -19 LUFS by default, because one channel on two speakers sounds ~3 dB louder than
    BS.1770 measures it) and makes everything else stereo at the stereo target.
    """
    assert info.audio is not None
    enc = show.encoding
    mono = enc.channels == "mono" or (enc.channels == "auto" and info.audio.channels == 1)
    target = LoudnessTarget(
        integrated_lufs=show.loudness.mono_target_lufs if mono else show.loudness.target_lufs,
        true_peak_dbtp=show.loudness.true_peak_dbtp,
    )
    encoding = AudioEncoding(
        sample_rate_hz=enc.sample_rate_hz,
        bitrate_kbps=enc.mono_bitrate_kbps if mono else enc.bitrate_kbps,
        channels=1 if mono else 2,
    )
    return target, encoding


def _jingle(workspace: Path, name: str | None, key: str) -> list[Path]:
    if not name:
        return []
    path = (workspace / name).resolve()
    if not path.is_file():
        raise FieldInvalid(f"kotocast.toml: {key}", f"{path} is not a file")
    require_audio_input(probe(path))
    return [path]


def _artwork(workspace: Path, show: Show, image: Path | None) -> Artwork | None:
    if image is not None:
        return prepare_artwork(image)
    if show.image:
        return prepare_artwork(workspace / show.image)
    return None


def _tags(
    show: Show,
    meta: _Meta,
    artwork: Artwork | None,
    chapters: tuple[Chapter, ...],
    duration_s: float,
) -> AudioTags:
    marks = tuple(
        ChapterMark(
            start_s=c.start_s,
            end_s=chapters[i + 1].start_s if i + 1 < len(chapters) else duration_s,
            title=c.title,
            url=c.url,
        )
        for i, c in enumerate(chapters)
    )
    date = (meta.publish_at or datetime.now()).date().isoformat()
    return AudioTags(
        title=meta.title,
        artist=show.author,
        album=show.title,
        date=date,
        track=meta.number,
        description=meta.description,
        language=meta.language,
        cover=artwork.data if artwork else None,
        cover_mime=artwork.mime_type if artwork else None,
        chapters=marks,
        podcast_url=f"{show.base_url}feed.xml",
    )


def _stage_image(stage: Staging, slug: str, artwork: Artwork | None) -> Asset | None:
    if artwork is None:
        return None
    path = stage.path(f"cover.{artwork.extension}")
    path.write_bytes(artwork.data)
    return stage.adopt(
        path,
        folder="images",
        stem=slug,
        extension=artwork.extension,
        mime_type=artwork.mime_type,
        width=artwork.width,
        height=artwork.height,
    )


def stage_chapters(stage: Staging, slug: str, chapters: tuple[Chapter, ...]) -> Asset | None:
    """Stage the Podcast Index JSON chapters file published beside the media."""
    if not chapters:
        return None
    path = stage.path("chapters.json")
    path.write_bytes(render_chapters_json(chapters))
    return stage.adopt(
        path,
        folder="media",
        stem=f"{slug}-chapters",
        extension="json",
        mime_type="application/json+chapters",
    )


# AAC needs fewer bits than MP3 for the same quality of speech.
AAC_BITRATE_KBPS = {1: 48, 2: 96}


def _stage_aac(
    stage: Staging,
    slug: str,
    sources: list[Path],
    target: LoudnessTarget,
    encoding: AudioEncoding,
    show: Show,
    tags: AudioTags,
    progress: Progress | None,
) -> Asset:
    """Encode the AAC rendition (``podcast:alternateEnclosure``) from the sources, not the MP3.

    It goes through the same measure -> gain + limiter -> encode-and-check path as the MP3, so
    it meets the same target; transcoding the MP3 would stack two lossy codecs.
    """
    aac = AudioEncoding(
        sample_rate_hz=encoding.sample_rate_hz,
        bitrate_kbps=AAC_BITRATE_KBPS[encoding.channels],
        channels=encoding.channels,
        codec="aac",
    )
    path = stage.path("episode.m4a")
    result = normalize_audio(sources, path, target, aac, crossfade_s=show.crossfade_s)
    write_mp4_tags(path, replace(tags, chapters=()))
    if progress is not None:
        progress(1.0)
    return stage.adopt(
        path,
        folder="media",
        stem=slug,
        extension="m4a",
        mime_type="audio/x-m4a",
        duration_s=round(result.duration_s, 3),
        bitrate_kbps=aac.bitrate_kbps,
    )


def _transcript_language(path: Path, default: str) -> tuple[Path, str]:
    """Language from a ``NAME.LANG.vtt`` / ``NAME.LANG.srt`` suffix, else the show's."""
    suffixes = path.suffixes
    if len(suffixes) >= 2:
        candidate = suffixes[-2].lstrip(".")
        try:
            return path, canonical_language(candidate, f"--transcript {path}")
        except FieldInvalid:
            pass
    return path, default


def _stage_transcript(
    stage: Staging, slug: str, index: int, captions: Captions, language: str
) -> Transcript:
    path = stage.path(f"transcript-{index}.{captions.format}")
    path.write_text(captions.text, encoding="utf-8")
    asset = stage.adopt(
        path,
        folder="transcripts",
        stem=f"{slug}-{language.lower()}",
        extension=captions.format,
        mime_type=captions.mime_type,
    )
    return Transcript(asset=asset, language=language, rel="captions")


def _stage_teaser(
    stage: Staging,
    slug: str,
    media: Asset,
    start_s: float,
    length_s: float,
    encoding: AudioEncoding,
    duration_s: float,
) -> Soundbite:
    if start_s + length_s > duration_s:
        raise FieldInvalid(
            "--soundbite",
            f"{start_s:g}+{length_s:g} runs past the end of the episode ({duration_s:.0f} s)",
        )
    path = stage.path(f"teaser-{start_s:g}.mp3")
    render_teaser(
        stage.workspace / media.path, path, start_s, length_s, bitrate_kbps=encoding.bitrate_kbps
    )
    teaser = stage.adopt(
        path,
        folder="teasers",
        stem=slug,
        extension="mp3",
        mime_type="audio/mpeg",
        duration_s=length_s,
    )
    return Soundbite(start_s=start_s, duration_s=length_s, teaser=teaser)
