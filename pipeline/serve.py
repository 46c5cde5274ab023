"""Preview the local-folder storage over HTTP, the way a media host serves it.

Podcast apps need more than a plain file server: the right ``Content-Type`` per object, ``HEAD``
and byte ranges answered ``206 Partial Content`` (Apple requires both of media hosts; players
seek with them). No directory listings, nothing outside the folder, no hidden or temp files.

The server is one asyncio loop: an idle keep-alive connection costs a socket, not a thread.
Connections are capped (the longest-idle one is closed to make room), a request head must
arrive within ``idle_timeout_s`` and fit in 64 KiB, a client that stops reading is dropped
after the same time, and a request body is read and discarded (up to 64 KiB) or refused, so
it is never taken for the next request. Ranges and conditionals follow RFC 9110 (sections 13
and 14): an invalid ``Range`` is ignored (200), ``bytes`` is case-insensitive, ``If-Range``
must match the strong ETag or ``Last-Modified`` exactly, ``If-None-Match`` and
``If-Modified-Since`` answer 304.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import logging
import mimetypes
import posixpath
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import PipelineError
from .signals import HANDLED_SIGNALS, Terminated

log = logging.getLogger(__name__)

# Types podcast apps and directories expect (Apple podcast RSS guide, Podcast Index namespace);
# mimetypes alone gets several wrong (.m4a, .vtt, chapters JSON) or depends on the host's
# /etc/mime.types. Every kind of file kotocast writes is listed.
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/x-m4a",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".mov": "video/quicktime",
    ".xml": "application/rss+xml",
    ".rss": "application/rss+xml",
    ".opml": "text/x-opml",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
_TEXT_TYPES = ("application/rss+xml", "text/vtt", "application/json", "text/x-opml")
_RANGE = re.compile(r"(?i)^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024
CHUNK_BYTES = 256 * 1024


class ServeFailed(PipelineError):
    """The preview server cannot start (the port is taken, the address is wrong)."""


def content_type_for(name: str) -> str:
    """Return the Content-Type a podcast host should send for a file name."""
    lower = name.lower()
    if lower.endswith(".chapters.json") or lower.endswith("chapters.json"):
        return "application/json+chapters"
    ext = posixpath.splitext(lower)[1]
    if ext in CONTENT_TYPES:
        ctype = CONTENT_TYPES[ext]
    else:
        ctype = mimetypes.guess_type(lower)[0] or "application/octet-stream"
    if ctype.startswith(_TEXT_TYPES) and "charset" not in ctype:
        ctype += "; charset=utf-8"
    return ctype


def resolve_path(root: Path, target: str) -> Path | None:
    """Map a request target to a file under ``root``, or None (traversal, hidden, missing)."""
    try:
        raw = unquote(urlsplit(target).path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in raw or "\\" in raw:
        return None
    parts = [p for p in raw.split("/") if p]
    if any(p.startswith(".") for p in parts):  # "..", hidden and temp files
        return None
    path = root.joinpath(*parts)
    if path.is_dir():
        path = path / "index.html"  # never a listing
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None  # symlinks out of the folder count as outside
    return real


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Answer:
    status: HTTPStatus
    headers: list[tuple[str, str]]
    path: Path | None = None  # the body: bytes start..end of this file
    start: int = 0
    length: int = 0
    body: bytes = b""


def plan_answer(root: Path, request: _Request) -> _Answer:
    """Decide status, headers and body range for a GET or HEAD (RFC 9110 semantics)."""
    path = resolve_path(root, request.target)
    if path is None:
        return _text_answer(HTTPStatus.NOT_FOUND)
    st = path.stat()
    size = st.st_size
    etag = f'"{st.st_mtime_ns:x}-{size:x}"'
    last_modified = email.utils.formatdate(st.st_mtime, usegmt=True)
    validators = [
        ("ETag", etag),
        ("Last-Modified", last_modified),
        ("Cache-Control", "no-cache"),
        ("Accept-Ranges", "bytes"),
    ]
    h = request.headers
    # RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it.
    if "if-none-match" in h:
        if _etag_listed(h["if-none-match"], etag, weak=True):
            return _Answer(HTTPStatus.NOT_MODIFIED, validators)
    elif "if-modified-since" in h:
        since = _http_date(h["if-modified-since"])
        if since is not None and int(st.st_mtime) <= since:
            return _Answer(HTTPStatus.NOT_MODIFIED, validators)
    headers = [("Content-Type", content_type_for(path.name)), *validators]
    start, end, status = 0, size - 1, HTTPStatus.OK
    wanted = _range(h.get("range"), size) if _if_range_holds(h, etag, last_modified) else None
    if wanted == "unsatisfiable":
        return _text_answer(
            HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, [("Content-Range", f"bytes */{size}")]
        )
    if isinstance(wanted, tuple):
        start, end = wanted
        status = HTTPStatus.PARTIAL_CONTENT
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    length = end - start + 1 if size else 0
    headers.append(("Content-Length", str(length)))
    return _Answer(status, headers, path, start, length)


def _range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """Return ``(start, end)``, ``"unsatisfiable"``, or None (no valid single range: 200).

    RFC 9110 14.2: a Range the server cannot parse, with another unit, or with several ranges
    may be ignored (we send the whole file); ``bytes=5-3`` is invalid, hence ignored.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if first == "" and last == "":
        return None
    if first == "":  # suffix: the last N bytes
        if int(last) == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - int(last)), size - 1
    if last and int(last) < int(first):
        return None  # invalid range-spec: ignore the header
    if int(first) >= size:
        return "unsatisfiable"
    return int(first), min(int(last), size - 1) if last else size - 1


