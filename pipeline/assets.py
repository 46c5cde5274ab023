"""Content-addressed files in the workspace, and the staging area that makes ``add`` atomic.

A processed file is named ``<folder>/<slug>-<first 12 hex of sha256>.<ext>``, and that name is
also its object key. A changed file therefore always gets a new key: a published object is
never overwritten in place, and a CDN may cache media forever.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from episodes.model import Asset

from .staging import claim_staging

STAGING_DIR = ".kotocast/staging"
HASH_CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class Staging:
    """Files made during one command, moved into the workspace only when all succeeded.

    ``commit`` moves every staged file to its content-addressed name; if anything later fails,
    ``rollback`` removes exactly the files this staging moved in (never one that was already
    there), so a failed ``add`` leaves the workspace as it was.
    """

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        root = workspace / STAGING_DIR
        root.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="add-", dir=root))
        # Claimed while this process lives: the next command sweeps a killed run's folder
        # at once instead of waiting for it to look stale (pipeline/staging.py).
        self._claim = claim_staging(self.dir)
        self._moved: list[Path] = []

    def path(self, name: str) -> Path:
        """Return a path inside the staging folder for a file being made."""
        return self.dir / name

    def adopt(
        self,
        staged: Path,
        *,
        folder: str,
        stem: str,
        extension: str,
        mime_type: str,
        duration_s: float | None = None,
        bitrate_kbps: int | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> Asset:
        """Move a finished staged file to ``folder/stem-<hash>.extension`` and describe it."""
        digest = sha256_file(staged)
        name = f"{folder}/{stem}-{digest[:12]}.{extension.lstrip('.')}"
        target = self.workspace / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # Same content already in the workspace (e.g. shared artwork): keep the old file.
            staged.unlink()
        else:
            os.replace(staged, target)
            self._moved.append(target)
        return Asset(
            path=name,
            key=name,
            size_bytes=target.stat().st_size,
            sha256=digest,
            mime_type=mime_type,
            duration_s=duration_s,
            bitrate_kbps=bitrate_kbps,
            width=width,
            height=height,
        )

    def rollback(self) -> None:
        """Remove the files this staging moved into the workspace."""
        for path in self._moved:
            path.unlink(missing_ok=True)
        self._moved.clear()

    def cleanup(self) -> None:
        """Remove the staging folder and whatever is left in it."""
        shutil.rmtree(self.dir, ignore_errors=True)
        self._claim.release()


@contextmanager
def staging(workspace: Path) -> Iterator[Staging]:
    """Yield a :class:`Staging`; roll it back if the block raises, clean up always."""
    stage = Staging(workspace)
    try:
        yield stage
    except BaseException:
        stage.rollback()
        raise
    finally:
        stage.cleanup()
