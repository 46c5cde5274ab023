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
from episodes.chapters import read_chapters
from episodes.errors import EpisodeExists, FieldInvalid
from episodes.model import (
    EPISODE_TYPES,
    Asset,
    Chapter,
    Episode,
    Person,
    Show,
    Variant,
)
from episodes.persons import person_role
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
    publish_at_warning,
    slugify,
)
from media.artwork import Artwork, prepare_artwork
from media.encode import normalize_audio
from media.probe import probe, require_audio_input
from media.tags import AudioTags, ChapterMark, write_id3

from .assets import Staging, staging
from .checks import check_recording
from .lock import catalog_lock
from .numbers import check_number_free
from .process import Made, choose_audio_settings, jingle, loudness_record, process_video
from .sidefiles import (
    read_transcripts,
    stage_aac,
    stage_chapters,
    stage_image,
    stage_teaser,
    stage_transcript,
)
from .sound import keep_report, prepare_body
from .transcribe import transcribe_on_add

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class AddRequest:
    """What the producer asked for, as typed (checked by :func:`add_episode`).

    ``language`` names the variant being added (default: the show's main language). With a
    ``slug`` that exists, the request adds that language's variant to the episode, or, when
    ``language`` is given and the variant exists, replaces its media (the guid stays).
    """

    media: Path
    title: str
    description: str = ""
    slug: str | None = None
    language: str | None = None
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
    transcribe: bool = False  # also make a machine transcript ([transcribe] auto: always)
    # One file per speaker, mixed before normalising (``media`` is then the first track),
    # and a loudness picture in reports/ (pipeline/sound.py).
    tracks: tuple[Path, ...] = ()
    report: bool = False
    force: bool = False  # allow a (season, number) another episode already has


@dataclass(frozen=True, slots=True)
class Added:
    """The outcome of :func:`add_episode`: the episode as saved and the variant made."""

    episode: Episode
    variant: Variant
    replaced: bool
    video_copied: bool | None = None  # video shows: picture copied (True) or re-encoded

    def summary(self) -> str:
        """Return the line ``kotocast add`` prints."""
        v = self.variant
        verb = "replaced" if self.replaced else "added"
        lang = f" [{v.language}]" if len(self.episode.variants) > 1 or self.replaced else ""
        extra = []
        if self.video_copied is not None:
            extra.append("video copied" if self.video_copied else "video re-encoded")
        if v.loudness:
            extra.append(f"{v.loudness.input_lufs:.1f} -> {v.loudness.output_lufs:.1f} LUFS")
        when = v.publish_at.isoformat() if v.publish_at and not v.draft else "never (draft)"
        return (
            f"{verb} {self.episode.slug}{lang}: {v.title!r}"
            + (f", {', '.join(extra)}" if extra else "")
            + f", publish {when}"
        )


def add_episode(
    workspace: Path, request: AddRequest, *, now: datetime, progress: Progress | None = None
) -> Added:
    """Process ``request.media`` under the catalog lock (see :func:`_add_locked`).

    Two adds started together in one show run one after the other, so they never pick the
    same episode number or slug.
    """
    with catalog_lock(workspace, on_wait=log.warning):
        return _add_locked(workspace, request, now=now, progress=progress)


