"""``kotocast edit``, ``replace`` and ``remove``: the week after ``add``.

- **edit** changes catalog fields and keeps the media file's tags in step with them until the
  episode is first published: the MP3 (and its AAC rendition) is re-tagged in a staging
  folder and moves to its new content-addressed name; the old file goes. Once published, the
  published bytes never change (a CDN and the apps hold them): the catalog changes, the tags
  keep their old values, and the result says so.
- **replace** gives an episode new media through exactly the ``add`` path (same guid,
  persons, chapters and transcripts kept); before first publication the old processed files
  are removed, afterwards they stay until no live feed lists them.
- **remove** deletes a draft or scheduled episode and every file only it used. An episode in
  the live feed must be withdrawn (``unpublish``) and published away first.

Each holds the catalog lock (:mod:`pipeline.lock`) while it reads and writes the catalog.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from episodes.catalog import episode_path, load_episode, load_episodes, save_episode
from episodes.chapters import read_chapters
from episodes.errors import EpisodeNotFound, FieldInvalid
from episodes.model import EPISODE_TYPES, Asset, Chapter, Episode, Person, Show, Variant
from episodes.show import load_show
from episodes.text import (
    canonical_language,
    clean_description,
    clean_title,
    parse_person,
    parse_publish_at,
    positive_int,
    publish_at_warning,
)
from media.artwork import prepare_artwork
from media.tags import AudioTags, ChapterMark, write_id3, write_mp4_tags

from .add import AddRequest, add_episode
from .assets import staging
from .lock import catalog_lock
from .numbers import check_number_free
from .publish import read_state
from .sidefiles import read_transcripts, stage_chapters, stage_image, stage_transcript

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

# Fields whose value is also written into the media file's tags.
TAGGED = ("title", "description", "publish_at", "number", "chapters", "image")


@dataclass(frozen=True, slots=True)
class EditRequest:
    """What ``kotocast edit`` was asked to change (None: leave as it is)."""

    slug: str
    language: str | None = None
    title: str | None = None
    description: str | None = None
    publish_at: str | None = None
    season: int | None = None
    number: int | None = None
    episode_type: str | None = None
    explicit: bool | None = None
    draft: bool | None = None
    chapters: Path | None = None
    persons: tuple[str, ...] | None = None
    image: Path | None = None  # episode artwork (also the MP3's cover while unpublished)
    transcripts: tuple[Path, ...] = ()  # replace the transcript in each file's language
    force: bool = False  # allow a (season, number) another episode has


@dataclass(frozen=True, slots=True)
class Edited:
    """The outcome of an edit, replace or remove."""

    slug: str
    changed: tuple[str, ...]
    notes: tuple[str, ...] = ()
    removed_files: tuple[str, ...] = ()

    def summary(self, verb: str = "edited") -> str:
        """Return the line the command prints."""
        what = ", ".join(self.changed) if self.changed else "nothing changed"
        return f"{verb} {self.slug}: {what}"


def live_variants(workspace: Path) -> dict[str, set[str]]:
    """Return guid -> languages listed in the live feeds, as the last publish recorded."""
    state = read_state(workspace)
    variants = state.get("variants")
    if isinstance(variants, dict):
        return {str(g): set(map(str, langs)) for g, langs in variants.items()}
    return {str(g): {"*"} for g in state.get("guids", [])}


def is_live(workspace: Path, episode: Episode, language: str | None = None) -> bool:
    """Whether ``episode`` (or its ``language`` variant) is in the live feeds."""
    langs = live_variants(workspace).get(episode.guid)
    if langs is None:
        return False
    return language is None or "*" in langs or language in langs


def _find(workspace: Path, show: Show, slug: str) -> tuple[Episode, list[Episode]]:
    episodes = load_episodes(workspace, languages=show.all_languages)
    for episode in episodes:
        if episode.slug == slug:
            return episode, episodes
    raise EpisodeNotFound(f"{episode_path(workspace, slug)}: no episode {slug!r}")


def _variant(show: Show, episode: Episode, language: str | None) -> Variant:
    if language is None:
        return episode.main
    lang = canonical_language(language, "--language")
    variant = episode.variant(lang)
    if variant is None:
        have = ", ".join(v.language for v in episode.variants)
        raise FieldInvalid("--language", f"{episode.slug} has no {lang!r} version (has {have})")
    return variant


def edit_episode(workspace: Path, request: EditRequest, *, now: datetime) -> Edited:
    """Apply ``request`` to one episode (and its media tags while it is unpublished).

    Raises:
        EpisodeNotFound, FieldInvalid: unknown slug, bad value, number already taken.
        MediaError: the media file cannot be re-tagged.
    """
    show = load_show(workspace)
    with catalog_lock(workspace):
        episode, episodes = _find(workspace, show, request.slug)
        old = _variant(show, episode, request.language)
        variant, identity, changed, notes = _apply(request, show, episode, old, now)
        # Files are read and checked before anything is staged.
        artwork = prepare_artwork(request.image) if request.image is not None else None
        texts = read_transcripts(request.transcripts, old.language)
        changed += ["image"] if artwork is not None else []
        changed += ["transcripts"] if texts else []
        if not changed:
            return Edited(episode.slug, ())
        season = identity.get("season", episode.season)
        number = identity.get("number", episode.number)
        if "season" in identity or "number" in identity:
            check_number_free(episodes, episode.slug, season, number, force=request.force)  # type: ignore[arg-type]
        updated = replace(
            episode,
            variants=tuple(variant if v is old else v for v in episode.variants),
            **identity,  # type: ignore[arg-type]
        )
        tag_change = [f for f in changed if f in TAGGED]
        removed: tuple[str, ...] = ()
        with staging(workspace) as stage:
            stem = _stem(show, episode, variant)
            if artwork is not None:
                updated = replace(updated, image=stage_image(stage, episode.slug, artwork))
            if texts:
                video = show.medium == "video"
                made = [
                    stage_transcript(stage, f"{episode.slug}-{lang.lower()}", c, lang, webvtt=video)
                    for c, lang in texts
                ]
                kept = [
                    t for t in variant.transcripts if t.language not in {m.language for m in made}
                ]
                variant = replace(variant, transcripts=(*kept, *made))
                updated = updated.with_variant(variant.language, transcripts=variant.transcripts)
            if "chapters" in changed:
                variant = replace(
                    variant, chapters_file=stage_chapters(stage, stem, variant.chapters)
                )
                updated = updated.with_variant(
                    variant.language, chapters_file=variant.chapters_file
                )
            media = variant.media
            if tag_change and media is not None:
                if is_live(workspace, episode, variant.language):
                    notes.append(
                        f"{media.path}: published, so its tags keep the old "
                        f"{', '.join(tag_change)} (published media never changes)"
                    )
                elif media.mime_type == "audio/mpeg":
                    variant = _retag(workspace, show, updated, variant, stage)
                    updated = updated.with_variant(
                        variant.language, media=variant.media, alternates=variant.alternates
                    )
                else:
                    notes.append(f"{media.path}: tags not rewritten ({media.mime_type})")
            save_episode(workspace, updated, languages=show.all_languages)
        if not is_live(workspace, episode):
            removed = remove_unused(workspace, _assets(episode), keep=_assets(updated))
    log.info("edited %s: %s", episode.slug, ", ".join(changed))
    return Edited(episode.slug, tuple(changed), tuple(notes), removed)


def _apply(
    request: EditRequest, show: Show, episode: Episode, old: Variant, now: datetime
) -> tuple[Variant, dict[str, object], list[str], list[str]]:
    """Check every given field; return the new variant, identity changes, names, notes."""
    changes: dict[str, object] = {}
    identity: dict[str, object] = {}
    notes: list[str] = []
    if request.title is not None:
        changes["title"] = clean_title(request.title, "--title")
    if request.description is not None:
        changes["description"] = clean_description(request.description, "--description")
    if request.publish_at is not None:
        when = parse_publish_at(request.publish_at, "--publish-at")
        if (warning := publish_at_warning(when, now)) is not None:
            notes.append(f"--publish-at: {warning}")
        changes["publish_at"] = when
    if request.draft is not None:
        changes["draft"] = request.draft
    if request.chapters is not None:
        duration = old.media.duration_s if old.media else None
        changes["chapters"] = read_chapters(request.chapters, duration_s=duration)
    if request.persons is not None:
        changes["persons"] = tuple(
            Person(name=n, role=r) for n, r in map(parse_person, request.persons)
        )
    if request.season is not None:
        identity["season"] = positive_int(request.season, "--season")
    if request.number is not None:
        identity["number"] = positive_int(request.number, "--number")
    if request.episode_type is not None:
        if request.episode_type not in EPISODE_TYPES:
            raise FieldInvalid("--type", f"must be one of {', '.join(EPISODE_TYPES)}")
        identity["episode_type"] = request.episode_type
    if request.explicit is not None:
        identity["explicit"] = request.explicit
    changes = {k: v for k, v in changes.items() if getattr(old, k) != v}
    identity = {k: v for k, v in identity.items() if getattr(episode, k) != v}
    return replace(old, **changes), identity, [*changes, *identity], notes  # type: ignore[arg-type]


def _stem(show: Show, episode: Episode, variant: Variant) -> str:
    return f"{episode.slug}-{variant.language.lower()}" if show.per_language else episode.slug


def variant_tags(workspace: Path, show: Show, episode: Episode, variant: Variant) -> AudioTags:
    """Return the tags an episode variant's audio carries (as ``add`` writes them)."""
    cover, cover_mime = None, None
    if episode.image is not None:
        cover, cover_mime = (workspace / episode.image.path).read_bytes(), episode.image.mime_type
    elif show.image:
        artwork = prepare_artwork(workspace / show.image)
        cover, cover_mime = artwork.data, artwork.mime_type
    duration = variant.media.duration_s if variant.media and variant.media.duration_s else 0.0
    chapters: Sequence[Chapter] = variant.chapters
    marks = tuple(
        ChapterMark(
            start_s=c.start_s,
            end_s=chapters[i + 1].start_s if i + 1 < len(chapters) else duration,
            title=c.title,
            url=c.url,
        )
        for i, c in enumerate(chapters)
    )
    feed = f"feeds/{variant.language}.xml" if show.per_language else "feed.xml"
    return AudioTags(
        title=variant.title,
        artist=show.author,
        album=show.titles.get(variant.language, show.title),
        date=(variant.publish_at or episode.created_at or datetime.now()).date().isoformat(),
        track=episode.number,
        description=variant.description,
        language=variant.language,
        cover=cover,
        cover_mime=cover_mime,
        chapters=marks,
        podcast_url=f"{show.base_url}{feed}",
        guid=episode.guid,
    )


