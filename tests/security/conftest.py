"""Fixtures: the real S3 test server (moto_server subprocess) from tests/storage."""

from __future__ import annotations

from tests.storage.conftest import aws_env, bucket, proxy, s3, s3_server, storage

__all__ = ["aws_env", "bucket", "proxy", "s3", "s3_server", "storage"]
