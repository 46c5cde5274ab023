"""``kotocast`` commands for the whole show: init, publish, status, validate, preview, serve,
demo, import."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import click

from episodes.errors import FieldInvalid

from .cli_support import EXIT_INPUT, _now, _progress_bar, _upload_bar


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
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


@click.command("preview")
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


@click.command()
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


@click.command()
@click.argument("directory", default="demo", type=click.Path(file_okay=False, path_type=Path))
def demo(directory: Path) -> None:
    """Build a demo show from generated Finnish speech and publish it to DIRECTORY/public."""
    from .demo import build_demo

    with _progress_bar("building demo") as progress:
        feed_path, lines = build_demo(directory, progress=progress)
    for line in lines:
        click.echo(line)
    click.echo(f"feed: {feed_path}")


@click.command("import")
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
