"""One episode of a foreign feed into the catalog (``kotocast import``), and the small
pieces the import shares: download the media and side files, then either run ``add``'s
pipeline on it or keep it byte for byte (``--keep-media``), under the item's original guid.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from episodes.catalog import save_episode
from episodes.chapters import read_chapters
from episodes.errors import FieldInvalid
from episodes.model import Chapter, Episode, Variant
from episodes.persons import person_role
from episodes.text import (
    BIDI_CONTROLS,
    DESCRIPTION_MAX_BYTES,
    TITLE_MAX_CHARS,
    canonical_language,
    clean_description,
    clean_title,
    slugify,
)
from feeds.parse import ForeignItem
from feeds.rss import AlternateEnclosure
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
from .fetch import is_http_url, normalize_url
from .sidefiles import stage_chapters, stage_image, stage_transcript

log = logging.getLogger(__name__)

DOWNLOADS_DIR = ".kotocast/downloads"

#: Enclosures kept byte for byte must be what Apple accepts for audio (REFERENCE: enclosure
#: types); the first bytes decide, not the file name or the server's Content-Type.
KEPT_AUDIO = {"mp3": ("audio/mpeg", "mp3"), "mp4": ("audio/x-m4a", "m4a")}
KEPT_VIDEO = {"mp4": ("video/mp4", "mp4")}
#: Transcript types kotocast can check and republish (Podcast Index transcript.md).
CAPTION_TYPES = {"text/vtt": "vtt", "application/x-subrip": "srt", "application/srt": "srt"}

Progress = Callable[[float], None]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the import left out, and why."""

    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


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
    chapters_path = _fetch_side(
        item.chapters_url, base, downloads, "chapters", limits, f"chapters of {what}", skipped
    )
    transcripts = _fetch_transcripts(
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
    art_path = _fetch_side(
        item.image_url, base, downloads, "image", limits, f"artwork of {what}", skipped
    )
    alternates = []
    for index, alt in enumerate(item.alternates):
        got = _fetch_alternate(alt, index, base, downloads, limits, what, skipped, notes)
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


#: Alternate enclosures kotocast republishes byte for byte, by MIME type.
ALTERNATE_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "video/mp4": "mp4",
}


def _fetch_alternate(
    alt: AlternateEnclosure,
    index: int,
    base: str,
    downloads: Path,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    notes: list[str],
) -> tuple[Path, AlternateEnclosure] | None:
    if alt.type not in ALTERNATE_EXTENSIONS or not alt.sources:
        notes.append(f"{what}: alternate enclosure ({alt.type or 'no type'}) not imported")
        return None
    if alt.lang:
        notes.append(
            f"{what}: alternate enclosure in {alt.lang!r} kept as a rendition of this "
            "episode; add it as a language version with 'kotocast add --language' to list it "
            "in that language's feed"
        )
    try:
        url = absolute_url(alt.sources[0], base)
        got = download(
            url,
            downloads / f"{url_hash(url)}-alt{index}",
            max_bytes=limits.max_media_bytes,
            limits=limits,
        )
    except DownloadFailed as exc:
        skipped.append(Skipped(f"alternate enclosure of {what}", " ".join(str(exc).split())))
        return None
    return got.path, alt


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


def _fetch_side(
    url: str | None,
    base: str,
    downloads: Path,
    name: str,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    suffix: str = "",
) -> Path | None:
    """Download a chapters or transcript file; on failure record it and go on without."""
    if not url:
        return None
    try:
        # Inside the try: a file: or ftp: URL skips this side file, not the episode.
        absolute = absolute_url(url, base)
        target = downloads / f"{url_hash(absolute)}-{name}{suffix}"
        return download(
            absolute,
            target,
            max_bytes=limits.max_side_bytes,
            limits=limits,
            deadline_s=limits.side_deadline_s,
        ).path
    except DownloadFailed as exc:
        skipped.append(Skipped(what, " ".join(str(exc).split())))
        return None


def _fetch_transcripts(
    item: ForeignItem,
    base: str,
    downloads: Path,
    limits: DownloadLimits,
    what: str,
    skipped: list[Skipped],
    notes: list[str],
    *,
    default_language: str,
) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    languages: set[tuple[str, str]] = set()
    for index, t in enumerate(item.transcripts):
        fmt = CAPTION_TYPES.get(t.mime_type)
        if fmt is None:
            notes.append(
                f"{what}: transcript {t.url} ({t.mime_type or 'no type'}) not imported: "
                "only WebVTT and SRT are republished"
            )
            continue
        try:
            language = canonical_language(t.language or "", "transcript language")
        except FieldInvalid:
            language = default_language
        if (language, fmt) in languages:
            notes.append(
                f"{what}: transcript {t.url} not imported: a second {fmt} in {language!r} "
                "(one file per format and language)"
            )
            continue
        path = _fetch_side(
            t.url,
            base,
            downloads,
            f"transcript{index}",
            limits,
            f"transcript {t.url} of {what}",
            skipped,
            suffix=f".{fmt}",
        )
        if path is not None:
            languages.add((language, fmt))
            out.append((path, language))
    return out


def description_text(text: str, what: str, notes: list[str]) -> str:
    text = without_bidi(text, what, notes)
    cut = cut_bytes(text, DESCRIPTION_MAX_BYTES)
    if cut != text:
        notes.append(f"{what}: shortened to Apple's {DESCRIPTION_MAX_BYTES} bytes")
    return clean_description(cut, what)


# --- small pieces ------------------------------------------------------------------------


def is_http(url: str) -> bool:
    return is_http_url(url)


def absolute_url(url: str, base: str) -> str:
    """Resolve a relative URL against the feed URL (as podcastparser does).

    Spaces and non-ASCII characters are percent-encoded first, as podcast apps do.
    """
    absolute = normalize_url(urljoin(base, url.strip()) if base else url.strip())
    if not is_http(absolute):
        raise DownloadFailed(f"{url}: not an http(s) URL")
    return absolute


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def oldest_first(items: tuple[ForeignItem, ...]) -> list[ForeignItem]:
    """Oldest first, so the oldest of two same-titled episodes keeps the plain slug."""
    return sorted(items, key=lambda i: i.published_at)


def unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)[:72].rstrip("-") or "episode"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def without_bidi(text: str, what: str, notes: list[str]) -> str:
    """Remove bidi override/isolate controls from a foreign feed's text, with a note.

    kotocast refuses them in what producers type (they can make a title read differently
    from what it says); from another host's feed they are removed instead, so one spoofed
    title does not keep an episode out of the import.
    """
    cleaned = BIDI_CONTROLS.sub("", text)
    if cleaned != text:
        notes.append(f"{what}: removed bidi control characters (U+202A-U+202E, U+2066-U+2069)")
    return cleaned


def cut_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cut_bytes(text: str, limit: int) -> str:
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - 4].decode("utf-8", "ignore")
    cut = cut.rsplit(" ", 1)[0] if " " in cut[-80:] else cut
    return cut.rstrip() + " …"
