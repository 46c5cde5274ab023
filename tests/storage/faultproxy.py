"""A counting, fault-injecting HTTP proxy between boto3 and the S3 test server.

Used as boto3's ``endpoint_url``. Per request it can answer ``503 SlowDown`` (after reading the
body, as S3 does), reset the connection half-way through an upload body (TCP RST), or forward
to the upstream server. Every request is counted with its method, path and bytes both ways.
Threads are bounded (a semaphore around the per-connection threads).
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-length",
}

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    path: str
    bytes_in: int
    bytes_out: int
    fault: str | None  # "503", "reset" or None


@dataclass
class Faults:
    """What to break. Rates are probabilities per request; ``only`` limits them by regex."""

    error_rate: float = 0.0  # answered 503 SlowDown
    reset_rate: float = 0.0  # upload bodies cut half-way with a TCP reset
    only_methods: frozenset[str] = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
    only_path: str | None = None  # regex the request path must match to be eligible
    seed: int = 1
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def pick(self, method: str, path: str, has_body: bool) -> str | None:
        if method not in self.only_methods:
            return None
        if self.only_path is not None and not re.search(self.only_path, path):
            return None
        roll = self._random.random()
        if has_body and roll < self.reset_rate:
            return "reset"
        if roll < self.reset_rate + self.error_rate:
            return "503"
        return None


class _BoundedServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], proxy: FaultProxy) -> None:
        self.proxy = proxy
        self._slots = threading.BoundedSemaphore(64)
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):  # type: ignore[no-untyped-def]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _BoundedServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _read_body(self, limit: int | None = None) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if limit is not None:
            length = min(length, limit)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        proxy = self.server.proxy
        method = self.command
        length = int(self.headers.get("Content-Length") or 0)
        chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
        with proxy.lock:
            fault = proxy.faults.pick(method, self.path, length > 0 or chunked)
        if fault == "reset":
            got = self._read_body(limit=max(1, length // 2))
            proxy.record(Seen(method, self.path, len(got), 0, "reset"))
            sock = self.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            self.close_connection = True
            return
        body = self._read_body()
        if fault == "503":
            # Recorded before answering, so a client that has its answer sees it counted.
            proxy.record(Seen(method, self.path, len(body), len(SLOW_DOWN), "503"))
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(SLOW_DOWN)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(SLOW_DOWN)
            return
        status, headers, data = proxy.forward(method, self.path, self.headers.items(), body)
        proxy.record(Seen(method, self.path, len(body), len(data), None))
        self.send_response_only(status)
        upstream_length = None
        for name, value in headers:
            if name.lower() == "content-length":
                upstream_length = value
            elif name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        # A HEAD answer carries the object's length without a body.
        length = upstream_length if method == "HEAD" and upstream_length else str(len(data))
        self.send_header("Content-Length", length)
        self.end_headers()
        if method != "HEAD" and data:
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle


class FaultProxy:
    """Start with ``start()``; point boto3 at ``url``; read ``seen``; ``reset()`` between runs."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.faults = Faults()
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self._local = threading.local()
        self._server = _BoundedServer(("127.0.0.1", 0), self)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self, faults: Faults | None = None) -> None:
        with self.lock:
            self.faults = faults or Faults()
            self.seen = []

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def counts(self) -> dict[str, int]:
        with self.lock:
            result: dict[str, int] = {}
            for s in self.seen:
                result[s.method] = result.get(s.method, 0) + 1
            return result

    def bytes_in(self) -> int:
        with self.lock:
            return sum(s.bytes_in for s in self.seen)

    def forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = http.client.HTTPConnection(*self.upstream, timeout=120)
                self._local.conn = conn
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    if name.lower() not in _HOP_BY_HOP:
                        conn.putheader(name, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (ConnectionError, http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")
