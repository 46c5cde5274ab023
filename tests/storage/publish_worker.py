"""Publish every ``*.mp3`` in a folder plus a feed listing them; run as a subprocess to be killed.

Usage: python -m tests.storage.publish_worker ENDPOINT BUCKET FOLDER
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.storage import S3Storage
from pipeline.sync import publish_objects

from .conftest import feed_object, media_file, render_test_feed


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
            storage, media, [feed_object(render_test_feed(media, title=f"v{len(media)}"))]
        )
    finally:
        storage.close()
    print(f"uploaded {len(report.uploaded)}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
