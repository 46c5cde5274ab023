"""The files an episode variant publishes beside its media: artwork, chapters, transcripts,
teasers and the AAC rendition. One stager per kind, shared by ``add`` and ``import``.

Each writes into a :class:`pipeline.assets.Staging` folder and adopts the file under its
content-addressed name, so nothing reaches the workspace unless the whole command succeeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from episodes.chapters import render_chapters_json
from episodes.errors import FieldInvalid
from episodes.model import Asset, Chapter, Show, Soundbite, Transcript
from episodes.text import canonical_language
from media.artwork import Artwork
from media.captions import Captions, read_captions, to_webvtt
from media.clips import render_teaser
from media.encode import AudioEncoding, LoudnessTarget, normalize_audio
from media.tags import AudioTags, write_mp4_tags

from .assets import Staging

Progress = Callable[[float], None]


def stage_image(stage: Staging, slug: str, artwork: Artwork | None) -> Asset | None:
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


def stage_aac(
    stage: Staging,
    slug: str,
    sources: list[Path],
    target: LoudnessTarget,
    encoding: AudioEncoding,
    show: Show,
    tags: AudioTags,
    progress: Progress | None,
    *,
    pre_filter: str | None = None,
    body_index: int | None = None,
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
    result = normalize_audio(
        sources,
        path,
        target,
        aac,
        crossfade_s=show.crossfade_s,
        pre_filter=pre_filter,
        body_index=body_index,
    )
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


def transcript_language(path: Path, default: str) -> str:
    """Language from a ``NAME.LANG.vtt`` / ``NAME.LANG.srt`` suffix, else ``default``."""
    suffixes = path.suffixes
    if len(suffixes) >= 2:
        try:
            return canonical_language(suffixes[-2].lstrip("."), f"--transcript {path}")
        except FieldInvalid:
            pass
    return default


def read_transcripts(paths: Sequence[Path], default: str) -> list[tuple[Captions, str]]:
    """Read and check every transcript/captions file and its language (before any encode).

    Raises:
        MediaError: a file is neither WebVTT nor SubRip (named).
        FieldInvalid: two files of one format in one language (one WebVTT and one SubRip
            of the same language are fine: apps pick the format they read).
    """
    out: list[tuple[Captions, str]] = []
    seen: set[tuple[str, str]] = set()
    for path in paths:
        captions = read_captions(path)
        language = transcript_language(path, default)
        if (language, captions.format) in seen:
            raise FieldInvalid(
                f"--transcript {path}", f"a second {captions.format} file in {language!r}"
            )
        seen.add((language, captions.format))
        out.append((captions, language))
    return out


def stage_transcript(
    stage: Staging,
    stem: str,
    captions: Captions,
    language: str,
    *,
    webvtt: bool = False,
    origin: str = "supplied",
) -> Transcript:
    """Stage one transcript or captions file (``podcast:transcript rel="captions"``).

    Args:
        stem: file name stem (``slug-fi``); the content hash is appended.
        webvtt: convert SubRip to WebVTT (video pages: browsers' ``<track>`` takes only
            WebVTT) and file it under ``captions/``; otherwise keep the format, under
            ``transcripts/``.
    """
    asset = stage_text(
        stage,
        stem,
        to_webvtt(captions) if webvtt else captions.text,
        extension="vtt" if webvtt else captions.format,
        mime_type="text/vtt" if webvtt else captions.mime_type,
        folder="captions" if webvtt else "transcripts",
    )
    return Transcript(asset=asset, language=language, rel="captions", origin=origin)


def stage_text(
    stage: Staging, stem: str, text: str, *, extension: str, mime_type: str, folder: str
) -> Asset:
    """Stage one UTF-8 text file (a transcript in any format) under ``folder/stem-<hash>``."""
    path = stage.path(f"{stem}.{extension}")
    path.write_text(text, encoding="utf-8")
    return stage.adopt(path, folder=folder, stem=stem, extension=extension, mime_type=mime_type)


def stage_teaser(
    stage: Staging,
    slug: str,
    media: Asset,
    start_s: float,
    length_s: float,
    bitrate_kbps: int,
    duration_s: float,
) -> Soundbite:
    if start_s + length_s > duration_s:
        raise FieldInvalid(
            "--soundbite",
            f"{start_s:g}+{length_s:g} runs past the end of the episode ({duration_s:.0f} s)",
        )
    path = stage.path(f"teaser-{start_s:g}.mp3")
    render_teaser(stage.workspace / media.path, path, start_s, length_s, bitrate_kbps=bitrate_kbps)
    teaser = stage.adopt(
        path,
        folder="teasers",
        stem=slug,
        extension="mp3",
        mime_type="audio/mpeg",
        duration_s=length_s,
    )
    return Soundbite(start_s=start_s, duration_s=length_s, teaser=teaser)