def _add_locked(
    workspace: Path, request: AddRequest, *, now: datetime, progress: Progress | None = None
) -> Added:
    """Process ``request.media`` into a variant of a new or existing episode in ``workspace``.

    One path for audio and video: the show's medium decides only the encoder (MP3, plus an
    AAC rendition if asked, for audio; picture copied and audio levelled to AAC for video)
    and the enclosure type. Every check runs before any encode; all files are made in a
    staging folder and moved in only when every stage succeeded.

    Returns:
        The episode as written to ``episodes/<slug>.toml`` and the variant made.

    Raises:
        CatalogError: bad metadata or workspace (named field or file).
        MediaError: the media or artwork cannot be used (named file).
    """
    show = load_show(workspace)
    existing = load_episodes(workspace, languages=show.all_languages)
    meta = _check_metadata(request, show, existing, now)
    video = show.medium == "video"
    chapters = read_chapters(request.chapters) if request.chapters else ()
    persons = tuple(
        Person(name=n, role=pr.role, group=pr.group)
        for n, r in map(parse_person, request.persons)
        for pr in (person_role(r, field="--person"),)
    )
    bites = tuple(parse_soundbite(b) for b in request.soundbites)
    if bites and video:
        raise FieldInvalid("--soundbite", "teaser clips are made for audio shows only")
    if request.tracks and video:
        raise FieldInvalid("--track", "separate speaker tracks are mixed for audio shows only")
    texts = read_transcripts(request.transcripts, meta.language)
    if not video:  # every check that needs no encode, before it (chapters, DC, length)
        check_recording(
            request.media,
            show,
            chapters=chapters,
            chapters_file=request.chapters,
            transcripts=list(zip(request.transcripts, (c for c, _ in texts), strict=False)),
            jingles_s=sum(
                probe(workspace / name).duration_s
                for name in (show.intro, show.outro)
                if name and (workspace / name).is_file()  # a missing one is named later
            ),
        )
    artwork = _artwork(workspace, show, request.image)
    stem = f"{meta.slug}-{meta.language.lower()}" if show.per_language else meta.slug

    with staging(workspace) as stage:
        if video:
            made = process_video(
                workspace,
                show,
                meta.title,
                meta.description,
                meta.language,
                meta.publish_at,
                request.media,
                artwork,
                stage,
                progress,
            )
        else:
            made = _process_audio(
                workspace, show, meta, request, artwork, chapters, stage, stem, progress
            )
        if chapters and chapters[-1].start_s >= made.duration_s:
            raise FieldInvalid(
                f"--chapters {request.chapters}",
                f"a chapter starts after the episode ends ({made.duration_s:.0f} s)",
            )
        media = stage.adopt(
            made.path,
            folder="media",
            stem=stem,
            extension=made.path.suffix.lstrip("."),
            mime_type=made.mime_type,
            duration_s=round(made.duration_s, 3),
            bitrate_kbps=made.bitrate_kbps,
            width=made.width,
            height=made.height,
        )
        variant = Variant(
            language=meta.language,
            title=meta.title,
            description=meta.description,
            publish_at=meta.publish_at,
            draft=request.draft,
            media=media,
            loudness=made.loudness,
            chapters=chapters,
            chapters_file=stage_chapters(stage, stem, chapters),
            transcripts=tuple(
                stage_transcript(
                    stage,
                    f"{stem}-{lang.lower()}"
                    if show.per_language
                    else f"{meta.slug}-{lang.lower()}",
                    captions,
                    lang,
                    webvtt=video,
                )
                for captions, lang in texts
            ),
            persons=persons,
            soundbites=tuple(
                stage_teaser(
                    stage, stem, media, start, length, made.bitrate_kbps or 128, made.duration_s
                )
                for start, length in bites
            ),
            alternates=made.alternates,
        )
        variant = transcribe_on_add(workspace, stage, show, meta.slug, variant, request.transcribe)
        episode, replaced = _merge(meta, request, show, variant, now, artwork, stage)
        save_episode(workspace, episode, new=meta.existing is None, languages=show.all_languages)
    log.info(
        "%s %s [%s] (%s)",
        "replaced" if replaced else "added",
        meta.slug,
        meta.language,
        episode.guid,
    )
    return Added(episode, variant, replaced, made.video_copied)


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
    existing: Episode | None  # the episode this variant joins, if the slug exists
    replaces: bool  # the variant in ``language`` exists and is replaced
    guid: str  # decided before encoding: it goes into the media's tags


def _check_metadata(
    request: AddRequest, show: Show, existing: list[Episode], now: datetime
) -> _Meta:
    """Check every producer-typed field before any slow work starts."""
    title = clean_title(request.title, "--title")
    description = clean_description(request.description, "--description")
    language = canonical_language(request.language or show.language, "--language")
    if language not in show.all_languages:
        raise FieldInvalid(
            "--language",
            f"{language!r} is not one of the show's languages ({', '.join(show.all_languages)});"
            " add it to show.languages in kotocast.toml",
        )
    if request.slug is not None:
        slug = check_slug(request.slug, "--slug")
    else:
        slug = slugify(title) or f"jakso-{len(existing) + 1}"
        check_slug(slug, "--title (as a slug; give --slug)")
    episode = next((e for e in existing if e.slug == slug), None)
    replaces = episode is not None and episode.variant(language) is not None
    if episode is not None and replaces and request.language is None:
        raise EpisodeExists(
            f"episodes/{slug}.toml: episode {slug!r} ({episode.main.title!r}) exists; change "
            f"it with 'kotocast edit {slug}', give it new audio with 'kotocast replace {slug} "
            "FILE', or choose another --slug"
        )
    if request.episode_type not in EPISODE_TYPES:
        raise FieldInvalid("--type", f"must be one of {', '.join(EPISODE_TYPES)}")
    season = None if request.season is None else positive_int(request.season, "--season")
    number = None if request.number is None else positive_int(request.number, "--number")
    if episode is not None:
        season, number = episode.season, episode.number  # shared by every language
    elif number is None and request.episode_type == "full" and request.auto_number:
        # Apple lists numbered episodes; number full episodes in order unless told otherwise.
        number = max((e.number or 0 for e in existing if e.season == season), default=0) + 1
    if episode is None and request.number is not None:
        check_number_free(existing, slug, season, number, force=request.force)
    if show.show_type == "serial" and number is None and request.episode_type == "full":
        raise FieldInvalid("--number", "a serial show needs an episode number on every episode")
    if request.publish_at:
        publish_at: datetime | None = parse_publish_at(request.publish_at, "--publish-at")
        if publish_at is not None and (warning := publish_at_warning(publish_at, now)):
            log.warning("--publish-at: %s", warning)
    elif episode is not None:
        current = episode.variant(language) or episode.main
        publish_at = current.publish_at or now
    else:
        publish_at = now
    return _Meta(
        slug,
        title,
        description,
        publish_at,
        episode.episode_type if episode else request.episode_type,
        season,
        number,
        language,
        episode,
        replaces,
        episode.guid if episode else request.guid or new_guid(),
    )