def _retag(
    workspace: Path, show: Show, episode: Episode, variant: Variant, stage: object
) -> Variant:
    """Copy the MP3 (and M4A rendition) into staging, re-tag, adopt under the new hash."""
    from .assets import Staging

    assert isinstance(stage, Staging) and variant.media is not None
    tags = variant_tags(workspace, show, episode, variant)
    stem = _stem(show, episode, variant)

    def again(asset: Asset, extension: str, write: Callable[[Path, AudioTags], None]) -> Asset:
        copy = stage.path(f"retag.{extension}")
        shutil.copyfile(workspace / asset.path, copy)
        write(copy, tags if extension == "mp3" else replace(tags, chapters=()))
        new = stage.adopt(
            copy,
            folder="media",
            stem=stem,
            extension=extension,
            mime_type=asset.mime_type,
            duration_s=asset.duration_s,
            bitrate_kbps=asset.bitrate_kbps,
        )
        return new

    media = again(variant.media, "mp3", write_id3)
    alternates = tuple(
        again(a, "m4a", write_mp4_tags) if a.mime_type == "audio/x-m4a" else a
        for a in variant.alternates
    )
    return replace(variant, media=media, alternates=alternates)


def _assets(episode: Episode) -> set[str]:
    """Every workspace file an episode's catalog entry names."""
    out: set[str] = set()
    if episode.image is not None:
        out.add(episode.image.path)
    for v in episode.variants:
        for asset in (v.media, v.chapters_file, *v.alternates):
            if asset is not None:
                out.add(asset.path)
        out.update(t.asset.path for t in v.transcripts)
        out.update(s.teaser.path for s in v.soundbites if s.teaser is not None)
    return out


