"""Run ffmpeg and ffprobe: the only module in kotocast that spawns them.

Commands are argument lists (never a shell), logged at DEBUG exactly as run. A failure raises
the caller's error class with the command and the tail of ffmpeg's stderr. ``FFMPEG_PATH`` and
``FFPROBE_PATH`` override the binaries found on ``PATH``.

Progress: when the caller knows the duration, ffmpeg is asked for ``-progress`` key=value lines
on a private pipe (not stdout, which may carry media) and ``out_time_us`` is turned into a
fraction 0..1 for the caller's callback.

Children never outlive kotocast. On Linux each child asks the kernel for SIGKILL when its parent
dies (``prctl(PR_SET_PDEATHSIG)``), which covers a SIGKILL of kotocast that no handler can see;
any exception while a child runs (KeyboardInterrupt, or the SIGTERM/SIGHUP handler the CLI
installs) kills and reaps it before the exception goes on; and :func:`kill_children` kills every
child still running, for a signal handler that cannot wait for the exception to arrive.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from media.errors import EncodeFailed, FfmpegNotFound, MediaError

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]

_STDERR_TAIL_LINES = 400

# Filter graphs run in ffmpeg's own thread. Left to its default (one slice thread per core),
# every biquad (high-pass, hum notches) and afftdn hands each audio frame's channels to a
# thread pool and waits: on a 10-minute stereo file the interview chain took 15.2 s wall
# (8.3 s user + 5.6 s system, mostly futex waits) instead of 5.2 s on one thread. kotocast
# runs its second core as a second process (the output check), never as filter slices.
ONE_FILTER_THREAD = ("-filter_threads", "1", "-filter_complex_threads", "1")


def ffmpeg_binary() -> str:
    """Return the ffmpeg executable to run (``FFMPEG_PATH`` wins over ``PATH``).

    Raises:
        FfmpegNotFound: if it cannot be found.
    """
    return _binary("ffmpeg", "FFMPEG_PATH")


def ffprobe_binary() -> str:
    """Return the ffprobe executable to run (``FFPROBE_PATH`` wins over ``PATH``).

    Raises:
        FfmpegNotFound: if it cannot be found.
    """
    return _binary("ffprobe", "FFPROBE_PATH")


def _binary(name: str, env_var: str) -> str:
    override = os.environ.get(env_var)
    if override:
        found = shutil.which(override)
        if found is None:
            raise FfmpegNotFound(f"{override}: {name} not found: {env_var} names no executable")
        return found
    found = shutil.which(name)
    if found is None:
        raise FfmpegNotFound(
            f"{name}: not found: install ffmpeg (apt-get install ffmpeg) or set {env_var}"
        )
    return found


def format_command(args: Sequence[str]) -> str:
    """Return ``args`` as one copy-pasteable shell line (for logs and error messages)."""
    return shlex.join(args)


_LOG_PREFIX = re.compile(r"^\[[\w:.-]+ @ 0x[0-9a-f]+\]\s*")


def clean_stderr(lines: Sequence[str]) -> list[str]:
    """Drop blank lines and ffmpeg's ``[mp3 @ 0x55d0...]`` prefixes (noise in messages)."""
    return [_LOG_PREFIX.sub("", line.strip()) for line in lines if line.strip()]


def _stderr_tail(lines: Sequence[str], n: int = 6) -> str:
    useful = clean_stderr(lines)
    return " | ".join(useful[-n:]) or "no output"


# ffmpeg's words for damaged or cut-short input, in words a producer understands (first match
# wins; matched case-insensitively anywhere in a stderr line). The exact ffmpeg line still goes
# to the DEBUG log with the command.
PLAIN_REASONS: tuple[tuple[str, str], ...] = (
    ("moov atom not found", "the file is incomplete (the recording may not have finished saving)"),
    ("partial file", "the file is incomplete (it was cut short while saving or copying)"),
    ("ebml header parsing failed", "the file is damaged (its Matroska/WebM header is unreadable)"),
    ("file ended prematurely", "the file is cut short (the end of the audio is missing)"),
    ("invalid pcm packet", "the file is cut short (the end of the audio is missing)"),
    ("decode_frame() failed", "the audio data is damaged or cut short"),
    ("invalid new backstep", "the audio data is damaged or cut short"),
    ("header missing", "the audio data is damaged or cut short"),
    ("big_values too big", "the audio data is damaged or cut short"),
    ("invalid block type", "the audio data is damaged or cut short"),
    ("overread", "the audio data is damaged or cut short"),
    ("packet corrupt", "the audio data is damaged or cut short"),
    ("truncating packet", "the audio data is damaged or cut short"),
    ("error while decoding", "the audio data is damaged or cut short"),
    ("invalid data found when processing input", "not an audio or video file (or a damaged one)"),
    ("failed to read frame size", "not an audio or video file (or a damaged one)"),
    ("no such file or directory", "no such file"),
    ("permission denied", "permission denied"),
    ("no space left on device", "the disk is full"),
    ("read-only file system", "the folder is read-only"),
)


