"""``kotocast validate URL`` fetches through pipeline.fetch: http(s) only on every redirect,
other hosts checked, the typed host the producer's own choice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.fetch import ALLOW_PRIVATE_ENV
from tests.security.hostile import HostileServer, answer, redirect

KOTOCAST = Path(sys.executable).with_name("kotocast")


def _validate(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ALLOW_PRIVATE_ENV}
    return subprocess.run(
        [str(KOTOCAST), "validate", url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def ftp() -> Iterator[HostileServer]:
    server = HostileServer(answer("200 OK", {}, b"220 FTP ready\r\n"))
    yield server
    server.close()


def test_http_to_ftp_redirect_is_refused_and_nothing_is_sent(
    ftp: HostileServer, tmp_path: Path
) -> None:
    hop = HostileServer(redirect(f"ftp://127.0.0.1:{ftp.port}/feed.xml"))
    try:
        run = _validate(hop.url("/feed.xml"), tmp_path)
    finally:
        hop.close()
    assert run.returncode == 1
    assert run.stderr.strip().endswith("which is not http(s); refused")
    assert len(run.stderr.strip().splitlines()) == 1
    assert ftp.connections == 0  # no "USER anonymous"


def test_redirect_from_the_typed_host_to_another_private_one_is_refused(tmp_path: Path) -> None:
    inner = HostileServer(answer("200 OK", {"Content-Type": "application/rss+xml"}, b"<rss/>"))
    hop = HostileServer(redirect(inner.url("/admin/feed.xml", host="localhost")))
    try:
        run = _validate(hop.url("/feed.xml"), tmp_path)
    finally:
        hop.close()
        inner.close()
    assert run.returncode == 1 and "loopback address" in run.stderr
    assert inner.connections == 0


def test_the_typed_url_itself_may_be_local(tmp_path: Path) -> None:
    local = HostileServer(answer("200 OK", {"Content-Type": "application/rss+xml"}, b"<rss/>"))
    try:
        run = _validate(local.url("/feed.xml"), tmp_path)
    finally:
        local.close()
    # Fetched (the producer typed it); then judged as a feed, which <rss/> is not.
    assert local.connections == 1
    assert "refused" not in run.stderr and run.returncode == 1