def _if_range_holds(headers: dict[str, str], etag: str, last_modified: str) -> bool:
    """RFC 9110 13.1.5: a Range counts only if If-Range (when sent) matches exactly."""
    value = headers.get("if-range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag  # strong comparison; a weak tag never matches
    return value == last_modified


def _etag_listed(header: str, etag: str, *, weak: bool) -> bool:
    if header.strip() == "*":
        return True
    for tag in header.split(","):
        tag = tag.strip()
        if weak and tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _http_date(value: str) -> int | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return int(parsed.timestamp()) if parsed.tzinfo else None


def _text_answer(status: HTTPStatus, extra: list[tuple[str, str]] | None = None) -> _Answer:
    body = f"{status.value} {status.phrase}\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *(extra or []),
    ]
    return _Answer(status, headers, body=body)


class _BadRequest(Exception):
    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status.phrase)
        self.status = status


def _parse_head(head: bytes) -> _Request:
    try:
        text = head.decode("latin-1")
        request_line, *lines = text.split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError:
        raise _BadRequest(HTTPStatus.BAD_REQUEST) from None
    if not version.startswith("HTTP/1.") or not target.startswith("/"):
        raise _BadRequest(HTTPStatus.BAD_REQUEST)
    headers: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequest(HTTPStatus.BAD_REQUEST)
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return _Request(method, target, version, headers)