def plain_reason(lines: Sequence[str]) -> str | None:
    """Return plain words for the first known ffmpeg complaint in ``lines``, else None."""
    for line in lines:
        lowered = line.lower()
        for pattern, words in PLAIN_REASONS:
            if pattern in lowered:
                return words
    return None


def _fail(
    error: type[MediaError], path: Path, what: str, args: Sequence[str], stderr: Sequence[str]
) -> MediaError:
    log.debug("failed: %s: %s", format_command(args), " | ".join(clean_stderr(stderr)[-20:]))
    plain = plain_reason(stderr)
    if plain is not None:
        return error(f"{path}: {what}: {plain}")
    return error(f"{path}: {what}: {_stderr_tail(stderr)} (command: {format_command(args)})")


# Children still running, so a signal handler can kill them (see kill_children). An RLock:
# a Python signal handler runs in the main thread, which may be holding it at that moment.
_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.RLock()
_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def _die_with_parent() -> Callable[[], None] | None:
    """Return a ``preexec_fn`` that makes the child get SIGKILL when kotocast dies (Linux).

    ``prctl`` is looked up here, before the fork, so the child only makes one libc call. The
    parent may die between fork and prctl; the child then has a new parent and exits at once.
    Elsewhere (macOS) None: children are still killed on every exception and signal we see.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def _popen(args: Sequence[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """Start a child that dies with kotocast, and remember it until it is reaped."""
    proc: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
        list(args), preexec_fn=_die_with_parent(), **kwargs
    )
    with _live_lock:
        _live.add(proc)
    return proc


def _reap(*procs: subprocess.Popen[bytes] | None) -> None:
    """Kill (if still running) and wait for ``procs``; forget them."""
    for proc in procs:
        if proc is None:
            continue
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with _live_lock:
            _live.discard(proc)


@contextmanager
def _owned(*procs: subprocess.Popen[bytes]) -> Iterator[None]:
    """Kill and reap ``procs`` if the block raises anything (Ctrl-C, SIGTERM, a bug)."""
    try:
        yield
    except BaseException:
        _reap(*procs)
        raise
    finally:
        with _live_lock:
            for proc in procs:
                if proc.returncode is not None:
                    _live.discard(proc)


def kill_children() -> int:
    """SIGKILL every ffmpeg/ffprobe this process started that is still running.

    Meant for signal handlers (SIGTERM, SIGHUP): they run in the main thread, while a child
    may belong to another thread's wait. Returns how many were killed.
    """
    killed = 0
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        if proc.poll() is None:
            try:
                proc.kill()
                killed += 1
            except OSError:
                pass
    return killed


class _Drain(threading.Thread):
    """Read a text stream to its end, keeping only the last lines (memory stays flat)."""

    def __init__(self, stream: IO[bytes], on_line: Callable[[str], None] | None = None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.on_line = on_line
        self.lines: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)

    def run(self) -> None:
        for raw in self.stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if self.on_line is not None:
                self.on_line(line)
        self.stream.close()


def _progress_reader(duration_s: float, progress: ProgressCallback) -> Callable[[str], None]:
    last = [-1.0]

    def on_line(line: str) -> None:
        key, _, value = line.partition("=")
        fraction: float | None = None
        if key == "out_time_us" and value.strip().lstrip("-").isdigit():
            fraction = min(1.0, max(0.0, int(value) / 1e6 / duration_s))
        elif key == "progress" and value.strip() == "end":
            fraction = 1.0
        if fraction is not None and fraction > last[0]:
            last[0] = fraction
            progress(fraction)

    return on_line


def _with_progress(
    args: list[str], duration_s: float | None, progress: ProgressCallback | None
) -> tuple[list[str], tuple[int, int] | None]:
    """Insert ``-progress pipe:N`` for a private pipe when progress can be computed."""
    if progress is None or not duration_s or duration_s <= 0:
        return args, None
    read_fd, write_fd = os.pipe()
    return [args[0], "-progress", f"pipe:{write_fd}", *args[1:]], (read_fd, write_fd)


def run_ffmpeg(
    args: Sequence[str],
    *,
    path: Path,
    what: str,
    error: type[MediaError] = EncodeFailed,
    duration_s: float | None = None,
    progress: ProgressCallback | None = None,
    stdout: int | None = None,
) -> list[str]:
    """Run ffmpeg with ``args`` (without the binary) and return the tail of its stderr.

    Args:
        args: ffmpeg arguments; ``-hide_banner -nostdin -nostats`` are added.
        path: The file the work is about (named first in error messages).
        what: What is being done, e.g. ``"loudness measurement failed"``.
        error: The MediaError subclass to raise on failure.
        duration_s: Length of the output being produced, for progress fractions.
        progress: Called with a fraction 0..1 as ffmpeg advances.
        stdout: A file descriptor for ffmpeg's ``pipe:1`` output (e.g. a file opened and
            positioned by the caller); None: nothing is written there.

    Returns:
        The last lines of ffmpeg's stderr (where filters such as ebur128 print summaries).

    Raises:
        FfmpegNotFound: if ffmpeg is missing.
        error: if ffmpeg exits non-zero.
    """
    full = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats", *ONE_FILTER_THREAD, *args]
    full, fds = _with_progress(full, duration_s, progress)
    log.debug("running: %s", format_command(full))
    try:
        proc = _popen(
            full,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if stdout is None else stdout,
            stderr=subprocess.PIPE,
            pass_fds=(fds[1],) if fds else (),
        )
    except OSError as exc:
        _close_fds(fds)
        raise FfmpegNotFound(f"{full[0]}: cannot run ffmpeg: {exc.strerror or exc}") from exc
    assert proc.stderr is not None
    with _owned(proc):
        drains = [_Drain(proc.stderr)]
        if fds is not None and progress is not None and duration_s:
            os.close(fds[1])
            drains.append(_Drain(os.fdopen(fds[0], "rb"), _progress_reader(duration_s, progress)))
        for drain in drains:
            drain.start()
        returncode = proc.wait()
        for drain in drains:
            drain.join()
    if returncode != 0:
        raise _fail(error, path, what, full, drains[0].lines)
    return list(drains[0].lines)


def run_ffmpeg_pipeline(
    producer_args: Sequence[str],
    consumer_args: Sequence[str],
    *,
    path: Path,
    what: str,
    error: type[MediaError] = EncodeFailed,
    cwd: Path | None = None,
    duration_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[list[str], list[str]]:
    """Run two ffmpegs at once, the producer's stdout piped straight into the consumer's stdin.

    This lets an encode be checked (e.g. loudness-measured) on the second CPU core while it is
    being written, instead of decoding the finished file again afterwards. Nothing passes
    through Python and memory stays flat at any length.

    Args:
        producer_args: ffmpeg arguments with an output to ``pipe:1``.
        consumer_args: ffmpeg arguments reading ``pipe:0``.
        path, what, error, duration_s, progress: as for :func:`run_ffmpeg` (progress
            follows the producer).
        cwd: Working directory for both processes (lets callers use plain relative names).

    Returns:
        The stderr tails of the producer and of the consumer.

    Raises:
        FfmpegNotFound: if ffmpeg is missing.
        error: if either process fails.
    """
    binary = ffmpeg_binary()
    prod = [binary, "-hide_banner", "-nostdin", "-nostats", *ONE_FILTER_THREAD, *producer_args]
    cons = [binary, "-hide_banner", "-nostats", *ONE_FILTER_THREAD, *consumer_args]
    prod, fds = _with_progress(prod, duration_s, progress)
    log.debug("running: %s | %s", format_command(prod), format_command(cons))
    try:
        producer = _popen(
            prod,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(fds[1],) if fds else (),
            cwd=cwd,
        )
    except OSError as exc:
        _close_fds(fds)
        raise FfmpegNotFound(f"{binary}: cannot run ffmpeg: {exc.strerror or exc}") from exc
    assert producer.stdout is not None and producer.stderr is not None
    try:
        consumer = _popen(
            cons,
            stdin=producer.stdout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
    except BaseException as exc:
        _reap(producer)
        _close_fds(fds)
        if isinstance(exc, OSError):
            raise FfmpegNotFound(f"{binary}: cannot run ffmpeg: {exc.strerror or exc}") from exc
        raise
    # Only the consumer may hold the read end, so the producer sees EPIPE if it dies.
    producer.stdout.close()
    assert consumer.stderr is not None
    with _owned(producer, consumer):
        prod_err, cons_err = _Drain(producer.stderr), _Drain(consumer.stderr)
        drains = [prod_err, cons_err]
        if fds is not None and progress is not None and duration_s:
            os.close(fds[1])
            drains.append(_Drain(os.fdopen(fds[0], "rb"), _progress_reader(duration_s, progress)))
        for drain in drains:
            drain.start()
        prod_code = producer.wait()
        cons_code = consumer.wait()
        for drain in drains:
            drain.join()
    if prod_code != 0:
        raise _fail(error, path, what, prod, prod_err.lines)
    if cons_code != 0:
        raise _fail(error, path, what, cons, cons_err.lines)
    return list(prod_err.lines), list(cons_err.lines)


def run_ffprobe(
    args: Sequence[str], *, path: Path, what: str, error: type[MediaError]
) -> tuple[str, list[str]]:
    """Run ffprobe with ``args`` (without the binary) and return its stdout and stderr lines.

    Raises:
        FfmpegNotFound: if ffprobe is missing.
        error: if ffprobe exits non-zero.
    """
    full = [ffprobe_binary(), "-hide_banner", *args]
    log.debug("running: %s", format_command(full))
    try:
        proc = _popen(
            full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        raise FfmpegNotFound(f"{full[0]}: cannot run ffprobe: {exc.strerror or exc}") from exc
    with _owned(proc):
        out, err = proc.communicate()
    stderr = err.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0:
        raise _fail(error, path, what, full, stderr)
    return out.decode("utf-8", "replace"), stderr


def _close_fds(fds: tuple[int, int] | None) -> None:
    if fds is not None:
        for fd in fds:
            os.close(fd)
