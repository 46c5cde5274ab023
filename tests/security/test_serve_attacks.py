"""``kotocast serve`` under attack, run as the real command: idle floods, smuggled bodies,
slow heads, a busy port, and storage folders outside the workspace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.serve import make_server

KOTOCAST = Path(sys.executable).with_name("kotocast")
FEED = b"<rss/>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(tmp_path: Path, storage: str = "public") -> Path:
    ws = tmp_path / "show"
    (ws / "public").mkdir(parents=True)
    (ws / "public" / "feed.xml").write_bytes(FEED)
    (ws / "kotocast.toml").write_text(
        "[show]\n"
        'title = "T"\nauthor = "A"\nemail = "a@example.org"\nlanguage = "fi"\n'
        'category = "Society & Culture"\nbase_url = "http://127.0.0.1/"\n'
        f"[storage]\nurl = {storage!r}\n".replace("'", '"'),
        encoding="utf-8",
    )
    return ws


def _start(ws: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [str(KOTOCAST), "serve", "--port", str(port)],
        cwd=ws,
        env={**os.environ, "CI": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("serving "), proc.stderr.read() if proc.stderr else line
    return proc


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    proc = _start(_workspace(tmp_path), port)
    yield proc, port
    proc.terminate()
    assert proc.wait(10) == 143  # SIGTERM: every connection closed in order, one line


def _get(port: int, raw: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def test_500_idle_connections_do_not_stop_a_new_request(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = served
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(500)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        reply = _get(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert time.monotonic() - started < 1.0
        assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(FEED)
        # One event loop, not a thread per connection.
        status = Path(f"/proc/{proc.pid}/status").read_text()
        threads = int(next(x for x in status.splitlines() if x.startswith("Threads:")).split()[1])
        assert threads < 10
    finally:
        for s in idle:
            s.close()


def test_a_request_body_is_never_taken_for_a_second_request(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    _, port = served
    smuggled = b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = (
        b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: "
        + str(len(smuggled)).encode()
        + b"\r\n\r\n"
        + smuggled
        + b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    reply = _get(port, raw)
    assert reply.count(b"HTTP/1.1 ") == 2
    assert reply.count(b"HTTP/1.1 200 OK") == 2 and b"404" not in reply
    # A large or chunked body is refused and the connection closed.
    big = _get(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
    assert big.startswith(b"HTTP/1.1 413") and big.count(b"HTTP/1.1 ") == 1
    chunked = b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    reply = _get(port, chunked + b"0\r\n\r\n" + b"GET /feed.xml HTTP/1.1\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 411") and reply.count(b"HTTP/1.1 ") == 1


def test_idle_and_slow_heads_are_closed_after_the_idle_timeout(tmp_path: Path) -> None:
    root = tmp_path / "public"
    root.mkdir()
    (root / "feed.xml").write_bytes(FEED)
    server = make_server(root, "127.0.0.1", 0)
    server.idle_timeout_s = 1.0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle:
            started = time.monotonic()
            assert idle.recv(10) == b""  # closed by the server
            assert 0.8 < time.monotonic() - started < 3
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            started = time.monotonic()
            head = b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n"
            closed = False
            for byte in head * 10:  # a byte every 0.1 s: each arrives in time, the head never
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)
                if time.monotonic() - started > 3:
                    break
            if not closed:
                slow.settimeout(2)
                try:
                    closed = slow.recv(100) == b""
                except ConnectionResetError:
                    closed = True
            assert closed and time.monotonic() - started < 3.5
    finally:
        server.shutdown()
        server.server_close()


def test_busy_port_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = subprocess.run(
            [str(KOTOCAST), "serve", "--port", str(port)],
            cwd=_workspace(tmp_path),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "already in use" in lines[0]


@pytest.mark.parametrize("storage", ["/", "..", "/etc"])
def test_serve_refuses_storage_outside_the_workspace(tmp_path: Path, storage: str) -> None:
    run = subprocess.run(
        [str(KOTOCAST), "serve", "--port", str(_free_port())],
        cwd=_workspace(tmp_path, storage),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith("kotocast: error: storage.url:")
    assert len(run.stderr.strip().splitlines()) == 1
