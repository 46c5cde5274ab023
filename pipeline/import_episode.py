"""One episode of a foreign feed into the catalog (``kotocast import``), and the small
pieces the import shares: download the media and side files, then either run ``add``'s
pipeline on it or keep it byte for byte (``--keep-media``), under the item's original guid.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from episodes.catalog import save_episode
from episodes.chapters import read_chapters
from episodes.errors import FieldInvalid
from episodes.model import Chapter, Episode, Variant
from episodes.persons import person_role
from episodes.text import (
    TITLE_MAX_CHARS,
    clean_title,
)
from feeds.parse import ForeignItem
from media.captions import read_captions
from media.errors import MediaError
from media.probe import probe, require_audio_input

from .assets import staging
from .download import (
    DownloadFailed,
    DownloadLimits,
    download,
    first_bytes,
    sniff_audio,
)
from .import_side import (
    ALTERNATE_EXTENSIONS,
    KEPT_AUDIO,
    KEPT_VIDEO,
    Progress,
    Skipped,
    absolute_url,
    cut_chars,
    description_text,
    fetch_alternate,
    fetch_side,
    fetch_transcripts,
    url_hash,
    without_bidi,
)
from .sidefiles import stage_chapters, stage_image, stage_transcript

log = logging.getLogger(__name__)


# --- one episode -------------------------------------------------------------------------


def import_item(
    workspace: Path,
    item: ForeignItem,
    *,
    base: str,
    slug: str,
    keep_audio: bool,
    language: str,
    limits: DownloadLimits,
    medium: str = "podcast",
    now: datetime,
    downloads: Path,
    progress: Progress,
    skipped: list[Skipped],
    notes: list[str],
) -> Episode:
    """Download one item's media and side files and catalog it under its original guid.

    Chapters or transcripts that cannot be fetched are added to ``skipped`` and the episode is
    imported without them.

    Raises:
        DownloadFailed: the media cannot be downloaded or is not audio.
        MediaError / CatalogError: the media or metadata cannot be used.
    """
    video = medium == "video"
    if item.enclosure.mime_type.startswith("video/") != video:
        show_kind = "a video" if video else "an audio"
        raise DownloadFailed(
            f"{item.enclosure.url}: {item.enclosure.mime_type} enclosure in {show_kind} show "
            "(kotocast imports a feed as an audio or a video show, not both)"
        )
    url = absolute_url(item.enclosure.url, base)
    stem = url_hash(url)
    encode_share = 0.0 if keep_audio else 0.5
    media = download(
        url,
        downloads / f"{stem}.media",
        max_bytes=limits.max_media_bytes,
        limits=limits,
        progress=lambda f: progress(f * (1 - encode_share)),
    )
    kind = sniff_audio(media.path)
    kept: tuple[str, str] | None = (KEPT_VIDEO if video else KEPT_AUDIO).get(kind or "")
    if media.content_type.startswith("text/") or (keep_audio and kept is None):
        head = first_bytes(media.path, media)
        media.path.unlink(missing_ok=True)
        wanted = "MP4 video" if video else "MP3 or M4A audio"
        raise DownloadFailed(
            f"{url}: not {wanted} (server said {media.content_type or 'nothing'}, "
            f"the file starts with {head})"
        )
    if item.enclosure.length_bytes and item.enclosure.length_bytes != media.size_bytes:
        log.info(
            "%s: the feed said %d bytes, the file has %d (feeds often lag; using the file)",
            url,
            item.enclosure.length_bytes,
            media.size_bytes,
        )
    what = f"episode {item.title!r}"
    chapters_path = fetch_side(
        item.chapters_url, base, downloads, "chapters", limits, f"chapters of {what}", skipped
    )
    transcripts = fetch_transcripts(
        item, base, downloads, limits, what, skipped, notes, default_language=language
    )
    title = without_bidi(item.title, f"{what}: title", notes)
    title = clean_title(cut_chars(title, TITLE_MAX_CHARS), f"{what}: title")
    description = description_text(item.description, f"{what}: description", notes)
    if kept is not None and keep_audio:
        episode = _keep_original(
            workspace,
            item,
            slug=slug,
            title=title,
            description=description,
            media=media.path,
            extension=kept[1],
            mime_type=kept[0],
            chapters_path=chapters_path,
            transcripts=transcripts,
            now=now,
            language=language,
            video=video,
        )
    else:
        episode = _reencode(
            workspace,
            item,
            slug=slug,
            title=title,
            description=description,
            media=media.path,
            chapters_path=chapters_path,
            transcripts=transcripts,
            now=now,
            progress=lambda f: progress((1 - encode_share) + f * encode_share),
        )
    for path in (media.path, chapters_path, *(p for p, _ in transcripts)):
        if path is not None:
            path.unlink(missing_ok=True)
    return _keep_the_rest(workspace, episode, item, base, downloads, limits, what, skipped, notes)


def _keep_the_rest(
    workspace: Path,
    episode: Episode,
    item: ForeignItem,
    base: str,
    downloads: Path,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    notes: list[str],
) -> Episode:
    """Carry over what the old feed said beyond the media: persons, soundbites, episode
    artwork and alternate enclosures (downloaded and kept byte for byte)."""
    persons = []
    for person in item.persons:
        try:
            role = person_role(person.role, person.group, field=f"{what}: podcast:person")
        except FieldInvalid as exc:
            notes.append(f"{what}: person {person.name!r} not imported: {exc.why}")
            continue
        persons.append(replace(person, role=role.role, group=role.group))
    bites = tuple(replace(b, teaser=None) for b in item.soundbites)
    art_path = fetch_side(
        item.image_url, base, downloads, "image", limits, f"artwork of {what}", skipped
    )
    alternates = []
    for index, alt in enumerate(item.alternates):
        got = fetch_alternate(alt, index, base, downloads, limits, what, skipped, notes)
        if got is not None:
            alternates.append(got)
    if not (persons or bites or art_path or alternates):
        return episode
    with staging(workspace) as stage:
        image = episode.image
        if art_path is not None:
            try:
                from media.artwork import prepare_artwork

                image = stage_image(stage, episode.slug, prepare_artwork(art_path))
            except MediaError as exc:
                skipped.append(Skipped(f"artwork of {what}", " ".join(str(exc).split())))
            art_path.unlink(missing_ok=True)
        kept = []
        for path, alt in alternates:
            kept.append(
                stage.adopt(
                    path,
                    folder="media",
                    stem=f"{episode.slug}-alt",
                    extension=ALTERNATE_EXTENSIONS[alt.type],
                    mime_type=alt.type,
                    bitrate_kbps=round(alt.bitrate_bps / 1000) if alt.bitrate_bps else None,
                    height=alt.height_px,
                )
            )
        episode = replace(
            episode.with_variant(
                persons=(*episode.main.persons, *persons),
                soundbites=(*episode.main.soundbites, *bites),
                alternates=(*episode.main.alternates, *kept),
            ),
            image=image,
        )
        save_episode(workspace, episode)
    return episode


def _reencode(
    workspace: Path,
    item: ForeignItem,
    *,
    slug: str,
    title: str,
    description: str,
    media: Path,
    chapters_path: Path | None,
    transcripts: list[tuple[Path, str]],
    now: datetime,
    progress: Progress,
) -> Episode:
    """Run ``kotocast add``'s pipeline on the downloaded file, keeping guid and numbers."""
    from .add import AddRequest, add_episode  # the encoder stack: load only when re-encoding

    # add reads a transcript's language from NAME.LANG.vtt.
    named: list[Path] = []
    for path, language in transcripts:
        target = path.with_name(f"{path.stem}.{language}{path.suffix}")
        os.replace(path, target)
        named.append(target)
    request = AddRequest(
        media=media,
        title=title,
        description=description,
        slug=slug,
        season=item.season,
        number=item.number,
        episode_type=item.episode_type,
        publish_at=item.published_at.isoformat(),
        explicit=item.explicit,
        chapters=chapters_path,
        transcripts=tuple(named),
        guid=item.guid,
        auto_number=False,
    )
    try:
        return add_episode(workspace, request, now=now, progress=progress).episode
    finally:
        for path in named:
            path.unlink(missing_ok=True)


