"""Write episode tags into MP3 (ID3v2.3) and MP4/M4A files with mutagen.

ID3v2.3, not 2.4: it is what every podcast player and car stereo reads (2.4's UTF-8 and
TDRC are still unsupported in places); mutagen converts 2.4 frames down when saving.

Besides the usual frames, the iTunes podcast frames players understand are written:
``PCST`` (podcast flag), ``WFED`` (feed URL), ``TGID`` (episode guid), ``TDES`` (description),
plus ``CHAP``/``CTOC`` chapters (ID3v2 Chapter Frame Addendum 1.0), which Apple Podcasts,
Overcast, Pocket Casts and podcast-capable players show.

Every write goes to a copy in the same directory, is read back, then replaces the original
atomically: a failure leaves the file as it was.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TDES,
    TDRC,
    TGID,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    WFED,
    WXXX,
    CTOCFlags,
    Encoding,
    Frame,
    PictureType,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from media.errors import TagWriteFailed
from media.languages import iso639_2b

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """One chapter: start and end in seconds, a title, optionally a link and a picture.

    ``toc=False`` (Podcast Index chapters ``toc: false``) keeps the chapter out of the
    ``CTOC`` table of contents: players still seek by it but do not list it.
    """

    start_s: float
    end_s: float
    title: str
    url: str | None = None
    image: bytes | None = None  # JPEG or PNG, embedded as the chapter's APIC sub-frame
    toc: bool = True


@dataclass(frozen=True, slots=True)
class AudioTags:
    """What an episode's media file says about itself."""

    title: str
    artist: str
    album: str
    date: str  # ISO 8601 date ("2024-05-17") or a year
    track: int | None = None
    genre: str = "Podcast"
    description: str = ""
    language: str | None = None  # BCP 47 / ISO 639-1 ("fi", "fi-FI") or ISO 639-2 ("fin")
    cover: bytes | None = None
    cover_mime: str | None = None
    chapters: tuple[ChapterMark, ...] = ()
    podcast_url: str | None = None
    guid: str | None = None


def id3_language(language: str | None) -> str | None:
    """Map a BCP 47 / ISO 639-1 tag to the ISO 639-2 code ID3 wants (``fi-FI`` -> ``fin``).

    The bibliographic form (``ger``, ``fre``, ``per``), from :mod:`media.languages`; a
    three-letter code passes through; None for an unknown two-letter code.
    """
    return iso639_2b(language)


def _image_mime(data: bytes) -> str:
    return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


def _cover_mime(tags: AudioTags) -> str:
    if tags.cover_mime:
        return tags.cover_mime
    assert tags.cover is not None
    return _image_mime(tags.cover)


#: Cover art embedded in MP4/M4A files: players show it at thumbnail size, and a full
#: 3000 px PNG (2-3 MB) would make a 600 KB video five times larger.
MP4_COVER_MAX_PX = 600
MP4_COVER_MAX_BYTES = 150_000
_MP4_COVER_QUALITIES = (85, 75, 65, 50)


def small_cover(data: bytes) -> bytes:
    """Return cover art as a JPEG of at most 600 px a side and about 150 KB.

    A JPEG already within :data:`MP4_COVER_MAX_PX` and :data:`MP4_COVER_MAX_BYTES` is kept
    byte for byte; anything else is scaled down (Lanczos), flattened to RGB and encoded at
    quality 85, stepping down to 50 until it fits the byte budget (deterministic: the same
    input and Pillow give the same bytes).

    Raises:
        ValueError: the bytes are not a picture Pillow can read.
    """
    # Pillow is imported here: only MP4 tagging needs it, and it costs ~40 ms at import.
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fits = max(image.size) <= MP4_COVER_MAX_PX and len(data) <= MP4_COVER_MAX_BYTES
            if image.format == "JPEG" and fits:
                return data
            image.draft("RGB", (MP4_COVER_MAX_PX, MP4_COVER_MAX_PX))
            picture = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"cover art unreadable: {exc}") from None
    if picture.mode == "RGBA":  # flatten transparency on white, as media.artwork does
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    picture.thumbnail((MP4_COVER_MAX_PX, MP4_COVER_MAX_PX), Image.Resampling.LANCZOS)
    for quality in _MP4_COVER_QUALITIES:
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= MP4_COVER_MAX_BYTES:
            break
    return out.getvalue()


