"""Hostile servers on 127.0.0.1 for the security tests: raw sockets, one thread per connection.

Each server runs a behaviour function on every accepted connection (after reading the request
head) and records what it received, so a test can also prove that nothing reached it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress

Behaviour = Callable[[socket.socket, bytes], None]


class HostileServer:
    """A TCP listener on 127.0.0.1 that answers every connection with ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            with suppress(OSError):
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
            self.requests.append(head)
            with suppress(OSError):
                self.behaviour(conn, head)

    def close(self) -> None:
        self._stop.set()
        with suppress(OSError):
            self._sock.close()


def answer(status: str, headers: dict[str, str], body: bytes = b"") -> Behaviour:
    """Answer every request with one fixed response."""

    def run(conn: socket.socket, head: bytes) -> None:
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
        if "Content-Length" not in headers:
            lines.append(f"Content-Length: {len(body)}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    return run


def redirect(location: str) -> Behaviour:
    return answer("302 Found", {"Location": location})


def endless(chunk: bytes = b"\xff\xfb" * 32768) -> Behaviour:
    """A 200 with no length that never ends (the disk-filling enclosure)."""

    def run(conn: socket.socket, head: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            conn.sendall(chunk)

    return run


def drip(interval_s: float, *, in_headers: bool = False) -> Behaviour:
    """Send one byte every ``interval_s`` forever: each read succeeds, the object never ends."""

    def run(conn: socket.socket, head: bytes) -> None:
        prefix = b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 100000\r\n\r\n"
        if in_headers:
            prefix = prefix[:9]
        conn.sendall(prefix)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            conn.sendall(b"X" if not in_headers else b" ")
            time.sleep(interval_s)

    return run
