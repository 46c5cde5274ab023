"""Fixtures: a real S3-compatible server process (moto_server) on 127.0.0.1, the fault proxy
in front of it, fresh buckets, and publish plans made of synthetic objects."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.s3 import S3Storage
from pipeline.sync import DOCUMENT_CACHE_CONTROL, MEDIA_CACHE_CONTROL, PublishObject

from .faultproxy import FaultProxy

# Fake, but shaped like a real secret so a leak test means something.
ACCESS_KEY = "AKIAKOTOCASTTEST0001"
SECRET_KEY = "kotoSECRET/ZZ9plural+Zalpha0123456789xyzw"
PUBLIC_BASE = "https://cdn.example.test/show"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session", autouse=True)
def aws_env() -> Iterator[None]:
    """Fake credentials through the standard chain (environment); no profile, no IMDS."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    yield
    os.environ.clear()
    os.environ.update(saved)


def _moto_server_command() -> list[str]:
    exe = Path(sys.executable).with_name("moto_server")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("moto_server")
    if found:
        return [found]
    return [sys.executable, "-m", "moto.server"]


@pytest.fixture(scope="session")
def s3_server(aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start moto's standalone S3 server as a subprocess; yield its endpoint URL."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    proc = subprocess.Popen(
        [*_moto_server_command(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def proxy(s3_server: str) -> Iterator[FaultProxy]:
    port = int(s3_server.rsplit(":", 1)[1])
    p = FaultProxy("127.0.0.1", port).start()
    yield p
    p.stop()


@pytest.fixture()
def s3(s3_server: str) -> object:
    """A boto3 client straight to the server (no proxy), for setting up and checking."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")


@pytest.fixture()
def bucket(s3: object) -> str:
    name = f"kc-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


@pytest.fixture()
def storage(proxy: FaultProxy, bucket: str) -> Iterator[S3Storage]:
    """S3 storage under a prefix, through the (fault-free) proxy."""
    proxy.reset()
    st = S3Storage(
        bucket,
        "show",
        endpoint_url=proxy.url,
        multipart_threshold_bytes=5 * 1024 * 1024,
        multipart_chunksize_bytes=5 * 1024 * 1024,
    )
    yield st
    st.close()
    proxy.reset()


def media_object(key: str, data: bytes) -> PublishObject:
    return PublishObject(
        key=key,
        source=data,
        content_type="audio/mpeg",
        cache_control=MEDIA_CACHE_CONTROL,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        immutable=True,
        content_disposition=f'attachment; filename="{key.rsplit("/", 1)[-1]}"',
    )


def media_file(path: Path, key: str) -> PublishObject:
    data = path.read_bytes()
    return PublishObject(
        key=key,
        source=path,
        content_type="audio/mpeg",
        cache_control=MEDIA_CACHE_CONTROL,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        immutable=True,
    )


def render_test_feed(media: list[PublishObject], title: str = "Show") -> bytes:
    items = "".join(
        f'<item><title>{m.key}</title><guid isPermaLink="false">{m.key}</guid>'
        f'<enclosure url="{PUBLIC_BASE}/{m.key}" length="{m.size_bytes}" type="audio/mpeg"/>'
        "</item>"
        for m in media
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title>{items}</channel></rss>\n"
    ).encode()


def feed_object(body: bytes, key: str = "feed.xml") -> PublishObject:
    return PublishObject(
        key=key,
        source=body,
        content_type="application/rss+xml",
        cache_control=DOCUMENT_CACHE_CONTROL,
        sha256=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        immutable=False,
    )


def media_set(count: int, size_bytes: int, *, tag: str = "a", seed: int = 0) -> list[PublishObject]:
    """``count`` distinct media objects whose keys carry their content hash, as the lead's do."""
    objects = []
    for i in range(count):
        data = hashlib.sha256(f"{tag}-{seed}-{i}".encode()).digest() * (size_bytes // 32 + 1)
        data = data[:size_bytes]
        digest = hashlib.sha256(data).hexdigest()[:12]
        objects.append(media_object(f"media/{tag}{i:04d}-{digest}.mp3", data))
    return objects