def _keep_original(
    workspace: Path,
    item: ForeignItem,
    *,
    slug: str,
    title: str,
    description: str,
    media: Path,
    extension: str,
    mime_type: str,
    chapters_path: Path | None,
    transcripts: list[tuple[Path, str]],
    now: datetime,
    language: str,
    video: bool = False,
) -> Episode:
    """Catalog the downloaded file unchanged as the episode's media (``--keep-media``)."""
    width = height = None
    if video:
        from media.video import probe_video

        vinfo = probe_video(media)
        duration_s, bitrate = vinfo.media.duration_s, None
        width, height = vinfo.width, vinfo.height
    else:
        info = probe(media)
        require_audio_input(info)
        duration_s = info.duration_s
        bitrate = info.audio.bitrate_kbps if info.audio else None
    chapters: tuple[Chapter, ...] = ()
    if chapters_path is not None:
        chapters = read_chapters(chapters_path, duration_s=duration_s)
    captions = [(read_captions(path), lang) for path, lang in transcripts]
    with staging(workspace) as stage:
        asset = stage.adopt(
            media,
            folder="media",
            stem=slug,
            extension=extension,
            mime_type=mime_type,
            duration_s=round(duration_s, 3),
            bitrate_kbps=bitrate,
            width=width,
            height=height,
        )
        variant = Variant(
            language=language,
            title=title,
            description=description,
            publish_at=item.published_at,
            media=asset,
            chapters=chapters,
            chapters_file=stage_chapters(stage, slug, chapters),
            transcripts=tuple(
                stage_transcript(stage, f"{slug}-{lang.lower()}", c, lang) for c, lang in captions
            ),
        )
        episode = Episode(
            slug=slug,
            guid=item.guid,
            variants=(variant,),
            episode_type=item.episode_type,
            season=item.season,
            number=item.number,
            explicit=item.explicit,
            created_at=now,
        )
        save_episode(workspace, episode, new=True)
    return episode