def _merge(
    meta: _Meta,
    request: AddRequest,
    show: Show,
    variant: Variant,
    now: datetime,
    artwork: Artwork | None,
    stage: Staging,
) -> tuple[Episode, bool]:
    """Return the episode with ``variant`` added, or replacing its language (guid kept)."""
    order = {lang: i for i, lang in enumerate(show.all_languages)}
    if meta.existing is None:
        episode = Episode(
            slug=meta.slug,
            guid=meta.guid,
            variants=(variant,),
            episode_type=meta.episode_type,
            season=meta.season,
            number=meta.number,
            explicit=request.explicit,
            image=stage_image(stage, meta.slug, artwork) if request.image else None,
            created_at=now,
        )
        return episode, False
    others = [v for v in meta.existing.variants if v.language != variant.language]
    variants = tuple(sorted([*others, variant], key=lambda v: order.get(v.language, len(order))))
    changes: dict[str, object] = {"variants": variants}
    if request.image:
        changes["image"] = stage_image(stage, meta.slug, artwork)
    return replace(meta.existing, **changes), meta.replaces  # type: ignore[arg-type]


def _process_audio(
    workspace: Path,
    show: Show,
    meta: _Meta,
    request: AddRequest,
    artwork: Artwork | None,
    chapters: tuple[Chapter, ...],
    stage: Staging,
    stem: str,
    progress: Progress | None,
) -> Made:
    """Level, encode and tag the audio (MP3, and the AAC rendition when configured)."""
    info = probe(request.tracks[0] if request.tracks else request.media)
    require_audio_input(info, allow_video=True)  # a video call's audio track
    target, encoding = choose_audio_settings(show, info)
    intro = jingle(workspace, show.intro, "audio.intro")
    body = prepare_body(
        workspace,
        show,
        request.media,
        info,
        channels=encoding.channels,
        stage=stage,
        tracks=request.tracks,
        names=[parse_person(p)[0] for p in request.persons],
    )
    sources = [*intro, body.media, *jingle(workspace, show.outro, "audio.outro")]
    encoded = stage.path("episode.mp3")
    result = normalize_audio(
        sources,
        encoded,
        target,
        encoding,
        crossfade_s=show.crossfade_s,
        pre_filter=body.pre_filter,
        body_index=len(intro),
        progress=progress,
    )
    keep_report(
        workspace,
        stem,
        body,
        encoded,
        duration_s=result.duration_s,
        target_lufs=target.integrated_lufs,
        title=meta.title,
        picture=request.report,
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
        # The AAC rendition goes through the same speech chain as the MP3 (same body index).
        alternates = (
            stage_aac(
                stage,
                stem,
                sources,
                target,
                encoding,
                show,
                tags,
                progress,
                pre_filter=body.pre_filter,
                body_index=len(intro),
            ),
        )
    return Made(
        path=encoded,
        mime_type="audio/mpeg",
        duration_s=result.duration_s,
        bitrate_kbps=encoding.bitrate_kbps,
        loudness=loudness_record(result.before, result.after, true_peak=result.source_true_peak),
        alternates=alternates,
    )


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
        guid=meta.guid,
        podcast_url=f"{show.base_url}feeds/{meta.language}.xml"
        if show.per_language
        else f"{show.base_url}feed.xml",
    )
