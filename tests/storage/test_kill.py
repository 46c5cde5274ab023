"""A publish process killed with SIGKILL at random moments never leaves a broken feed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.sync import MANIFEST_KEY

from .conftest import PUBLIC_BASE

pytestmark = pytest.mark.s3

REPO = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def _get(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return s3.get_object(Bucket=bucket, Key=f"show/{key}")["Body"].read()  # type: ignore[no-any-return]
    except s3.exceptions.NoSuchKey:
        return None


def assert_feed_references_complete_objects(s3: Any, bucket: str) -> int:
    """Parse the published feed; HEAD each enclosure; its size must equal ``length``."""
    feed = _get(s3, bucket, "feed.xml")
    if feed is None:
        return 0
    enclosures = re.findall(rb'<enclosure url="([^"]+)" length="(\d+)"', feed)
    for url, length in enclosures:
        key = url.decode().removeprefix(PUBLIC_BASE + "/")
        head = s3.head_object(Bucket=bucket, Key=f"show/{key}")
        assert head["ContentLength"] == int(length), key
        assert head["Metadata"]["sha256"]
    manifest = _get(s3, bucket, MANIFEST_KEY)
    if manifest is not None:
        for key, entry in json.loads(manifest).items():
            head = s3.head_object(Bucket=bucket, Key=f"show/{key}")
            assert head["ContentLength"] == entry["size"], key
    return len(enclosures)


def _run(endpoint: str, bucket: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.storage.publish_worker", endpoint, bucket, str(folder)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_moments_never_breaks_the_feed(
    s3_server: str, s3: Any, bucket: str, tmp_path: Path
) -> None:
    rng = random.Random(20240611)
    folder = tmp_path / "media"
    folder.mkdir()
    kills = 0
    mid_publish = 0  # kills that left the lock behind: they landed inside the locked phase
    for episode in range(1, 9):
        # Each round adds an episode: a few small files and one multipart-sized one.
        size = rng.choice([300_000, 2 * MB, 6 * MB, 11 * MB])
        data = hashlib.sha256(str(episode).encode()).digest() * (size // 32)
        (folder / f"ep{episode:02d}-{hashlib.sha256(data).hexdigest()[:10]}.mp3").write_bytes(data)
        proc = _run(s3_server, bucket, folder)
        # Kill after a random number of announced storage calls / upload chunks: the moment
        # is random within the publish, whatever the machine's speed.
        kill_after = rng.randint(1, 12)
        assert proc.stdout is not None
        for seen, _line in enumerate(proc.stdout, 1):
            if seen >= kill_after:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
        proc.wait()
        proc.stdout.close()
        assert_feed_references_complete_objects(s3, bucket)
        mid_publish += _get(s3, bucket, "_kotocast/lock.json") is not None

    final = _run(s3_server, bucket, folder)
    _out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 4 and mid_publish >= 3, (kills, mid_publish)
    assert _get(s3, bucket, "_kotocast/lock.json") is None
    assert assert_feed_references_complete_objects(s3, bucket) == 8
    feed = _get(s3, bucket, "feed.xml") or b""
    assert b"<title>v8</title>" in feed
    manifest = json.loads(_get(s3, bucket, MANIFEST_KEY) or b"{}")
    assert len(manifest) == 9
