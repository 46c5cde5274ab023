"""Preview the local-folder storage over HTTP, the way a media host serves it.

Podcast apps need more than a plain file server: the right ``Content-Type`` per object, ``HEAD``
and byte ranges answered ``206 Partial Content`` (Apple requires both of media hosts; players
seek with them). No directory listings, nothing outside the folder, no hidden or temp files.
"""

from __future__ import annotations

import email.utils
import logging
import mimetypes
import posixpath
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

# Types podcast apps and directories expect (Apple podcast RSS guide, Podcast Index namespace);
# mimetypes alone gets several wrong (.m4a, .vtt, chapters JSON) or depends on the host's
# /etc/mime.types.
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
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
_TEXT_TYPES = ("application/rss+xml", "text/vtt", "application/json")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


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


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD of files under ``server.root``, with single byte ranges."""

    server: _PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "kotocast-serve"

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _resolve(self) -> Path | None:
        """Map the request path to a file under root, or None (traversal, hidden, missing)."""
        raw = unquote(urlsplit(self.path).path, errors="strict")
        if "\x00" in raw or "\\" in raw:
            return None
        parts = [p for p in raw.split("/") if p]
        if any(p.startswith(".") for p in parts):  # "..", hidden and temp files
            return None
        root = self.server.root
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

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _error(self, status: HTTPStatus, extra: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, *, send_body: bool) -> None:
        try:
            path = self._resolve()
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._error(HTTPStatus.NOT_FOUND)
            return
        st = path.stat()
        size = st.st_size
        start, end = 0, size - 1
        status = HTTPStatus.OK
        header = self.headers.get("Range")
        if header:
            match = _RANGE.fullmatch(header.strip())
            if match is None or match.group(1) == match.group(2) == "":
                pass  # several ranges or other units: the whole file, as RFC 9110 allows
            else:
                first, last = match.group(1), match.group(2)
                if first == "":  # suffix: the last N bytes
                    start, end = max(0, size - int(last)), size - 1
                    valid = int(last) > 0 and size > 0
                else:
                    start = int(first)
                    end = min(int(last), size - 1) if last else size - 1
                    valid = start < size and start <= end
                if not valid:
                    self._error(
                        HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                        {"Content-Range": f"bytes */{size}"},
                    )
                    return
                status = HTTPStatus.PARTIAL_CONTENT
        length = end - start + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", content_type_for(path.name))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
        self.send_header("ETag", f'"{st.st_mtime_ns:x}-{size:x}"')
        self.send_header("Cache-Control", "no-cache")
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if send_body and length:
            with path.open("rb") as f:
                f.seek(start)
                _copy(f, self.wfile, length)


def _copy(src: BinaryIO, dst: object, length: int) -> None:
    remaining = length
    write = dst.write  # type: ignore[attr-defined]
    while remaining > 0:
        chunk = src.read(min(1 << 16, remaining))
        if not chunk:
            break
        try:
            write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return  # the player seeked elsewhere
        remaining -= len(chunk)


class _PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, address: tuple[str, int]) -> None:
        self.root = root.resolve()
        super().__init__(address, _Handler)


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """Return a preview server for ``root`` bound to ``host:port`` (0 picks a free port).

    Raises:
        OSError: the address is in use or cannot be bound.
    """
    return _PreviewServer(Path(root), (host, port))


def serve_folder(root: Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve ``root`` until interrupted (blocking)."""
    server = make_server(root, host, port)
    try:
        server.serve_forever()
    finally:
        server.server_close()


__all__ = ["CONTENT_TYPES", "content_type_for", "make_server", "serve_folder"]
