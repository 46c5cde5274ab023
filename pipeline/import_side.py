"""The small pieces ``kotocast import`` shares: what was skipped, side-file downloads
(chapters, transcripts, artwork, alternate enclosures) and the text clean-ups for foreign
feeds. A side file that cannot be fetched is recorded and the import goes on without it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from episodes.errors import FieldInvalid
from episodes.text import (
    BIDI_CONTROLS,
    DESCRIPTION_MAX_BYTES,
    canonical_language,
    clean_description,
    slugify,
)
from feeds.parse import ForeignItem
from feeds.rss import AlternateEnclosure

from .download import (
    DownloadFailed,
    DownloadLimits,
    download,
)
from .fetch import is_http_url, normalize_url

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


def fetch_alternate(
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


def fetch_side(
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


def fetch_transcripts(
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
        path = fetch_side(
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
