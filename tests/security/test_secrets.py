"""Secrets never printed: ``-vv`` and ``--debug-http`` output of a real ``kotocast publish``
against the S3 test server with a session token, and error lines with an endpoint password."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.logs import redact
from tests.storage.conftest import ACCESS_KEY, SECRET_KEY

KOTOCAST = Path(sys.executable).with_name("kotocast")
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDKotocastSessionToken+abc/def=="


def _run(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KOTOCAST), *args],
        cwd=workspace,
        env={**os.environ, "CI": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def workspace(tmp_path: Path, bucket: str) -> Path:
    from tests.mediagen import make_cover

    cover = make_cover(tmp_path / "cover.jpg", 1400)
    run = _run(
        tmp_path,
        "init",
        "show",
        "--title",
        "Kotona",
        "--author",
        "Hanke",
        "--email",
        "podcast@example.org",
        "--language",
        "fi",
        "--image",
        str(cover),
        "--base-url",
        "https://media.example.org/kotona/",
        "--storage",
        f"s3://{bucket}/kotona",
    )
    assert run.returncode == 0, run.stderr
    return tmp_path / "show"


def _assert_clean(text: str) -> None:
    assert ACCESS_KEY not in text
    assert SECRET_KEY not in text
    assert TOKEN not in text and TOKEN[:20] not in text
    assert not re.search(r"Signature=[0-9a-f]{8}", text)
    assert not re.search(r"Signature:\s*[0-9a-f]{64}", text)


def test_debug_http_output_of_a_real_publish_holds_no_token_key_or_signature(
    workspace: Path, s3_server: str
) -> None:
    run = _run(
        workspace,
        "-vv",
        "--debug-http",
        "publish",
        "--allow-empty",  # the workspace has no episode: the empty feed is what is published
        AWS_ENDPOINT_URL_S3=s3_server,
        AWS_SESSION_TOKEN=TOKEN,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout + run.stderr
    # The debug output really is there (headers, canonical request, signature), only masked.
    assert "DEBUG botocore" in out and "x-amz-security-token" in out.lower()
    assert "X-Amz-Security-Token': b'***'" in out or "x-amz-security-token:***" in out
    _assert_clean(out)


def test_vv_alone_leaves_botocore_quiet(workspace: Path, s3_server: str) -> None:
    run = _run(
        workspace,
        "-vv",
        "publish",
        "--allow-empty",
        AWS_ENDPOINT_URL_S3=s3_server,
        AWS_SESSION_TOKEN=TOKEN,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "botocore" not in run.stderr and "urllib3" not in run.stderr
    _assert_clean(run.stdout + run.stderr)


def test_endpoint_password_is_never_printed(workspace: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = workspace / "kotocast.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "[storage]\n", f'[storage]\nendpoint_url = "http://alice:hunter2@127.0.0.1:{closed}"\n'
        ),
        encoding="utf-8",
    )
    for args in (("publish", "--allow-empty"), ("-vv", "--debug-http", "publish", "--allow-empty")):
        run = _run(workspace, *args)
        assert run.returncode == 4, run.stderr[-2000:]
        assert "hunter2" not in run.stdout + run.stderr
        assert "cannot reach endpoint http://127.0.0.1:" in run.stderr


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Authorization: AWS4-HMAC-SHA256 Credential=ASIAKOTOCASTTEST0001/2026/us", "ASIA"),
        ("?X-Amz-Signature=0a1b2c3d4e5f&X-Amz-Credential=AKIAKOTOCASTTEST0001", "0a1b2c"),
        ("endpoint https://user:pa55word@s3.example.org/", "pa55word"),
        ('{"aws_secret_access_key": "kotoSECRET/ZZ9plural"}', "kotoSECRET"),
    ],
)
def test_redact(text: str, leak: str) -> None:
    assert leak not in redact(text) and "***" in redact(text)
