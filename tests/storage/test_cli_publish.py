"""``kotocast publish`` to S3 end to end: endpoint from the standard environment, requests
counted at the proxy, and the real command killed with SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from .conftest import SECRET_KEY
from .faultproxy import FaultProxy

pytestmark = [pytest.mark.s3, pytest.mark.slow]

KOTOCAST = Path(sys.executable).with_name("kotocast")
BASE_URL = "https://media.example.org/kotona/"


def _kotocast(workspace: Path, endpoint: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL_S3": endpoint, "CI": "1"}
    return subprocess.Popen(
        [str(KOTOCAST), *args],
        cwd=workspace,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _ok(workspace: Path, endpoint: str, *args: str) -> str:
    proc = _kotocast(workspace, endpoint, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"kotocast {' '.join(args)}: {err[-3000:]}"
    assert SECRET_KEY not in out + err
    return out


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.mediagen import make_cover, make_speech

    folder = tmp_path_factory.mktemp("cli-sources")
    for i in range(3):
        make_speech(folder / f"talk{i}.wav", 3 + i, -20.0)
    make_cover(folder / "cover.jpg", 1400)
    return folder


def _init(tmp_path: Path, sources: Path, bucket: str, endpoint: str) -> Path:
    workspace = tmp_path / "show"
    _ok(
        tmp_path,
        endpoint,
        "init",
        str(workspace),
        "--title",
        "Kotona",
        "--author",
        "Hanke",
        "--email",
        "podcast@example.org",
        "--language",
        "fi",
        "--image",
        str(sources / "cover.jpg"),
        "--base-url",
        BASE_URL,
        "--storage",
        f"s3://{bucket}/kotona",
    )
    return workspace


def _add(workspace: Path, endpoint: str, source: Path, title: str) -> None:
    _ok(
        workspace,
        endpoint,
        "add",
        str(source),
        "--title",
        title,
        "--publish-at",
        "2024-01-01T10:00:00+02:00",
    )


def _feed_is_whole(s3: Any, bucket: str) -> int:
    try:
        feed = s3.get_object(Bucket=bucket, Key="kotona/feed.xml")["Body"].read()
    except s3.exceptions.NoSuchKey:
        return 0
    enclosures = ET.fromstring(feed).findall("./channel/item/enclosure")
    for enclosure in enclosures:
        key = enclosure.attrib["url"].removeprefix(BASE_URL)
        head = s3.head_object(Bucket=bucket, Key=f"kotona/{key}")
        assert head["ContentLength"] == int(enclosure.attrib["length"]), key
    return len(enclosures)


@pytest.mark.skipif(not KOTOCAST.exists(), reason="kotocast console script not installed")
def test_cli_publish_no_change_and_sigkill(
    proxy: FaultProxy, s3: Any, tmp_path: Path, sources: Path
) -> None:
    bucket = f"kc-cli-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    proxy.reset()
    workspace = _init(tmp_path, sources, bucket, proxy.url)
    rng = random.Random(5)
    kills = 0
    for i in range(3):
        _add(workspace, proxy.url, sources / f"talk{i}.wav", f"Jakso {i + 1}")
        for _ in range(2):
            # Kill after a random number of requests reached the S3 server: a moment inside
            # the publish by events, not by wall time, so it holds on a fast or a slow machine.
            before = sum(proxy.counts().values())
            kill_after = rng.randint(1, 8)
            proc = _kotocast(workspace, proxy.url, "publish")
            while proc.poll() is None:
                if sum(proxy.counts().values()) - before >= kill_after:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                    break
                time.sleep(0.005)
            proc.communicate()
            _feed_is_whole(s3, bucket)
    assert kills >= 3, kills
    _ok(workspace, proxy.url, "publish")
    assert _feed_is_whole(s3, bucket) == 3

    proxy.reset()
    _ok(workspace, proxy.url, "publish")
    counts = proxy.counts()
    assert sum(counts.values()) <= 3, counts
    assert not {"PUT", "POST", "DELETE"} & set(counts), counts
    for path in workspace.rglob("*"):
        if path.is_file():
            assert SECRET_KEY.encode() not in path.read_bytes(), path
    assert "AWS_SECRET" not in (workspace / "kotocast.toml").read_text()
