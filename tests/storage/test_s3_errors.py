"""Unreachable storage is one clear line; the secret key never leaks anywhere."""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import StorageError, StorageUnreachable
from pipeline.s3 import S3Storage
from pipeline.storage import open_storage
from pipeline.sync import publish_objects

from .conftest import SECRET_KEY, feed_object, media_set, render_test_feed
from .faultproxy import FaultProxy, Faults

pytestmark = pytest.mark.s3


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_missing_bucket_names_bucket_and_endpoint(s3_server: str) -> None:
    storage = open_storage(
        "s3://no-such-bucket-kc/show", workspace=Path("."), endpoint_url=s3_server
    )
    with pytest.raises(StorageUnreachable) as caught:
        publish_objects(storage, media_set(1, 10), [])
    message = str(caught.value)
    assert "no-such-bucket-kc" in message and s3_server in message
    assert "\n" not in message


def test_unreachable_endpoint_fails_fast(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    storage = open_storage("s3://bucket/show", workspace=tmp_path, endpoint_url=endpoint)
    started = time.monotonic()
    with pytest.raises(StorageUnreachable, match="cannot reach endpoint") as caught:
        publish_objects(storage, media_set(1, 10), [])
    assert endpoint in str(caught.value) and "s3://bucket/show" in str(caught.value)
    assert time.monotonic() - started < 30


def test_no_credentials(s3_server: str, monkeypatch: pytest.MonkeyPatch, bucket: str) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    storage = S3Storage(bucket, endpoint_url=s3_server)
    with pytest.raises(StorageUnreachable, match="no AWS credentials"):
        storage.get("feed.xml")


def test_endpoint_from_standard_environment(
    s3_server: str, monkeypatch: pytest.MonkeyPatch, bucket: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    storage = open_storage(f"s3://{bucket}/p", workspace=Path("."))
    assert storage.description == f"s3://{bucket}/p (endpoint {s3_server})"
    assert storage.get("nothing") is None


def test_description_drops_userinfo(bucket: str) -> None:
    storage = S3Storage(bucket, endpoint_url="http://user:pw@127.0.0.1:1")
    assert "pw" not in storage.description and "user" not in storage.description


def test_secret_never_in_logs_errors_output_or_files(
    proxy: FaultProxy,
    bucket: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    # The CLI's log setup (run in-process by other tests) leaves these at WARNING.
    for name in ("botocore", "boto3", "s3transfer", "urllib3", "pipeline"):
        caplog.set_level(logging.DEBUG, logger=name)
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == SECRET_KEY
    seen: list[str] = []
    media = media_set(6, 10_000)
    proxy.reset(Faults(error_rate=0.2, reset_rate=0.1, seed=3))
    storage = S3Storage(bucket, "show", endpoint_url=proxy.url)
    publish_objects(storage, media, [feed_object(render_test_feed(media))])
    # And a failure past the retry budget, whose message and chain we inspect.
    failing = S3Storage(bucket, "show", endpoint_url=proxy.url, max_attempts=1, object_attempts=1)
    proxy.reset(Faults(error_rate=1.0, only_methods=frozenset({"PUT"}), only_path="/media/"))
    with pytest.raises(StorageError) as caught:
        publish_objects(failing, media_set(2, 100, tag="z"), [])
    proxy.reset()
    error: BaseException | None = caught.value
    while error is not None:
        seen.append(repr(error) + str(error))
        error = error.__cause__ or error.__context__
    seen.append(storage.description)
    out, err = capfd.readouterr()
    seen += [out, err, caplog.text]
    seen += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert caplog.text, "DEBUG logging was captured"
    for text in seen:
        assert SECRET_KEY not in text
        assert SECRET_KEY[:12] not in text
    storage.close()
    failing.close()


def test_progress_reports_every_byte(storage: Any) -> None:
    media = media_set(4, 3 * 1024 * 1024)
    events: list[tuple[str, int, int]] = []
    publish_objects(storage, media, [], progress=lambda k, d, t: events.append((k, d, t)))
    total = sum(m.size_bytes for m in media)
    assert {t for _, _, t in events} == {total}
    assert sum(d for _, d, _ in events) == total