def _track(tags: AudioTags) -> list[Frame]:
    return [TRCK(encoding=Encoding.UTF8, text=str(tags.track))] if tags.track else []


def _text(frame: type[Frame], field: str) -> Callable[[AudioTags], list[Frame]]:
    def build(tags: AudioTags) -> list[Frame]:
        value = getattr(tags, field)
        return [frame(encoding=Encoding.UTF8, text=value)] if value else []

    return build


def _description(tags: AudioTags) -> list[Frame]:
    if not tags.description:
        return []
    lang = id3_language(tags.language) or "eng"
    return [
        COMM(encoding=Encoding.UTF8, lang=lang, desc="", text=tags.description),
        TDES(encoding=Encoding.UTF8, text=tags.description),
    ]


def _language(tags: AudioTags) -> list[Frame]:
    code = id3_language(tags.language)
    if tags.language and code is None:
        log.warning("no ISO 639-2 code known for language %r; TLAN not written", tags.language)
    return [TLAN(encoding=Encoding.UTF8, text=code)] if code else []


def _cover(tags: AudioTags) -> list[Frame]:
    if not tags.cover:
        return []
    return [
        APIC(
            encoding=Encoding.UTF8,
            mime=_cover_mime(tags),
            type=PictureType.COVER_FRONT,
            desc="Cover",
            data=tags.cover,
        )
    ]


def _podcast(tags: AudioTags) -> list[Frame]:
    frames: list[Frame] = [PCST(value=1)]
    if tags.podcast_url:
        frames.append(WFED(url=tags.podcast_url))
    if tags.guid:
        frames.append(TGID(encoding=Encoding.UTF8, text=tags.guid))
    return frames


def _chapters(tags: AudioTags) -> list[Frame]:
    if not tags.chapters:
        return []
    frames: list[Frame] = []
    ids = []
    for i, mark in enumerate(sorted(tags.chapters, key=lambda c: c.start_s)):
        element_id = f"chp{i}"
        if mark.toc:
            ids.append(element_id)
        sub: list[Frame] = [TIT2(encoding=Encoding.UTF8, text=mark.title)]
        if mark.url:
            sub.append(WXXX(encoding=Encoding.UTF8, desc="", url=mark.url))
        if mark.image:
            # Chapter Frame Addendum section 5: an APIC sub-frame is the chapter's picture.
            sub.append(
                APIC(
                    encoding=Encoding.UTF8,
                    mime=_image_mime(mark.image),
                    type=PictureType.OTHER,
                    desc=f"chapter {i + 1}",
                    data=mark.image,
                )
            )
        frames.append(
            CHAP(
                element_id=element_id,
                start_time=round(mark.start_s * 1000),
                end_time=round(mark.end_s * 1000),
                # 0xFFFFFFFF: byte offsets unused, players seek by time (addendum section 3).
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub,
            )
        )
    frames.insert(
        0,
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=Encoding.UTF8, text="Chapters")],
        ),
    )
    return frames


# Our field -> the ID3 frames that carry it (the mediafile idea: a table, not a code path).
ID3_FIELDS: tuple[tuple[str, Callable[[AudioTags], list[Frame]]], ...] = (
    ("title", _text(TIT2, "title")),
    ("artist", _text(TPE1, "artist")),
    ("album", _text(TALB, "album")),
    ("date", _text(TDRC, "date")),
    ("track", _track),
    ("genre", _text(TCON, "genre")),
    ("description", _description),
    ("language", _language),
    ("cover", _cover),
    ("podcast", _podcast),
    ("chapters", _chapters),
)


def _validate(path: Path, tags: AudioTags) -> None:
    if not tags.title.strip():
        raise TagWriteFailed(f"{path}: cannot write tags: title is empty")
    if tags.track is not None and tags.track < 0:
        raise TagWriteFailed(f"{path}: cannot write tags: track {tags.track} is negative")
    for mark in tags.chapters:
        if mark.start_s < 0 or mark.end_s < mark.start_s:
            raise TagWriteFailed(
                f"{path}: cannot write tags: chapter {mark.title!r} has start {mark.start_s} s "
                f"and end {mark.end_s} s"
            )


