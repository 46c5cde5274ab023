"""The ``kotocast`` command: a thin click shell over :mod:`pipeline` functions.

Results go to stdout, diagnostics to stderr. :func:`main` is the one place where errors
become messages and exit codes (documented in the README); an exception it does not know is a
bug and keeps its traceback.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from episodes.errors import CatalogError, FieldInvalid
from feeds.errors import FeedError, FeedInvalid, GuardRefused
from media.errors import MediaError

from .errors import (
    ObjectConflict,
    PipelineError,
    PreconditionFailed,
    PublishLocked,
    StorageError,
    StorageRefused,
)
from .oserrors import explain_os_error
from .signals import Terminated, terminate_on_signals

EXIT_OK = 0
EXIT_INPUT = 1  # bad input, settings or media (a missing bucket, refused credentials); validate
EXIT_USAGE = 2  # click's own code for a wrong command line
EXIT_REFUSED = 3  # refused: the feed is invalid, the guard protects subscribers, or storage
#                   holds other bytes under an immutable key
EXIT_STORAGE = 4  # storage failed for now (unreachable, timeouts, 5xx); the live feed is
#                   unchanged: a retry can fix it
EXIT_LOCKED = 5  # another publish holds the lock

log = logging.getLogger("kotocast")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn kotocast's errors into one-line messages and exit codes."""
    code = EXIT_INPUT
    try:
        # SIGTERM and SIGHUP unwind like Ctrl-C: staging removed, ffmpeg killed.
        with terminate_on_signals():
            # Without standalone mode click returns the code of a ctx.exit()/Exit.
            returned = cli.main(args=argv, prog_name="kotocast", standalone_mode=False)
        code = returned if isinstance(returned, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort as exc:
        stopped = _stopped_by(exc)
        _say(f"kotocast: {stopped}" if stopped else "kotocast: interrupted")
        code = stopped.exit_code if stopped else 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (FeedInvalid, GuardRefused) as exc:
        _error(exc)
        if isinstance(exc, FeedInvalid):
            for problem in exc.problems[1:]:
                click.echo(f"  {problem}", err=True)
        code = EXIT_REFUSED
    except StorageError as exc:
        _error(exc)
        code = storage_exit_code(exc)
    except (CatalogError, MediaError, FeedError, PipelineError) as exc:
        _error(exc)
        code = EXIT_INPUT
    except KeyboardInterrupt as exc:
        stopped = _stopped_by(exc)
        _say(f"kotocast: {stopped}" if stopped else "kotocast: interrupted")
        code = stopped.exit_code if stopped else 130
    except OSError as exc:
        # Read-only workspace, full disk, permissions, a busy port: one line, no traceback.
        stopped = _stopped_by(exc)  # e.g. EIO writing to the terminal a SIGHUP closed
        if stopped is None:
            _say(f"kotocast: error: {explain_os_error(exc)}")
        code = stopped.exit_code if stopped else EXIT_INPUT
    sys.exit(code)


def _stopped_by(exc: BaseException) -> Terminated | None:
    """Return the SIGTERM/SIGHUP behind ``exc`` (click wraps it in Abort), if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _say(line: str) -> None:
    """Write a diagnostic line; after SIGHUP the terminal may be gone (EIO): stay quiet."""
    with suppress(OSError):
        click.echo(line, err=True)


def storage_exit_code(exc: StorageError) -> int:
    """Return the exit code of a storage failure by its outcome: can a retry fix it?"""
    if isinstance(exc, PublishLocked):
        return EXIT_LOCKED
    if isinstance(exc, StorageRefused):
        return EXIT_INPUT  # fix the settings (bucket, credentials, region) first
    if isinstance(exc, ObjectConflict) and not isinstance(exc, PreconditionFailed):
        return EXIT_REFUSED  # someone else's bytes under our immutable key
    return EXIT_STORAGE


def _error(exc: Exception) -> None:
    from .logs import redact  # an endpoint_url's password never reaches the terminal

    message = redact(" ".join(str(exc).split("\n")))
    click.echo(f"kotocast: error: {message}", err=True)


def _now(value: str | None) -> datetime:
    from episodes.catalog import utc_now
    from episodes.text import parse_publish_at

    return parse_publish_at(value, "--now") if value else utc_now()


def _show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[float], None] | None]:
    """Yield a fraction callback drawing a bar on a terminal; ``None`` in cron/CI."""
    if not _show_progress():
        yield None
        return
    with click.progressbar(length=1000, label=label, file=sys.stderr) as bar:
        done = 0

        def update(fraction: float) -> None:
            nonlocal done
            step = int(min(max(fraction, 0.0), 1.0) * 1000) - done
            if step > 0:
                bar.update(step)
                done += step

        yield update


@contextmanager
def _upload_bar() -> Iterator[Callable[[str, int, int], None] | None]:
    """Yield a ``(key, delta_bytes, total_bytes)`` callback for a bar; ``None`` off a tty."""
    if not _show_progress():
        yield None
        return
    bar: Any = None
    try:

        def update(key: str, delta: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=max(total, 1), label="uploading", file=sys.stderr)
                bar.__enter__()
            bar.update(delta)

        yield update
        if bar is not None and bar.pos < bar.length:
            bar.update(bar.length - bar.pos)  # small documents after the media: show done
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv: every ffmpeg command).")
@click.option(
    "--debug-http",
    is_flag=True,
    help="Also log boto3/botocore HTTP traffic (secrets redacted); for storage problems.",
)
@click.version_option(package_name="kotocast")
def cli(verbose: int, debug_http: bool) -> None:
    """Publish a podcast or a multilingual video series to podcast apps.

    Every command except init works on the show in the current directory.
    """
    from .logs import configure_logging

    configure_logging(verbose, debug_http=debug_http)
    if (Path.cwd() / "kotocast.toml").is_file():
        from .staging import sweep_stale_staging

        sweep_stale_staging(Path.cwd())  # what a killed run (SIGKILL, power cut) left


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", required=True, help="Show title.")
@click.option("--author", required=True, help="Author shown in apps (itunes:author).")
@click.option("--email", required=True, help="Owner e-mail (itunes:owner, podcast:locked).")
@click.option("--language", required=True, help="Main language, BCP 47 (fi, sv, en...).")
@click.option("--description", default="", help="Show description (plain text or Markdown).")
@click.option(
    "--category",
    default="Society & Culture",
    show_default=True,
    help="Apple Podcasts category, spelled exactly.",
)
@click.option(
    "--image",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show artwork: square JPEG/PNG, 1400-3000 px (converted when possible).",
)
@click.option(
    "--base-url",
    default="http://localhost:8000/",
    show_default=True,
    help="Public URL where the storage root is served.",
)
@click.option(
    "--storage",
    default="public",
    show_default=True,
    help="A folder (relative to DIRECTORY) or s3://BUCKET/PREFIX.",
)
@click.option(
    "--explicit/--no-explicit",
    default=False,
    show_default=True,
    help="Whether the show is explicit (itunes:explicit).",
)
@click.option(
    "--type",
    "show_type",
    type=click.Choice(["episodic", "serial"]),
    default="episodic",
    show_default=True,
    help="Episode order in apps.",
)
@click.option(
    "--medium",
    type=click.Choice(["podcast", "video"]),
    default="podcast",
    show_default=True,
    help="podcast (audio) or video series.",
)
@click.option(
    "--languages",
    default="",
    help="Comma-separated languages, main first (fi,sv or fi,sv,en,ar,so,fa,ru,uk): one "
    "feed per language (feeds/<lang>.xml), pages, index.json and feeds.opml.",
)
def init(directory: Path, **opts: Any) -> None:
    """Create a show workspace in DIRECTORY (kotocast.toml and episodes/)."""
    from .workspace import InitRequest, init_workspace

    path = init_workspace(directory, InitRequest(**opts))
    click.echo(f"created {path}")


@cli.command()
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


@cli.command()
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


@cli.command("transcribe")
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


@cli.group()
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


@cli.command()
@click.option(
    "--now",
    "now_text",
    hidden=True,
    help="(tests) Publish as if it were this time. An episode released early this way stays "
    "in the feed; to see the feed at a later time use 'kotocast preview --at'.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be uploaded; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (log collectors).")
@click.option("--allow-empty", is_flag=True, help="Publish even when no episode is released yet.")
def publish(now_text: str | None, dry_run: bool, as_json: bool, allow_empty: bool) -> None:
    """Release due episodes, then upload media, the feed and the manifest (in that order).

    An episode once in the live feed stays there until 'kotocast unpublish'. A feed with no
    episode is not uploaded unless --allow-empty.
    """
    from .publish import publish as run_publish

    with _upload_bar() as progress:
        result = run_publish(
            Path.cwd(),
            now=_now(now_text),
            dry_run=dry_run,
            allow_empty=allow_empty,
            progress=progress,
        )
    click.echo(json.dumps(result.as_json(), sort_keys=True) if as_json else result.summary())


@cli.command()
@click.option("--now", "now_text", help="Show states as of this time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def status(now_text: str | None, as_json: bool) -> None:
    """Show every episode: state, release time, duration and loudness.

    On a show with several languages: the episode x language matrix (published, due,
    scheduled, draft, missing; * = transcript or captions missing).
    """
    from .status import render_status_table, show_status

    report = show_status(Path.cwd(), now=_now(now_text))
    if as_json:
        click.echo(json.dumps(report.as_json(), sort_keys=True, indent=2, ensure_ascii=False))
    else:
        click.echo(render_status_table(report, width=shutil.get_terminal_size().columns))


@cli.command()
@click.argument("feed", required=False)
@click.option("--now", "now_text", help="Judge future dates against this time.")
def validate(feed: str | None, now_text: str | None) -> None:
    """Check FEED (a file or URL), or every feed this show publishes, against app rules.

    Without FEED: renders exactly what 'kotocast publish' would upload (each language's feed,
    the all-languages feed, index.json) and checks each; writes nothing.
    """
    from feeds.validate import validate_feed

    now = _now(now_text)
    if feed is None:
        from .publish import render_current_feeds

        site, problems = render_current_feeds(Path.cwd(), now=now)
        sources = [f"{Path.cwd() / 'kotocast.toml'} -> {key}" for key in site.feeds]
        if "index.json" in site.documents:
            sources.append("index.json")
    else:
        problems = [str(p) for p in validate_feed(_read_feed(feed), source=feed, now=now)]
        sources = [feed]
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.exceptions.Exit(EXIT_INPUT)
    for source in sources:
        click.echo(f"{source}: valid")


def _read_feed(source: str) -> bytes:
    """A typed URL through pipeline.fetch (redirects checked, http(s) only); else a file."""
    from feeds.validate import fetch_feed

    from .fetch import fetch_feed_url, is_http_url

    return fetch_feed_url(source) if is_http_url(source) else fetch_feed(source)


@cli.command("preview")
@click.option("--at", "at_text", help="The moment to show (ISO 8601 with offset; default: now).")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write, outside the show (default: a new temporary folder).",
)
@click.option(
    "--serve", "serve_it", is_flag=True, help="Serve it on 127.0.0.1 with links pointing there."
)
@click.option("--port", default=8000, show_default=True, help="Port for --serve.")
def preview(at_text: str | None, output: Path | None, serve_it: bool, port: int) -> None:
    """Show the feeds and pages as they would be at --at, without touching storage.

    Nothing is published and no state changes: the safe way to see a scheduled episode.
    """
    import tempfile

    from .preview import render_preview

    folder = output or Path(tempfile.mkdtemp(prefix="kotocast-preview-"))
    base = f"http://127.0.0.1:{port}/" if serve_it else None
    result = render_preview(Path.cwd(), folder, at=_now(at_text), base_url=base)
    click.echo(result.summary())
    if serve_it:
        from .serve import serve_folder

        click.echo(f"serving {result.folder} at {base} (Ctrl-C to stop)")
        serve_folder(result.folder, port=port)


@cli.command("edit")
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


@cli.command("replace")
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


@cli.command("remove")
@click.argument("slug")
def remove_(slug: str) -> None:
    """Delete draft or scheduled episode SLUG and its processed files.

    An episode in the live feed is withdrawn first: kotocast unpublish SLUG, kotocast publish.
    """
    from .edit import remove_episode

    done = remove_episode(Path.cwd(), slug)
    click.echo(f"removed {slug} and {len(done.removed_files)} files")


@cli.command()
@click.argument("slug")
def unpublish(slug: str) -> None:
    """Withdraw episode SLUG from the feed on purpose (its guid stays reserved)."""
    from .workspace import withdraw_episode

    episode = withdraw_episode(Path.cwd(), slug)
    click.echo(f"withdrew {episode.slug}; run 'kotocast publish' to update the feed")


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: your local network, to test on a phone).",
)
@click.option("--port", default=8000, show_default=True, help="Port.")
def serve(host: str, port: int) -> None:
    """Preview the local-folder storage over HTTP like a media host (HEAD, byte ranges)."""
    from episodes.show import load_show

    from .serve import serve_folder

    show = load_show(Path.cwd())
    if show.storage.startswith("s3://"):
        raise FieldInvalid("kotocast.toml: storage.url", "serve previews folder storage only")
    from .confine import check_storage_folder  # never /, .. or a system folder

    root = check_storage_folder(show.storage, workspace=Path.cwd())
    where = f"http://{host}:{port}/"
    # Announced only once it listens: a busy port is one error line, exit 1 (ServeFailed).
    serve_folder(
        root,
        host=host,
        port=port,
        ready=lambda _: click.echo(f"serving {root} at {where} (feed: {where}feed.xml)"),
    )


@cli.command()
@click.argument("directory", default="demo", type=click.Path(file_okay=False, path_type=Path))
def demo(directory: Path) -> None:
    """Build a demo show from generated Finnish speech and publish it to DIRECTORY/public."""
    from .demo import build_demo

    with _progress_bar("building demo") as progress:
        feed_path, lines = build_demo(directory, progress=progress)
    for line in lines:
        click.echo(line)
    click.echo(f"feed: {feed_path}")


@cli.command("import")
@click.argument("source", metavar="FEED_URL_OR_FILE")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    default="http://localhost:8000/",
    show_default=True,
    help="New show only: public URL where the storage root is served.",
)
@click.option(
    "--storage",
    default="public",
    show_default=True,
    help="New show only: a folder (relative to DIRECTORY) or s3://BUCKET/PREFIX.",
)
@click.option(
    "--keep-media",
    "--keep-audio",
    "keep_audio",
    is_flag=True,
    help="Keep the original MP3/M4A/MP4 files byte for byte (no re-encoding).",
)
@click.option(
    "--allow-private-network",
    is_flag=True,
    help="Also fetch from private, loopback and link-local addresses (an intranet host); "
    "same as KOTOCAST_ALLOW_PRIVATE_NETWORK=1.",
)
@click.option("--now", "now_text", hidden=True, help="Pretend the time is this (tests).")
def import_(
    source: str,
    directory: Path,
    base_url: str,
    storage: str,
    keep_audio: bool,
    allow_private_network: bool,
    now_text: str | None,
) -> None:
    """Import a podcast from its feed into DIRECTORY, keeping every guid.

    Creates the show (settings, artwork, the feed's podcast:guid) on the first run; every run
    adds only the episodes whose guid DIRECTORY does not hold yet. Exits 1 if anything was
    skipped (each is named on stderr); run it again to retry and resume downloads.
    """
    from .download import DownloadLimits
    from .importer import ImportRequest, import_feed

    request = ImportRequest(
        source=source,
        directory=directory,
        base_url=base_url,
        storage=storage,
        keep_audio=keep_audio,
    )
    if allow_private_network:
        request = dataclasses.replace(request, limits=DownloadLimits(allow_private_network=True))
    with _progress_bar("importing") as progress:
        report = import_feed(request, now=_now(now_text), progress=progress)
    for note in report.notes:
        click.echo(f"kotocast: note: {note}", err=True)
    for skipped in report.skipped:
        click.echo(f"kotocast: skipped: {skipped}", err=True)
    click.echo(report.summary())
    if report.skipped:
        raise click.exceptions.Exit(EXIT_INPUT)
