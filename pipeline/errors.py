"""Errors raised by the pipeline package (storage, publishing, orchestration)."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class StorageError(PipelineError):
    """Object storage failed; the message names the bucket/folder and the key."""


class StorageUnreachable(StorageError):
    """The endpoint cannot be reached, the bucket is missing, or credentials are refused."""


class StorageRefused(StorageUnreachable):
    """Storage refuses for good until settings change: the bucket does not exist, credentials
    are missing or refused, access is denied, the bucket is in another region. A retry
    cannot fix it (exit 1, not the "retry later" exit 4)."""


class UploadFailed(StorageError):
    """An object could not be uploaded within the retry budget."""


class ObjectConflict(StorageError):
    """An immutable key already holds different bytes, or a conditional write lost a race."""


class PreconditionFailed(ObjectConflict):
    """A conditional write (``If-Match`` / ``If-None-Match``) found another version in place.

    Raised by the storage primitives; the publisher decides whether the stored version is its
    own (a retried write whose first response was lost) or a real conflict.
    """


class KeyInvalid(StorageError):
    """An object key is unsafe or unportable (absolute, ``..``, non-ASCII, hidden segment...)."""


class PublishLocked(StorageError):
    """Another publish holds the lock on this storage."""
