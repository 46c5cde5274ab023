"""The ``kotocast`` command: a thin click shell over :mod:`pipeline` functions.

Results go to stdout, diagnostics to stderr. :func:`main` is the one place where errors
become messages and exit codes (documented in the README); an exception it does not know is a
bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys
from contextlib import suppress
from pathlib import Path

import click

from episodes.errors import CatalogError
from feeds.errors import FeedError, FeedInvalid, GuardRefused
from media.errors import MediaError

from . import cli_episodes, cli_show
from .cli_support import (  # noqa: F401 (the exit codes are part of this module's API)
    EXIT_INPUT,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_STORAGE,
    EXIT_USAGE,
)
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


# The commands live in two modules by what they change: episodes, or the whole show.
for _command in (
    cli_show.init,
    cli_episodes.add,
    cli_episodes.edit_,
    cli_episodes.replace_,
    cli_episodes.remove_,
    cli_episodes.unpublish,
    cli_episodes.transcribe_,
    cli_episodes.transcript,
    cli_episodes.report,
    cli_show.publish,
    cli_show.status,
    cli_show.validate,
    cli_show.preview,
    cli_show.serve,
    cli_show.demo,
    cli_show.import_,
):
    cli.add_command(_command)