def remove_unused(
    workspace: Path, candidates: Iterable[str], *, keep: Iterable[str]
) -> tuple[str, ...]:
    """Delete ``candidates`` no episode in the catalog (nor ``keep``) still names."""
    show = load_show(workspace)
    used = set(keep)
    for other in load_episodes(workspace, languages=show.all_languages):
        used |= _assets(other)
    removed = []
    for rel in sorted(set(candidates) - used):
        path = workspace / rel
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(rel)
    return tuple(removed)


def remove_episode(workspace: Path, slug: str) -> Edited:
    """Delete a draft or scheduled episode and every file only it used.

    Raises:
        EpisodeNotFound: no such slug.
        FieldInvalid: the episode is in the live feed (withdraw and publish first).
    """
    show = load_show(workspace)
    with catalog_lock(workspace):
        episode, _ = _find(workspace, show, slug)
        if is_live(workspace, episode):
            first = "" if episode.withdrawn else f"'kotocast unpublish {slug}' and "
            raise FieldInvalid(
                slug,
                f"is in the live feed; run {first}'kotocast publish' first, then remove it",
            )
        episode_path(workspace, slug).unlink()
        removed = remove_unused(workspace, _assets(episode), keep=())
    log.info("removed %s and %d files", slug, len(removed))
    return Edited(slug, ("episode file", *removed), removed_files=removed)


