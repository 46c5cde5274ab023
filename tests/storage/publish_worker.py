"""Publish every ``*.mp3`` in a folder plus a feed listing them; run as a subprocess to be killed.

Usage: python -m tests.storage.publish_worker ENDPOINT BUCKET FOLDER

Every storage call and every chunk of upload progress is announced on stdout (one line, flushed)
*before* it happens, so the killing test can pick a moment by event count, not by wall time:
a kill then lands inside a publish however fast or slow the machine is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pipeline.s3 import S3Storage
from pipeline.sync import publish_objects

from .conftest import feed_object, media_file, render_test_feed

ANNOUNCED = frozenset({"get", "fetch", "head", "put", "put_if", "delete", "list"})


class Announcing:
    """Delegate to a storage, printing ``<operation> <key>`` before each call."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in ANNOUNCED or not callable(attr):
            return attr

        def announced(*args: Any, **kwargs: Any) -> Any:
            print(f"{name} {args[0] if args else ''}", flush=True)
            return attr(*args, **kwargs)

        return announced


def announce_progress(key: str, delta: int, total: int) -> None:
    print(f"bytes {key} {delta}", flush=True)


def main(endpoint: str, bucket: str, folder: str) -> None:
    files = sorted(Path(folder).glob("*.mp3"))
    media = [media_file(path, f"media/{path.name}") for path in files]
    storage = S3Storage(
        bucket,
        "show",
        endpoint_url=endpoint,
        multipart_threshold_bytes=5 * 1024 * 1024,
        multipart_chunksize_bytes=5 * 1024 * 1024,
    )
    try:
        report = publish_objects(
            Announcing(storage),  # type: ignore[arg-type]
            media,
            [feed_object(render_test_feed(media, title=f"v{len(media)}"))],
            progress=announce_progress,
        )
    finally:
        storage.close()
    print(f"uploaded {len(report.uploaded)}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
