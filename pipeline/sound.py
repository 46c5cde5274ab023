"""Interview sound for ``add`` and ``report``: the speech chain, multitrack mixing, pictures.

``[audio] preset`` (and ``[audio.speech]`` overrides) in ``kotocast.toml`` pick the speech
chain (:mod:`media.speech`); it runs inside the normaliser's own passes as its pre-filter.
With several ``--track`` files, the tracks are mixed first (:mod:`media.multitrack`) and
the mix is normalised as it is. What a producer may want to look at afterwards is kept in
``reports/<stem>.json`` (the speakers' turns, and with ``--report`` the source's loudness
curve) and drawn by ``kotocast report`` into ``reports/<stem>.png``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from episodes.catalog import load_episode
from episodes.errors import FieldInvalid
from episodes.model import Show
from episodes.show import CONFIG_NAME, load_show
from media.multitrack import mix_tracks
from media.probe import MediaInfo, probe, require_audio_input
from media.report import LoudnessCurve, Turn, measure_curve, render_report
from media.speech import prepare_speech, speech_settings

from .assets import Staging

log = logging.getLogger(__name__)

REPORTS = "reports"


@dataclass(frozen=True, slots=True)
class Body:
    """The recording to normalise and the chain to run on it inside the normaliser."""

    media: Path
    pre_filter: str | None
    turns: tuple[Turn, ...] = ()
    sources: tuple[Path, ...] = ()  # what was recorded (the tracks), for the report


def prepare_body(
    workspace: Path,
    show: Show,
    media: Path,
    info: MediaInfo,
    *,
    channels: int,
    stage: Staging,
    tracks: Sequence[Path] = (),
    names: Sequence[str] = (),
) -> Body:
    """Pick the chain for ``media``, or mix ``tracks`` into one recording first.

    Raises:
        PresetInvalid: an unknown preset or setting in kotocast.toml (named).
        FieldInvalid: ``--track`` given once.
        MediaError: a track or the recording cannot be read.
    """
    settings = speech_settings(
        show.speech_preset, show.speech, where=f"{workspace / CONFIG_NAME}: [audio]"
    )
    if tracks:
        if len(tracks) < 2:
            raise FieldInvalid("--track", "give two or more tracks (one per speaker)")
        for track in tracks:
            require_audio_input(probe(track))
        labels = list(names) if len(names) == len(tracks) else [Path(t).stem for t in tracks]
        mix = mix_tracks(tracks, stage.path("mix.flac"), settings, names=labels)
        return Body(mix.path, None, mix.turns, tuple(tracks))
    chain = prepare_speech(
        media,
        settings,
        duration_s=info.duration_s,
        channels=channels,
        source_channels=info.audio.channels if info.audio else None,
    )
    return Body(media, chain.filter, (), (media,))


def report_path(workspace: Path, stem: str, suffix: str) -> Path:
    return workspace / REPORTS / f"{stem}{suffix}"


def keep_report(
    workspace: Path,
    stem: str,
    body: Body,
    encoded: Path,
    *,
    duration_s: float,
    target_lufs: float,
    title: str,
    picture: bool,
) -> Path | None:
    """Save the turns (and, for a picture, both loudness curves); draw the PNG if asked.

    Without ``picture`` and without turns nothing is written (and nothing is measured).

    Returns:
        The PNG written, or None.
    """
    if not picture and not body.turns:
        return None
    data: dict[str, object] = {"turns": [[t.start_s, t.end_s, t.speaker] for t in body.turns]}
    png = None
    if picture:
        first, *others = body.sources
        before = measure_curve(first, duration_s=duration_s, mix_with=others)
        after = measure_curve(encoded, duration_s=duration_s)
        data["before"] = _curve_json(before)
        (workspace / REPORTS).mkdir(exist_ok=True)
        png = render_report(
            report_path(workspace, stem, ".png"),
            before,
            after,
            target_lufs=target_lufs,
            turns=body.turns,
            title=title,
        )
    _write_json(report_path(workspace, stem, ".json"), data)
    return png


def report_episode(
    workspace: Path,
    slug: str,
    *,
    language: str | None = None,
    source: Path | None = None,
) -> Path:
    """Draw ``reports/<stem>.png`` for a published episode (``kotocast report``).

    The after-curve is measured on the episode's media; the before-curve is the one saved by
    ``add --report``, else measured on ``source``, else left out.

    Raises:
        CatalogError: no such episode or language.
        MediaError: the media cannot be read.
    """
    show = load_show(workspace)
    episode = load_episode(workspace, slug, languages=show.all_languages)
    variant = episode.variant(language) if language else episode.main
    if variant is None or variant.media is None:
        raise FieldInvalid("--language", f"{slug} has no {language} version with media")
    stem = f"{slug}-{variant.language.lower()}" if show.per_language else slug
    media = workspace / variant.media.path
    info = probe(media)
    duration = info.duration_s
    saved = _read_json(report_path(workspace, stem, ".json"))
    if source is not None:
        before = measure_curve(source, duration_s=duration)
    elif isinstance(saved.get("before"), dict):
        before = _curve_from_json(saved["before"])  # type: ignore[arg-type]
    else:
        before = LoudnessCurve(duration, duration, (None,))
    turns = load_turns(workspace, stem)
    mono = info.audio is not None and info.audio.channels == 1
    target = show.loudness.mono_target_lufs if mono else show.loudness.target_lufs
    (workspace / REPORTS).mkdir(exist_ok=True)
    return render_report(
        report_path(workspace, stem, ".png"),
        before,
        measure_curve(media, duration_s=duration),
        target_lufs=target,
        turns=turns,
        title=variant.title,
    )


def load_turns(workspace: Path, stem: str) -> tuple[Turn, ...]:
    """Who spoke when in a multitrack episode (``reports/<stem>.json``), for voice tags.

    Empty for a single-track episode or when the file is missing or unreadable.
    """
    raw = _read_json(report_path(workspace, stem, ".json")).get("turns", [])
    turns = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 3:
            start, end, speaker = item
            turns.append(Turn(float(start), float(end), str(speaker)))
    return tuple(turns)


def _curve_json(curve: LoudnessCurve) -> dict[str, object]:
    return {"duration_s": curve.duration_s, "step_s": curve.step_s, "lufs": list(curve.lufs)}


def _curve_from_json(data: dict[str, object]) -> LoudnessCurve:
    values = data.get("lufs", [])
    assert isinstance(values, list)
    return LoudnessCurve(
        float(data["duration_s"]),  # type: ignore[arg-type]
        float(data["step_s"]),  # type: ignore[arg-type]
        tuple(None if v is None else float(v) for v in values),
    )


def _write_json(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}
