"""``kotocast transcribe`` and ``kotocast transcript export|import``: machine drafts and review.

The transcript is made from the **published** media file of each variant (after the intro
join, trimming and loudness processing), so cue times match what listeners hear. Each run
stages four files per variant — WebVTT (``rel="captions"``), SubRip, the Podcast Index JSON
transcript and the accessible HTML text version — and records them on the variant as
``origin = "machine"``. A person corrects the WebVTT in any subtitle editor (``export``) and
brings it back (``import``), checked against the media's length; it is then recorded as
``"reviewed"``, and a later machine run leaves that language alone, as it does a producer's
own (``"supplied"``) transcript.

Nothing is half-written: the files are made in a staging folder and the episode file is
rewritten atomically only when every variant succeeded (Ctrl-C rolls the staging back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from episodes.catalog import load_episode, save_episode
from episodes.errors import FieldInvalid
from episodes.model import Episode, Show, Transcript, Variant
from episodes.show import load_show
from episodes.text import canonical_language
from episodes.transcription import review_state
from feeds.rss import asset_url
from feeds.transcript_html import TranscriptPage, render_transcript_html
from media.cues import (
    Cue,
    CuesInvalid,
    SpeakerTurn,
    make_cues,
    read_webvtt,
    write_srt,
    write_transcript_json,
    write_webvtt,
)
from media.transcribe import Recognizer, load_recognizer, transcribe, whisper_language

from .assets import Staging, staging
from .errors import PipelineError
from .sidefiles import stage_text
from .sound import load_turns

log = logging.getLogger(__name__)

Progress = Callable[[float], None]

# One podcast:transcript per format (Podcast Index transcript.md); only the VTT is captions.
FORMATS = (
    ("vtt", "text/vtt", "captions"),
    ("srt", "application/x-subrip", None),
    ("json", "application/json", None),
    ("html", "text/html", None),
)


class NothingToTranscribe(PipelineError):
    """An episode variant without media, or a language the episode does not have."""


@dataclass(frozen=True, slots=True)
class Transcribed:
    """What happened to one variant."""

    language: str
    outcome: str  # "machine" (made) | "reviewed" / "supplied" (left alone) | "empty"
    cues: int = 0
    detected_language: str | None = None
    duration_s: float = 0.0
    processing_s: float = 0.0

    def line(self, slug: str) -> str:
        """Return the line ``kotocast transcribe`` prints."""
        if self.outcome == "empty":
            return f"{slug} [{self.language}]: no speech recognised; nothing written"
        if self.outcome != "machine":
            whose = "reviewed" if self.outcome == "reviewed" else "producer's"
            return f"{slug} [{self.language}]: kept the {whose} transcript (not re-transcribed)"
        rtf = self.processing_s / self.duration_s if self.duration_s else 0.0
        heard = (
            f", heard as {self.detected_language!r}"
            if self.detected_language and self.detected_language != self.language
            else ""
        )
        return (
            f"{slug} [{self.language}]: machine draft, {self.cues} cues, "
            f"{self.processing_s:.0f} s for {self.duration_s:.0f} s of audio "
            f"({rtf:.2f}x real time){heard}"
        )


def _variants(episode: Episode, language: str | None) -> list[Variant]:
    if language is not None:
        lang = canonical_language(language, "--language")
        variant = episode.variant(lang)
        if variant is None:
            have = ", ".join(v.language for v in episode.variants)
            raise NothingToTranscribe(
                f"episodes/{episode.slug}.toml: no version in {lang!r} (it has {have})"
            )
        chosen = [variant]
    else:
        chosen = list(episode.variants)
    for variant in chosen:
        if variant.media is None:
            raise NothingToTranscribe(
                f"episodes/{episode.slug}.toml: [{variant.language}] has no media to transcribe"
            )
    return chosen


def _model_source(workspace: Path, model: str) -> str:
    """A model directory in the config is relative to the workspace; other names stay."""
    candidate = workspace / model  # an absolute ``model`` stays absolute
    return str(candidate) if candidate.is_dir() else model


def transcribe_episode(
    workspace: Path,
    slug: str,
    *,
    language: str | None = None,
    model: str | None = None,
    recognizer: Recognizer | None = None,
    progress: Progress | None = None,
) -> list[Transcribed]:
    """Transcribe an episode's published media (every variant, or the one in ``language``).

    Args:
        language: Only this language's variant.
        model: A faster-whisper size or model directory (default: ``[transcribe] model``).
        recognizer: An already loaded model (tests, ``add``); ``model`` is then ignored.
        progress: Fraction 0..1 over all variants being transcribed.

    Raises:
        CatalogError: no such episode, bad settings.
        NothingToTranscribe: a variant without media, or no variant in ``language``.
        MediaError: the model cannot be loaded, the language is not supported, the media
            cannot be decoded (all before anything is written).
    """
    show = load_show(workspace)
    settings = show.transcribe
    episode = load_episode(workspace, slug, languages=show.all_languages)
    variants = _variants(episode, language)
    todo = [v for v in variants if review_state(v.transcripts, v.language) in ("none", "machine")]
    results = [
        Transcribed(v.language, review_state(v.transcripts, v.language))
        for v in variants
        if v not in todo
    ]
    if not todo:
        return results
    if recognizer is None:
        recognizer = load_recognizer(
            _model_source(workspace, model or settings.model), device=settings.device
        )
    for variant in todo:  # refuse an unsupported language before any work
        if not recognizer.supports(whisper_language(variant.language)):
            raise FieldInvalid(
                f"episodes/{slug}.toml: [{variant.language}]",
                f"model {recognizer.name} cannot recognise {variant.language!r}",
            )
    total_s = sum((v.media.duration_s or 1.0) for v in todo if v.media) or 1.0
    done_s = 0.0
    with staging(workspace) as stage:
        for variant in todo:
            assert variant.media is not None
            length = variant.media.duration_s or 1.0

            def step(fraction: float, before: float = done_s, length: float = length) -> None:
                if progress is not None:
                    progress(min(1.0, (before + fraction * length) / total_s))

            made, result = transcribe_variant(
                workspace, stage, show, slug, variant, recognizer, progress=step
            )
            done_s += length
            episode = episode.with_variant(variant.language, transcripts=made.transcripts)
            results.append(result)
        save_episode(workspace, episode, languages=show.all_languages)
    order = show.all_languages
    return sorted(results, key=lambda r: order.index(r.language))


def transcribe_variant(
    workspace: Path,
    stage: Staging,
    show: Show,
    slug: str,
    variant: Variant,
    recognizer: Recognizer | str,
    *,
    progress: Progress | None = None,
) -> tuple[Variant, Transcribed]:
    """Transcribe one variant's media (already in the workspace) into ``stage``.

    A variant whose language already has a reviewed or supplied transcript comes back as it
    was. ``recognizer`` may be a model name or directory (loaded here: ``add``).

    Returns:
        The variant with its machine transcripts replaced, and what was done.

    Raises:
        MediaError: the model cannot be loaded or recognise the language; bad media.
    """
    assert variant.media is not None
    if review_state(variant.transcripts, variant.language) in ("reviewed", "supplied"):
        return variant, Transcribed(
            variant.language, review_state(variant.transcripts, variant.language)
        )
    if isinstance(recognizer, str):
        recognizer = load_recognizer(
            _model_source(workspace, recognizer), device=show.transcribe.device
        )
    result = transcribe(
        workspace / variant.media.path,
        recognizer,
        language=variant.language,
        duration_s=variant.media.duration_s,
        progress=progress,
    )
    # A multitrack episode knows who spoke when (pipeline/sound.py): voice tags in the cues.
    stem = f"{slug}-{variant.language.lower()}" if show.per_language else slug
    speakers = [SpeakerTurn(t.start_s, t.end_s, t.speaker) for t in load_turns(workspace, stem)]
    cues = make_cues(result.segments, duration_s=variant.media.duration_s, speakers=speakers)
    if not cues:  # music only, or silence: an empty transcript would only mislead
        log.warning("%s [%s]: no speech recognised", slug, variant.language)
        return variant, Transcribed(variant.language, "empty", 0, None, result.duration_s)
    transcripts = stage_transcripts(stage, show, slug, variant, cues, origin="machine")
    done = Transcribed(
        variant.language,
        "machine",
        len(cues),
        result.language,
        result.duration_s,
        result.processing_s,
    )
    return replace(variant, transcripts=_replace(variant, transcripts)), done


def _replace(
    variant: Variant, new: Sequence[Transcript], *, supplied_too: bool = False
) -> tuple[Transcript, ...]:
    """The variant's transcripts with its own language's machine/reviewed ones replaced
    (and the producer's own too when ``supplied_too``: a person imported a corrected file)."""
    keep = [
        t
        for t in variant.transcripts
        if t.language != variant.language or (t.origin == "supplied" and not supplied_too)
    ]
    return (*keep, *new)


def stage_transcripts(
    stage: Staging,
    show: Show,
    slug: str,
    variant: Variant,
    cues: Sequence[Cue],
    *,
    origin: str,
) -> tuple[Transcript, ...]:
    """Write the four transcript files of one variant into ``stage`` and describe them."""
    assert variant.media is not None
    lang = variant.language
    stem = f"{slug}-{lang.lower()}"
    page = TranscriptPage(
        show_title=show.titles.get(lang, show.title),
        title=variant.title,
        language=lang,
        published=variant.publish_at,
        persons=variant.persons or show.persons,
        media_url=asset_url(show.base_url, variant.media.key),
        show_url=show.link,
        machine_draft=origin == "machine",
    )
    texts = {
        "vtt": write_webvtt(cues),
        "srt": write_srt(cues),
        "json": write_transcript_json(cues),
        "html": render_transcript_html(page, cues),
    }
    out = []
    for fmt, mime, rel in FORMATS:
        asset = stage_text(
            stage,
            stem,
            texts[fmt],
            extension=fmt,
            mime_type=mime,
            folder="captions" if fmt == "vtt" else "transcripts",
        )
        out.append(Transcript(asset=asset, language=lang, rel=rel, origin=origin))
    return tuple(out)


def export_transcript(
    workspace: Path, slug: str, *, language: str | None = None, dest: Path | None = None
) -> Path:
    """Write a variant's WebVTT transcript for correction in a subtitle editor.

    Returns:
        The file written (default ``SLUG.LANG.vtt`` in the current folder).

    Raises:
        NothingToTranscribe: no such variant, or it has no WebVTT transcript yet.
    """
    show = load_show(workspace)
    episode = load_episode(workspace, slug, languages=show.all_languages)
    variant = _variants(episode, language or show.language)[0]
    vtt = next(
        (
            t
            for t in variant.transcripts
            if t.language == variant.language and t.asset.mime_type == "text/vtt"
        ),
        None,
    )
    if vtt is None:
        raise NothingToTranscribe(
            f"episodes/{slug}.toml: [{variant.language}] has no WebVTT transcript yet; "
            f"run 'kotocast transcribe {slug}' first"
        )
    target = dest or Path.cwd() / f"{slug}.{variant.language}.vtt"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes((workspace / vtt.asset.path).read_bytes())
    tmp.replace(target)
    return target


def import_transcript(
    workspace: Path, slug: str, source: Path, *, language: str | None = None
) -> int:
    """Store a corrected WebVTT file as the variant's reviewed transcript (all four formats).

    Returns:
        The number of cues imported.

    Raises:
        CuesInvalid: not valid WebVTT, cues out of order, or past the end of the media.
        NothingToTranscribe: no such variant or it has no media.
    """
    show = load_show(workspace)
    episode = load_episode(workspace, slug, languages=show.all_languages)
    variant = _variants(episode, language or show.language)[0]
    assert variant.media is not None
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CuesInvalid(f"{source}: not UTF-8 text") from None
    except OSError as exc:
        raise CuesInvalid(f"{source}: cannot read: {exc.strerror or exc}") from None
    cues = read_webvtt(text, str(source), duration_s=variant.media.duration_s)
    with staging(workspace) as stage:
        transcripts = stage_transcripts(stage, show, slug, variant, cues, origin="reviewed")
        episode = episode.with_variant(
            variant.language, transcripts=_replace(variant, transcripts, supplied_too=True)
        )
        save_episode(workspace, episode, languages=show.all_languages)
    return len(cues)


def transcribe_on_add(
    workspace: Path, stage: Staging, show: Show, slug: str, variant: Variant, asked: bool
) -> Variant:
    """``add --transcribe`` / ``[transcribe] auto``: transcribe the variant just processed."""
    settings = show.transcribe
    if not (asked or settings.auto) or variant.media is None:
        return variant
    made, result = transcribe_variant(workspace, stage, show, slug, variant, settings.model)
    log.info("%s", result.line(slug))
    return made
