"""S3 and S3-compatible object storage through boto3 (:class:`S3Storage`).

Credentials come only from boto3's standard chain (environment, profile, instance role);
nothing here reads, logs or stores them, and ``description`` never contains them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pipeline.confine import CatalogFile
from pipeline.errors import (
    PreconditionFailed,
    StorageError,
    StorageRefused,
    StorageUnreachable,
    UploadFailed,
)
from pipeline.objects import (
    FetchedObject,
    ProgressCallback,
    StoredObject,
    validate_key,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# S3

_UNREACHABLE_CODES = {
    "NoSuchBucket": "bucket does not exist",
    "InvalidAccessKeyId": "credentials refused (unknown access key)",
    "SignatureDoesNotMatch": "credentials refused (signature does not match)",
    "InvalidToken": "credentials refused (invalid session token)",
    "ExpiredToken": "credentials refused (session token expired)",
    "AccessDenied": "access denied",
    "AllAccessDisabled": "access denied",
    "403": "access denied",
    "PermanentRedirect": "bucket is in another region (set AWS_REGION / the profile's region)",
    "301": "bucket is in another region (set AWS_REGION / the profile's region)",
}
_PRECONDITION_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
# Errors worth a whole-object retry after botocore's own per-request retries gave up.
_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "500",
    "502",
    "503",
    "504",
    "BadDigest",
    "IncompleteBody",
    "XAmzContentSHA256Mismatch",
    "InvalidPart",
    "NoSuchUpload",
}


def _redact_url(url: str | None) -> str:
    """Return ``url`` without any user:password part."""
    if not url:
        return "AWS default endpoint"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class S3Storage:
    """Objects in an S3 (or S3-compatible) bucket under a key prefix, through boto3.

    Reads use a client that fails fast (4 attempts) so a wrong endpoint is reported in seconds;
    writes use one with ``max_attempts`` (standard retry mode, exponential backoff with jitter)
    and, around each whole object, up to ``object_attempts`` more tries: with boto3's defaults
    (3 attempts) uploads are lost at 20 % of requests answered 503.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 10,
        object_attempts: int = 3,
        max_concurrency: int = 10,
        multipart_threshold_bytes: int = 16 * 1024 * 1024,
        multipart_chunksize_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            validate_key(self.prefix)
        self.object_attempts = max(1, object_attempts)
        session = boto3.session.Session()

        def client(attempts: int, addressing: str) -> Any:
            config = Config(
                retries={"mode": "standard", "max_attempts": attempts},
                connect_timeout=5,
                read_timeout=60,
                max_pool_connections=max_concurrency + 8,
                s3={"addressing_style": addressing},
                user_agent_extra="kotocast",
            )
            return session.client("s3", endpoint_url=endpoint_url, config=config)

        probe = client(max_attempts, "auto")
        endpoint = probe.meta.endpoint_url
        # S3-compatible services (MinIO, moto, Ceph, most hosted ones) need path-style
        # addressing; AWS itself prefers virtual-hosted.
        addressing = "auto" if ".amazonaws.com" in (endpoint or "") else "path"
        self._client = probe if addressing == "auto" else client(max_attempts, addressing)
        self._read_client = client(min(4, max_attempts), addressing)
        self.endpoint = _redact_url(endpoint)
        where = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.description = f"{where} (endpoint {self.endpoint})"
        self._max_concurrency = max_concurrency
        self._multipart_threshold = multipart_threshold_bytes
        self._multipart_chunksize = multipart_chunksize_bytes
        self._transfer: Any = None
        self._transfer_lock = threading.Lock()

    # -- helpers

    def _full(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, exc: BaseException, key: str | None, action: str) -> StorageError:
        """Map a boto3 exception to one of ours: one line naming bucket, endpoint and key."""
        from botocore import exceptions as bx

        where = self.description + (f": {key}" if key else "")
        if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
            return StorageRefused(
                f"{where}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "AWS_PROFILE, or use an instance role)"
            )
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
            return StorageUnreachable(f"{where}: cannot reach endpoint {self.endpoint}")
        if isinstance(exc, bx.ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _UNREACHABLE_CODES or (status == "403" and not code):
                reason = _UNREACHABLE_CODES.get(code, "access denied")
                if code == "NoSuchBucket":
                    reason = f"bucket {self.bucket!r} does not exist"
                return StorageRefused(f"{where}: {reason}")
            cls = UploadFailed if action in {"upload", "write"} else StorageError
            return cls(
                f"{where}: {action} failed: {code or status} {err.get('Message', '')}".rstrip()
            )
        if isinstance(exc, bx.BotoCoreError):
            cls = UploadFailed if action in {"upload", "write"} else StorageError
            return cls(f"{where}: {action} failed: {type(exc).__name__}: {exc}")
        raise exc

    @staticmethod
    def _code(exc: BaseException) -> str:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            return code or status
        return ""

    def _is_transient(self, exc: BaseException) -> bool:
        from botocore import exceptions as bx

        if isinstance(exc, bx.ClientError):
            return self._code(exc) in _TRANSIENT_CODES
        if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
            return False
        # Connection resets, read timeouts, incomplete reads: all BotoCoreError subclasses.
        return isinstance(exc, bx.BotoCoreError | ConnectionError)

    def _retrying(self, action: str, key: str, call: Callable[[], Any]) -> Any:
        """Run ``call``, retrying the whole operation on transient errors."""
        from botocore.exceptions import BotoCoreError, ClientError

        for attempt in range(1, self.object_attempts + 1):
            try:
                return call()
            except (BotoCoreError, ClientError, ConnectionError) as e:
                if attempt == self.object_attempts or not self._is_transient(e):
                    raise self._error(e, key, action) from None
                delay = min(8.0, 0.5 * 2**attempt)
                log.info("%s: %s: %s, retrying whole object in %.1fs", action, key, e, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    # -- reads

    def get(self, key: str) -> bytes | None:
        fetched = self.fetch(key)
        return None if fetched is None else fetched.body

    def fetch(self, key: str) -> FetchedObject | None:
        return self._read_or_none(
            key,
            self._read_client.get_object,
            lambda resp: FetchedObject(key, resp["Body"].read(), resp["ETag"]),
        )

    def head(self, key: str) -> StoredObject | None:
        return self._read_or_none(
            key,
            self._read_client.head_object,
            lambda resp: StoredObject(
                key,
                resp["ContentLength"],
                resp.get("ETag"),
                resp.get("Metadata", {}).get("sha256"),
            ),
        )

    def _read_or_none(
        self, key: str, method: Callable[..., Any], convert: Callable[[Any], _T]
    ) -> _T | None:
        """Call a read ``method`` on ``key`` with retries; ``None`` when the object is absent."""
        full = self._full(key)

        def call() -> _T | None:
            from botocore.exceptions import ClientError

            try:
                resp = method(Bucket=self.bucket, Key=full)
            except ClientError as e:
                if self._code(e) in _MISSING_CODES:
                    return None
                raise
            return convert(resp)

        return self._retrying("read", key, call)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": full_prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._retrying("list", prefix or "/", partial(self._list_page, kwargs))
            for item in page.get("Contents", []):
                yield StoredObject(item["Key"][strip:], item["Size"], item.get("ETag"))
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def _list_page(self, kwargs: dict[str, Any]) -> Any:
        return self._read_client.list_objects_v2(**kwargs)

    def hash_sha256(self, key: str) -> str | None:
        full = self._full(key)

        def call() -> str | None:
            from botocore.exceptions import ClientError

            try:
                resp = self._read_client.get_object(Bucket=self.bucket, Key=full)
            except ClientError as e:
                if self._code(e) in _MISSING_CODES:
                    return None
                raise
            digest = hashlib.sha256()
            for chunk in resp["Body"].iter_chunks(1 << 20):
                digest.update(chunk)
            return digest.hexdigest()

        return self._retrying("read", key, call)

    # -- writes

    def _transfer_manager(self) -> Any:
        with self._transfer_lock:
            if self._transfer is None:
                from s3transfer.manager import TransferConfig, TransferManager

                config = TransferConfig(
                    multipart_threshold=self._multipart_threshold,
                    multipart_chunksize=self._multipart_chunksize,
                    max_request_concurrency=self._max_concurrency,
                )
                self._transfer = TransferManager(self._client, config)
            return self._transfer

    def put(
        self,
        key: str,
        source: Path | bytes | CatalogFile,
        *,
        content_type: str,
        cache_control: str,
        content_disposition: str | None = None,
        sha256: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        from s3transfer.subscribers import BaseSubscriber

        full = self._full(key)
        extra: dict[str, Any] = {"ContentType": content_type, "CacheControl": cache_control}
        if content_disposition:
            extra["ContentDisposition"] = content_disposition
        if sha256:
            extra["Metadata"] = {"sha256": sha256}

        class _Progress(BaseSubscriber):  # type: ignore[misc]
            def __init__(self) -> None:
                self.sent = 0

            def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
                self.sent += bytes_transferred
                if progress is not None:
                    progress(bytes_transferred)

        def call() -> None:
            sub = _Progress()
            fileobj: Any
            if isinstance(source, bytes):
                fileobj = io.BytesIO(source)
            elif isinstance(source, Path):
                fileobj = str(source)
            else:
                # A catalog file: opened without following symlinks, hashed as it streams.
                fileobj = source.open("rb")
            try:
                future = self._transfer_manager().upload(
                    fileobj, self.bucket, full, extra_args=extra, subscribers=[sub]
                )
                future.result()
            except BaseException:
                # Retries re-send bytes: tell the progress bar to go back.
                if progress is not None and sub.sent:
                    progress(-sub.sent)
                raise
            finally:
                if not isinstance(fileobj, str):
                    fileobj.close()

        self._retrying("upload", key, call)

    def put_if(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        full = self._full(key)
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": full,
            "Body": body,
            "ContentType": content_type,
            "CacheControl": cache_control,
        }
        if if_match is not None:
            kwargs["IfMatch"] = if_match
        if if_none_match:
            kwargs["IfNoneMatch"] = "*"

        def call() -> str:
            from botocore.exceptions import ClientError

            try:
                return str(self._client.put_object(**kwargs)["ETag"])
            except ClientError as e:
                code = self._code(e)
                # If-Match on a missing object answers 404 NoSuchKey on some servers.
                if code in _PRECONDITION_CODES or (if_match is not None and code in _MISSING_CODES):
                    raise PreconditionFailed(
                        f"{self.description}: {key}: conditional write refused ({code})"
                    ) from None
                raise

        return self._retrying("write", key, call)

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        full = self._full(key)
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
        if if_match is not None:
            kwargs["IfMatch"] = if_match

        def call() -> None:
            from botocore.exceptions import ClientError

            try:
                self._client.delete_object(**kwargs)
            except ClientError as e:
                code = self._code(e)
                if code in _MISSING_CODES:
                    return
                if code in _PRECONDITION_CODES:
                    raise PreconditionFailed(
                        f"{self.description}: {key}: conditional delete refused ({code})"
                    ) from None
                raise

        self._retrying("write", key, call)

    def close(self) -> None:
        with self._transfer_lock:
            if self._transfer is not None:
                self._transfer.shutdown()
                self._transfer = None
