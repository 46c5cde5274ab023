"""A tiny podcast host on 127.0.0.1 for import tests: a feed, MP3s, Range requests, 404s.

Threads, no network beyond the loopback interface. ``PodServer.files`` maps a path to
``(body, content_type)``; anything else answers 404. Every request is recorded so tests can
see ``Range`` headers; ``cut_once`` makes the next GET of a path stop half-way (a dropped
connection) to exercise resume.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape, quoteattr

from pipeline.fetch import ALLOW_PRIVATE_ENV


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on purpose (size limits, timeouts) are not errors here


@dataclass
class PodServer:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    cut_once: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    _saved_env: str | None = None

    def start(self) -> PodServer:
        """Serve on 127.0.0.1 and opt in to private addresses until :meth:`stop`.

        The importer refuses loopback URLs by default (pipeline/fetch.py); a test host on
        127.0.0.1 is exactly what ``KOTOCAST_ALLOW_PRIVATE_NETWORK=1`` is for. Child
        processes (the CLI runs) inherit it.
        """
        server = self
        self._saved_env = os.environ.get(ALLOW_PRIVATE_ENV)
        os.environ[ALLOW_PRIVATE_ENV] = "1"

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def do_GET(self) -> None:
                self._answer(head=False)

            def _answer(self, head: bool) -> None:
                path = self.path.split("?")[0]
                server.requests.append((self.command, path, self.headers.get("Range")))
                if path in server.slow:
                    time.sleep(server.slow[path])
                if path in server.redirects:
                    self.send_response(301)
                    self.send_header("Location", server.redirects[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path not in server.files:
                    body = b"<html><body>Not Found</body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                body, ctype = server.files[path]
                start, end, status = 0, len(body) - 1, 200
                wanted = self.headers.get("Range")
                match = re.match(r"bytes=(\d+)-(\d*)$", wanted or "")
                if match:
                    start = int(match.group(1))
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if match.group(2):
                        end = min(int(match.group(2)), end)
                    status = 206
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("ETag", f'"{len(body)}-{hash(body) & 0xFFFFFF:x}"')
                self.send_header("Content-Length", str(end - start + 1))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
                self.end_headers()
                if head:
                    return
                chunk = body[start : end + 1]
                if path in server.cut_once and not head:
                    server.cut_once.discard(path)
                    self.wfile.write(chunk[: len(chunk) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(chunk)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._saved_env is None:
            os.environ.pop(ALLOW_PRIVATE_ENV, None)
        else:
            os.environ[ALLOW_PRIVATE_ENV] = self._saved_env

    def gets(self, path: str) -> list[str | None]:
        """The Range headers of every GET of ``path`` so far."""
        return [r for m, p, r in self.requests if m == "GET" and p == path]


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    published: datetime
    media_path: str
    length: int
    mime: str = "audio/mpeg"
    season: int | None = None
    number: int | None = None
    episode_type: str | None = None
    duration: str | None = None
    description: str = ""
    chapters_path: str | None = None
    transcript_path: str | None = None


def render_feed(
    server: PodServer,
    items: list[FeedItem],
    *,
    title: str = "Kotona Suomessa",
    podcast_guid: str | None = None,
    image_path: str | None = "/cover.jpg",
    self_path: str | None = "/feed.rss",
) -> bytes:
    """Return a SoundCloud-shaped podcast feed for ``items``."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0">',
        "<channel>",
        f"<title>{escape(title)}</title>",
        "<link>https://soundcloud.com/kotona</link>",
        "<description>Keskusteluja &lt;b&gt;arjesta&lt;/b&gt; Suomessa.</description>",
        "<language>fi</language>",
        "<copyright>All rights reserved</copyright>",
        "<itunes:author>Kotoutumisprojekti</itunes:author>",
        "<itunes:owner><itunes:name>Kotona</itunes:name>"
        "<itunes:email>podcast@kotona.example</itunes:email></itunes:owner>",
        '<itunes:category text="Society &amp; Culture">'
        '<itunes:category text="Documentary"/></itunes:category>',
        "<itunes:explicit>no</itunes:explicit>",
    ]
    if self_path:
        out.append(
            f'<atom:link href="{server.url(self_path)}" rel="self" type="application/rss+xml"/>'
        )
    if image_path:
        out.append(f'<itunes:image href="{server.url(image_path)}"/>')
    if podcast_guid:
        out.append(f"<podcast:guid>{podcast_guid}</podcast:guid>")
    for item in items:
        out += [
            "<item>",
            f'<guid isPermaLink="false">{escape(item.guid)}</guid>',
            f"<title>{escape(item.title)}</title>",
            f"<pubDate>{format_datetime(item.published)}</pubDate>",
            f"<description><![CDATA[{item.description}]]></description>",
            f'<enclosure url={quoteattr(server.url(item.media_path))} length="{item.length}" '
            f'type="{item.mime}"/>',
        ]
        if item.duration:
            out.append(f"<itunes:duration>{item.duration}</itunes:duration>")
        if item.season:
            out.append(f"<itunes:season>{item.season}</itunes:season>")
        if item.number:
            out.append(f"<itunes:episode>{item.number}</itunes:episode>")
        if item.episode_type:
            out.append(f"<itunes:episodeType>{item.episode_type}</itunes:episodeType>")
        if item.chapters_path:
            out.append(
                f'<podcast:chapters url="{server.url(item.chapters_path)}" '
                'type="application/json+chapters"/>'
            )
        if item.transcript_path:
            out.append(
                f'<podcast:transcript url="{server.url(item.transcript_path)}" '
                'type="text/vtt" language="fi" rel="captions"/>'
            )
        out.append("</item>")
    out += ["</channel>", "</rss>"]
    return "\n".join(out).encode("utf-8")
