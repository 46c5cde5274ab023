"""``kotocast`` commands that change episodes: add, edit, replace, remove, unpublish,
transcribe, transcript, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_support import _now, _progress_bar


@click.command()
@click.argument("media", required=False, type=click.Path(path_type=Path))
@click.option("--title", required=True, help="Episode title.")
@click.option("--description", default="", help="Show notes: plain text or Markdown.")
@click.option("--slug", help="File and URL name (default: from the title, transliterated).")
@click.option("--season", type=int, help="Season number (1 or more).")
@click.option("--number", type=int, help="Episode number (default: the next one).")
@click.option(
    "--type",
    "episode_type",
    type=click.Choice(["full", "trailer", "bonus"]),
    default="full",
    show_default=True,
    help="Apple episode type.",
)
@click.option(
    "--publish-at",
    help="Release time, ISO 8601 with offset "
    "(2026-12-01T09:00:00+02:00). Default: the next publish.",
)
@click.option("--image", type=click.Path(path_type=Path), help="Episode artwork.")
@click.option("--explicit/--no-explicit", default=None, help="Override the show's explicit flag.")
@click.option("--draft", is_flag=True, help="Keep out of the feed until the file says otherwise.")
@click.option(
    "--chapters",
    type=click.Path(path_type=Path),
    help="Chapters: lines 'HH:MM:SS Title' or Podcast Index JSON.",
)
@click.option(
    "--transcript",
    "transcripts",
    multiple=True,
    type=click.Path(path_type=Path),
    help="WebVTT/SRT transcript; NAME.LANG.vtt sets the language. Repeatable.",
)
@click.option(
    "--person",
    "persons",
    multiple=True,
    help="'Name:role' (guest, co-host, producer...). Repeatable.",
)
@click.option(
    "--soundbite",
    "soundbites",
    multiple=True,
    help="START+SECONDS for a podcast:soundbite and a teaser MP3. Repeatable.",
)
@click.option(
    "--language",
    help="Language of this version (default: the show's main language). With the --slug of "
    "an existing episode: adds, or replaces, that episode's version in this language.",
)
@click.option(
    "--captions",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Same as --transcript (captions of a video). Repeatable.",
)
@click.option(
    "--transcribe",
    is_flag=True,
    help="Also make a machine transcript of the processed media ([transcribe] auto does "
    "this for every episode).",
)
@click.option(
    "--force", is_flag=True, help="Allow a --season/--number another episode already has."
)
@click.option(
    "--track",
    "tracks",
    multiple=True,
    type=click.Path(path_type=Path),
    help="One speaker's own recording instead of MEDIA; give one per speaker (with a --person "
    "each, in the same order, to name them). Each is levelled and de-bled, then mixed.",
)
@click.option(
    "--report",
    is_flag=True,
    help="Also draw reports/SLUG.png: short-term loudness before and after, target, turns.",
)
@click.option("--now", "now_text", hidden=True, help="Pretend the time is this (tests).")
def add(media: Path | None, now_text: str | None, **opts: Any) -> None:
    """Level, encode, tag and catalog MEDIA as an episode (or one language version of it).

    The same command for audio and video shows: on a show with several languages, add each
    language's version to the same episode: kotocast add FILE --slug S --language sv --title T.
    """
    from .add import AddRequest, add_episode

    opts["transcripts"] = (*opts["transcripts"], *opts.pop("captions"))
    if (media is None) == (not opts["tracks"]):
        raise click.UsageError("give MEDIA or two or more --track files (not both)")
    request = AddRequest(media=media or opts["tracks"][0], **opts)
    with _progress_bar("processing") as progress:
        added = add_episode(Path.cwd(), request, now=_now(now_text), progress=progress)
    click.echo(added.summary())


@click.command()
@click.argument("slug")
@click.option("--language", help="This language's version (default: the main language).")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    help="The original recording, for the 'before' curve (default: the one 'add --report' "
    "saved, if any).",
)
def report(slug: str, language: str | None, source: Path | None) -> None:
    """Draw reports/SLUG.png: the episode's short-term loudness before and after processing.

    The picture shows the EBU R128 short-term loudness (3 s) of the published media over
    time, the source's before it was processed, the loudness target and who speaks when
    (from a multitrack add).
    """
    from .sound import report_episode

    png = report_episode(Path.cwd(), slug, language=language, source=source)
    click.echo(str(png))


@click.command("transcribe")
@click.argument("slug")
@click.option("--language", help="Only this language's version (default: every version).")
@click.option(
    "--model",
    help="faster-whisper model size (base, small, ...) or model directory "
    "(default: [transcribe] model).",
)
def transcribe_(slug: str, language: str | None, model: str | None) -> None:
    """Make machine transcripts of SLUG's published media, offline (faster-whisper).

    Writes WebVTT captions, SubRip, the Podcast Index JSON transcript and an HTML text
    version per language, recorded as machine drafts. A reviewed transcript is never
    replaced. Needs the transcribe extra: pip install 'kotocast[transcribe]'.
    """
    from .transcribe import transcribe_episode

    with _progress_bar("transcribing") as progress:
        done = transcribe_episode(
            Path.cwd(), slug, language=language, model=model, progress=progress
        )
    for result in done:
        click.echo(result.line(slug))


@click.group()
def transcript() -> None:
    """Review a machine transcript: export it, correct it in any subtitle editor, import it.

    kotocast transcript export SLUG writes SLUG.LANG.vtt; kotocast transcript import SLUG FILE
    stores the corrected file as the reviewed transcript (checked: valid WebVTT, cues in
    order, last cue within the media).
    """


@transcript.command("export")
@click.argument("slug")
@click.option("--language", help="Which language's transcript (default: the main language).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: SLUG.LANG.vtt here).",
)
def transcript_export(slug: str, language: str | None, output: Path | None) -> None:
    """Write SLUG's WebVTT transcript for correction."""
    from .transcribe import export_transcript

    click.echo(str(export_transcript(Path.cwd(), slug, language=language, dest=output)))