def _atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Apply ``write`` to a copy of ``path`` in its directory, then replace ``path`` with it."""
    if not path.is_file():
        raise TagWriteFailed(f"{path}: cannot write tags: no such file")
    try:
        fd, name = tempfile.mkstemp(prefix=".kotocast-tags-", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise TagWriteFailed(f"{path}: cannot write tags: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        shutil.copyfile(path, tmp)
        write(tmp)
        os.replace(tmp, path)
    except (MutagenError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise TagWriteFailed(f"{path}: cannot write tags: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_id3(path: Path, tags: AudioTags) -> None:
    """Replace the MP3's tags with ``tags`` as ID3v2.3 (cover, chapters, podcast frames).

    Args:
        path: An MP3 file; rewritten atomically.
        tags: What to write. Existing tags are dropped, not merged.

    Raises:
        TagWriteFailed: the file is missing or not an MP3, a value is invalid, or the tags did
            not read back.
    """
    path = Path(path)
    _validate(path, tags)

    def write(target: Path) -> None:
        id3 = ID3()
        for _field, build in ID3_FIELDS:
            for frame in build(tags):
                id3.add(frame)
        # mutagen leaves the 2.4 -> 2.3 frame conversion (TDRC -> TYER/TDAT...) to the
        # caller; v2.3 has no UTF-8, so text is saved as UTF-16 with BOM.
        id3.update_to_v23()
        id3.save(target, v2_version=3, v23_sep="/", padding=lambda info: 1024)
        check = ID3(target)
        if check.version[:2] != (2, 3) or str(check.get("TIT2", "")) != tags.title:
            raise TagWriteFailed(f"{path}: cannot write tags: they did not read back")

    _atomically(path, write)
    log.debug("wrote ID3v2.3 tags to %s", path)


def _mp4_items(tags: AudioTags, cover: bytes | None) -> dict[str, Any]:
    items: dict[str, Any] = {
        "\xa9nam": [tags.title],
        "\xa9ART": [tags.artist],
        "aART": [tags.artist],
        "\xa9alb": [tags.album],
        "\xa9day": [tags.date],
        "\xa9gen": [tags.genre],
        # iTunes podcast atoms: podcast flag, feed URL, episode guid, media kind 21 = podcast.
        "pcst": True,
        "stik": [21],
    }
    if tags.track:
        items["trkn"] = [(tags.track, 0)]
    if tags.description:
        items["desc"] = [tags.description[:255]]
        items["ldes"] = [tags.description]
    if tags.podcast_url:
        items["purl"] = [tags.podcast_url]
    if tags.guid:
        items["egid"] = [tags.guid]
    if tags.language:
        # No iTunes atom for language; this freeform atom is what beets/mediafile and
        # Picard read and write.
        items["----:com.apple.iTunes:LANGUAGE"] = [
            MP4FreeForm((id3_language(tags.language) or tags.language).encode())
        ]
    if cover:
        items["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    return items


def write_mp4_tags(path: Path, tags: AudioTags) -> None:
    """Replace an M4A/MP4 file's iTunes metadata with ``tags`` (cover in ``covr``).

    The cover is embedded as a small JPEG (:func:`small_cover`: at most 600 px, ~150 KB),
    not the 1400-3000 px artwork the feed links to. The episode guid goes into ``egid`` and
    the feed URL into ``purl``, the atoms Apple's own podcast files carry.

    Chapters are not written (mutagen cannot write MP4 chapter tracks); publish them as
    Podcast Index JSON chapters instead.

    Raises:
        TagWriteFailed: the file is missing or not MP4, a value is invalid, or the tags did
            not read back.
    """
    path = Path(path)
    _validate(path, tags)
    try:
        cover = small_cover(tags.cover) if tags.cover else None
    except ValueError as exc:
        raise TagWriteFailed(f"{path}: cannot write tags: {exc}") from None

    def write(target: Path) -> None:
        mp4 = MP4(target)
        if mp4.tags is None:
            mp4.add_tags()
        assert mp4.tags is not None
        mp4.tags.clear()
        for key, value in _mp4_items(tags, cover).items():
            mp4.tags[key] = value
        mp4.save()
        check = MP4(target)
        if check.tags is None or check.tags.get("\xa9nam") != [tags.title]:
            raise TagWriteFailed(f"{path}: cannot write tags: they did not read back")

    _atomically(path, write)
    log.debug("wrote MP4 tags to %s", path)