def replace_media(
    workspace: Path,
    slug: str,
    media: Path,
    *,
    language: str | None = None,
    now: datetime,
    progress: Progress | None = None,
) -> Edited:
    """Give ``slug`` new media through the ``add`` path; keep guid, text and side files.

    Raises:
        EpisodeNotFound, FieldInvalid, MediaError: as for ``add``.
    """
    show = load_show(workspace)
    episode = load_episode(workspace, slug, languages=show.all_languages)
    old = _variant(show, episode, language)
    live = is_live(workspace, episode, old.language)
    with tempfile.TemporaryDirectory(prefix=".kotocast-replace-") as tmp:
        chapters = None
        if old.chapters:
            chapters = Path(tmp) / "chapters.json"
            chapters.write_text(
                json.dumps(
                    {
                        "version": "1.2.0",
                        "chapters": [
                            {"startTime": c.start_s, "title": c.title}
                            | ({"url": c.url} if c.url else {})
                            for c in old.chapters
                        ],
                    }
                ),
                encoding="utf-8",
            )
        transcripts = []
        for i, t in enumerate(old.transcripts):
            copy = Path(tmp) / f"t{i}.{t.language}{Path(t.asset.path).suffix}"
            shutil.copyfile(workspace / t.asset.path, copy)
            transcripts.append(copy)
        request = AddRequest(
            media=media,
            title=old.title,
            description=old.description,
            slug=slug,
            language=old.language,
            publish_at=old.publish_at.isoformat() if old.publish_at else None,
            draft=old.draft,
            chapters=chapters,
            transcripts=tuple(transcripts),
        )
        added = add_episode(workspace, request, now=now, progress=progress)
    new_variant = replace(added.variant, persons=old.persons)
    notes = []
    if old.soundbites:
        notes.append(f"{slug}: soundbite teasers were cut from the old audio: add them again")
    with catalog_lock(workspace):
        current = load_episode(workspace, slug, languages=show.all_languages)
        current = current.with_variant(new_variant.language, persons=old.persons)
        save_episode(workspace, current, languages=show.all_languages)
        removed: tuple[str, ...] = ()
        if not live:
            removed = remove_unused(workspace, _assets(episode), keep=_assets(current))
        else:
            notes.append(
                f"{slug}: the old media stays in storage while a live feed lists it; "
                "publish to switch the feed to the new file"
            )
    assert new_variant.media is not None
    return Edited(
        slug,
        (f"media {new_variant.media.path} ({new_variant.media.size_bytes} bytes)",),
        tuple(notes),
        removed,
    )