@transcript.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--language", help="Which language's transcript (default: the main language).")
def transcript_import(slug: str, file: Path, language: str | None) -> None:
    """Store the corrected WebVTT FILE as SLUG's reviewed transcript."""
    from .transcribe import import_transcript

    cues = import_transcript(Path.cwd(), slug, file, language=language)
    click.echo(f"{slug}: reviewed transcript imported, {cues} cues")


@click.command("edit")
@click.argument("slug")
@click.option("--language", help="Which language's version (default: the main language).")
@click.option("--title", help="New title.")
@click.option("--description", help="New show notes (plain text or Markdown).")
@click.option("--publish-at", help="New release time, ISO 8601 with offset.")
@click.option("--season", type=int, help="New season number.")
@click.option("--number", type=int, help="New episode number.")
@click.option(
    "--type", "episode_type", type=click.Choice(["full", "trailer", "bonus"]), help="Episode type."
)
@click.option("--explicit/--no-explicit", default=None, help="Explicit flag.")
@click.option("--draft/--ready", default=None, help="Keep out of the feed / let it be released.")
@click.option("--chapters", type=click.Path(path_type=Path), help="New chapters file.")
@click.option(
    "--person", "persons", multiple=True, help="'Name:role'; replaces the list. Repeatable."
)
@click.option("--image", type=click.Path(path_type=Path), help="New episode artwork.")
@click.option(
    "--transcript",
    "transcripts",
    multiple=True,
    type=click.Path(path_type=Path),
    help="WebVTT/SubRip file replacing the transcript in its language. Repeatable.",
)
@click.option("--force", is_flag=True, help="Allow a number another episode already has.")
@click.option("--now", "now_text", hidden=True, help="Pretend the time is this (tests).")
def edit_(slug: str, now_text: str | None, persons: tuple[str, ...], **opts: Any) -> None:
    """Change episode SLUG; its media's tags follow until it is first published.

    After the first publication the published media never changes: the catalog and feed
    change, the file's tags keep their old values (kotocast says so).
    """
    from .edit import EditRequest, edit_episode

    request = EditRequest(slug=slug, persons=persons or None, **opts)
    edited = edit_episode(Path.cwd(), request, now=_now(now_text))
    for note in edited.notes:
        click.echo(f"kotocast: note: {note}", err=True)
    click.echo(edited.summary())


@click.command("replace")
@click.argument("slug")
@click.argument("media", type=click.Path(path_type=Path))
@click.option("--language", help="Which language's version (default: the main language).")
@click.option("--now", "now_text", hidden=True, help="Pretend the time is this (tests).")
def replace_(slug: str, media: Path, language: str | None, now_text: str | None) -> None:
    """Give episode SLUG new MEDIA, processed like add; guid, text and side files stay."""
    from .edit import replace_media

    with _progress_bar("processing") as progress:
        done = replace_media(
            Path.cwd(), slug, media, language=language, now=_now(now_text), progress=progress
        )
    for note in done.notes:
        click.echo(f"kotocast: note: {note}", err=True)
    click.echo(done.summary("replaced"))


@click.command("remove")
@click.argument("slug")
def remove_(slug: str) -> None:
    """Delete draft or scheduled episode SLUG and its processed files.

    An episode in the live feed is withdrawn first: kotocast unpublish SLUG, kotocast publish.
    """
    from .edit import remove_episode

    done = remove_episode(Path.cwd(), slug)
    click.echo(f"removed {slug} and {len(done.removed_files)} files")


@click.command()
@click.argument("slug")
def unpublish(slug: str) -> None:
    """Withdraw episode SLUG from the feed on purpose (its guid stays reserved)."""
    from .workspace import withdraw_episode

    episode = withdraw_episode(Path.cwd(), slug)
    click.echo(f"withdrew {episode.slug}; run 'kotocast publish' to update the feed")
