"""The attack of issue 11 through the real commands: ``kotocast add`` an episode, then swap
its media for a symlink to a file outside the workspace (same bytes, so the catalog's size and
sha256 still match) or for other bytes of the same size; ``kotocast publish`` must refuse both,
to a local folder and to the S3 test server, and publish nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KOTOCAST = Path(sys.executable).with_name("kotocast")
NOW = "2026-01-10T12:00:00+00:00"

pytestmark = pytest.mark.slow


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KOTOCAST), *args],
        cwd=cwd,
        env={**os.environ, "CI": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with one added episode (made once; tests copy it)."""
    from tests.mediagen import make_cover, make_speech

    base = tmp_path_factory.mktemp("leak")
    make_speech(base / "talk.wav", 3, -20.0)
    make_cover(base / "cover.jpg", 1400)
    run = _run(
        base,
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
        str(base / "cover.jpg"),
        "--base-url",
        "https://media.example.org/kotona/",
    )
    assert run.returncode == 0, run.stderr
    run = _run(
        base / "show",
        "add",
        str(base / "talk.wav"),
        "--title",
        "Jakso 1",
        "--publish-at",
        "2026-01-01T10:00:00+02:00",
    )
    assert run.returncode == 0, run.stderr
    return base / "show"


def _workspace(template: Path, tmp_path: Path, storage: str | None = None) -> tuple[Path, Path]:
    ws = tmp_path / "show"
    shutil.copytree(template, ws, symlinks=True)
    if storage:
        config = ws / "kotocast.toml"
        text = config.read_text(encoding="utf-8")
        assert 'url = "public"' in text
        config.write_text(text.replace('url = "public"', f'url = "{storage}"'), encoding="utf-8")
    (media,) = sorted((ws / "media").glob("*.mp3"))
    return ws, media


def _symlink_out(media: Path, tmp_path: Path) -> None:
    outside = tmp_path / "credentials-shaped.mp3"
    outside.write_bytes(media.read_bytes())  # same bytes: size and sha256 still match
    media.unlink()
    os.symlink(outside, media)


def _tamper(media: Path) -> None:
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    media.write_bytes(bytes(data))


@pytest.mark.parametrize("attack", [_symlink_out, _tamper])
def test_publish_to_a_folder_refuses_and_publishes_nothing(
    template: Path, tmp_path: Path, attack: object
) -> None:
    ws, media = _workspace(template, tmp_path)
    if attack is _symlink_out:
        _symlink_out(media, tmp_path)
        why = "is a symlink"
    else:
        _tamper(media)
        why = "sha256 is not the catalog's"
    run = _run(ws, "publish", "--now", NOW)
    assert run.returncode == 1, run.stdout + run.stderr
    assert why in run.stderr and media.name in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    public = ws / "public"
    assert not (public / "feed.xml").exists()
    assert not list(public.rglob("*.mp3"))


@pytest.mark.s3
@pytest.mark.parametrize("attack", [_symlink_out, _tamper])
def test_publish_to_s3_refuses_and_publishes_nothing(
    template: Path, tmp_path: Path, s3_server: str, s3: object, bucket: str, attack: object
) -> None:
    ws, media = _workspace(template, tmp_path, f"s3://{bucket}/kotona")
    if attack is _symlink_out:
        _symlink_out(media, tmp_path)
    else:
        _tamper(media)
    run = _run(ws, "publish", "--now", NOW, AWS_ENDPOINT_URL_S3=s3_server)
    assert run.returncode == 1, run.stdout + run.stderr
    assert media.name in run.stderr
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])  # type: ignore[attr-defined]
    keys = {o["Key"] for o in listed}
    assert not any(k.endswith(".mp3") for k in keys) and "kotona/feed.xml" not in keys