class PreviewServer:
    """A bounded preview server for one folder; ``serve_forever``/``shutdown`` like socketserver.

    Args:
        root: the storage folder.
        address: ``(host, port)``; port 0 picks a free one.
        max_connections: open connections at most; the longest-idle is closed to make room.
        idle_timeout_s: how long a connection may wait between requests, take to send a
            request head, or leave the answer unread.
    """

    def __init__(
        self,
        root: Path,
        address: tuple[str, int],
        *,
        max_connections: int = 256,
        idle_timeout_s: float = 15.0,
    ) -> None:
        self.root = Path(root).resolve()
        self.max_connections = max_connections
        self.idle_timeout_s = idle_timeout_s
        host, port = address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=512)
        self.server_address = self.socket.getsockname()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopped = threading.Event()
        self._signal: int | None = None
        self._idle: dict[asyncio.StreamWriter, float] = {}  # connection -> idle since
        self._open: set[asyncio.StreamWriter] = set()

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (from another thread) or Ctrl-C."""
        try:
            asyncio.run(self._main())
        finally:
            self._stopped.set()
        if self._signal is not None:
            raise Terminated(self._signal)

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)
            self._stopped.wait(10)

    def server_close(self) -> None:
        """Close the listening socket."""
        self.socket.close()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        # SIGTERM/SIGHUP stop the loop in order (listener closed, every connection closed,
        # handlers return), instead of an exception cancelling hundreds of handler tasks
        # mid-read, each of which would print a traceback. Main thread only.
        for signum in HANDLED_SIGNALS:
            try:
                self._loop.add_signal_handler(signum, self._on_signal, signum)
            except (RuntimeError, ValueError, NotImplementedError):
                break
        server = await asyncio.start_server(
            self._connection, sock=self.socket, limit=MAX_HEAD_BYTES
        )
        async with server:
            await self._stop.wait()
            server.close()
            for writer in list(self._open):
                writer.close()
            # Let every handler see its connection closed and return: tasks cancelled by
            # asyncio.run's cleanup would each log a traceback (Python 3.11's streams).
            handlers = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
            if handlers:
                await asyncio.wait(handlers, timeout=5)

    def _on_signal(self, signum: int) -> None:
        self._signal = signum
        if self._stop is not None:
            self._stop.set()

    def _make_room(self) -> bool:
        """Close the longest-idle connection when at the cap; False if none can go."""
        if len(self._open) < self.max_connections:
            return True
        if not self._idle:
            return False
        oldest = min(self._idle, key=self._idle.__getitem__)
        self._idle.pop(oldest, None)
        self._open.discard(oldest)
        oldest.close()
        return True

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._make_room():
            writer.close()
            return
        self._open.add(writer)
        try:
            while True:
                self._idle[writer] = time.monotonic()
                try:
                    head = await asyncio.wait_for(
                        reader.readuntil(b"\r\n\r\n"), self.idle_timeout_s
                    )
                except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    await self._send(
                        writer,
                        _text_answer(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE),
                        "GET",
                        close=True,
                    )
                    return
                finally:
                    self._idle.pop(writer, None)
                if not await self._request(reader, writer, head):
                    return
        except (ConnectionError, TimeoutError, OSError):
            return
        finally:
            self._idle.pop(writer, None)
            self._open.discard(writer)
            writer.close()

    async def _request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes
    ) -> bool:
        """Answer one request; return whether the connection stays open."""
        try:
            request = _parse_head(head[:-4])
        except _BadRequest as bad:
            await self._send(writer, _text_answer(bad.status), "GET", close=True)
            return False
        h = request.headers
        keep = request.version == "HTTP/1.1" and "close" not in h.get("connection", "").lower()
        # A body is read and thrown away, or refused and the connection closed: never
        # parsed as the next request.
        if "transfer-encoding" in h:
            await self._send(
                writer, _text_answer(HTTPStatus.LENGTH_REQUIRED), request.method, close=True
            )
            return False
        length_text = h.get("content-length", "0").strip()
        if not length_text.isdigit():
            await self._send(
                writer, _text_answer(HTTPStatus.BAD_REQUEST), request.method, close=True
            )
            return False
        if int(length_text) > MAX_BODY_BYTES:
            await self._send(
                writer,
                _text_answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
                request.method,
                close=True,
            )
            return False
        if int(length_text):
            try:
                await asyncio.wait_for(reader.readexactly(int(length_text)), self.idle_timeout_s)
            except (asyncio.IncompleteReadError, TimeoutError):
                return False
        if request.method not in ("GET", "HEAD"):
            answer = _text_answer(HTTPStatus.METHOD_NOT_ALLOWED, [("Allow", "GET, HEAD")])
        else:
            answer = plan_answer(self.root, request)
        log.info('%s "%s %s" %d', _peer(writer), request.method, request.target, answer.status)
        await self._send(writer, answer, request.method, close=not keep)
        return keep

    async def _send(
        self, writer: asyncio.StreamWriter, answer: _Answer, method: str, *, close: bool
    ) -> None:
        lines = [f"HTTP/1.1 {answer.status.value} {answer.status.phrase}"]
        lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
        lines.append("Server: kotocast-serve")
        lines += [f"{name}: {value}" for name, value in answer.headers]
        if close:
            lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if method != "HEAD":
            if answer.body:
                writer.write(answer.body)
            elif answer.path is not None and answer.length:
                with answer.path.open("rb") as f:
                    f.seek(answer.start)
                    left = answer.length
                    while left > 0:
                        chunk = f.read(min(CHUNK_BYTES, left))
                        if not chunk:
                            break
                        writer.write(chunk)
                        left -= len(chunk)
                        # A client that stops reading is dropped after the idle timeout.
                        await asyncio.wait_for(writer.drain(), self.idle_timeout_s)
        await asyncio.wait_for(writer.drain(), self.idle_timeout_s)


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if peer else "-"


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    """Return a preview server for ``root`` bound to ``host:port`` (0 picks a free port).

    Raises:
        ServeFailed: the address is in use or cannot be bound (one line naming it).
    """
    try:
        return PreviewServer(Path(root), (host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = "the port is already in use (another 'kotocast serve'? pick one with --port)"
        else:
            why = exc.strerror or str(exc)
        raise ServeFailed(f"cannot listen on {host}:{port}: {why}") from None


def serve_folder(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    ready: Callable[[PreviewServer], None] | None = None,
) -> None:
    """Serve ``root`` until interrupted (blocking); ``ready`` is called once it listens.

    Raises:
        ServeFailed: the address cannot be bound.
    """
    server = make_server(root, host, port)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever()
    finally:
        server.server_close()


__all__ = [
    "CONTENT_TYPES",
    "PreviewServer",
    "ServeFailed",
    "content_type_for",
    "make_server",
    "resolve_path",
    "serve_folder",
]
