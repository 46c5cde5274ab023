"""Exit codes follow outcomes: can a retry fix it? A missing bucket cannot (exit 1, not 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import EXIT_INPUT, EXIT_LOCKED, EXIT_REFUSED, EXIT_STORAGE, storage_exit_code
from pipeline.errors import (
    ObjectConflict,
    PreconditionFailed,
    PublishLocked,
    StorageRefused,
    StorageUnreachable,
    UploadFailed,
)

from .test_cli_publish import _add, _init, _kotocast, sources  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (StorageUnreachable("s3://b: cannot reach endpoint"), EXIT_STORAGE),
        (UploadFailed("s3://b: k: upload failed: 503"), EXIT_STORAGE),
        (PreconditionFailed("s3://b: manifest changed meanwhile"), EXIT_STORAGE),
        (StorageRefused("s3://b: bucket 'b' does not exist"), EXIT_INPUT),
        (ObjectConflict("s3://b: media/x.mp3 holds other bytes"), EXIT_REFUSED),
        (PublishLocked("s3://b: locked by host"), EXIT_LOCKED),
    ],
)
def test_storage_exit_codes_by_outcome(error: Exception, code: int) -> None:
    assert storage_exit_code(error) == code  # type: ignore[arg-type]


@pytest.mark.s3
@pytest.mark.slow
def test_publish_to_a_missing_bucket_exits_1_with_one_line(
    tmp_path: Path,
    s3_server: str,
    sources: Path,  # noqa: F811 (the fixture imported above)
) -> None:
    workspace = _init(tmp_path, sources, "no-such-bucket-kc", s3_server)
    _add(workspace, s3_server, sources / "talk0.wav", "Jakso")
    proc = _kotocast(workspace, s3_server, "publish")
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_INPUT, err
    assert err.count("\n") == 1 and "no-such-bucket-kc" in err and "does not exist" in err
