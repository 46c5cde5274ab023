"""The publish lock: one publisher at a time per storage prefix, with a renewed lease.

``_kotocast/lock.json`` is created with a conditional write (``If-None-Match: *``) and holds
who took it and until when; the holder renews the lease while it works and deletes the lock
with ``If-Match`` its own ETag. A second publisher waits, then breaks a lock whose lease has
run out (or whose holder on this host is gone) with a conditional write, or gives up with
:class:`~pipeline.errors.PublishLocked` (exit 5).
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import Any

from pipeline.errors import PreconditionFailed, PublishLocked, StorageError
from pipeline.objects import FetchedObject, Storage

log = logging.getLogger(__name__)

LOCK_KEY = "_kotocast/lock.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PublishLock:
    """A lock object with a lease, renewed in the background while the publish runs.

    Taken with a conditional create (``If-None-Match: *``). A holder whose lease has run out,
    or whose process is gone on this same host, may be replaced with a conditional overwrite
    (``If-Match`` on the stale lock's ETag), so exactly one contender wins. Lease expiry is
    judged by the contender's clock: keep hosts' clocks in sync (NTP) or the lease long.
    """

    def __init__(self, storage: Storage, *, lease_s: float = 60, timeout_s: float = 60) -> None:
        self.storage = storage
        self.lease_s = lease_s
        self.timeout_s = timeout_s
        self.token = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.etag: str | None = None
        self.lost = False
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        info = {
            "expires_at": round(time.time() + self.lease_s, 3),
            "host": self.host,
            "owner": self.token,
            "pid": os.getpid(),
        }
        return (json.dumps(info, sort_keys=True) + "\n").encode()

    def _write(self, *, if_match: str | None) -> str:
        body = self._body()
        try:
            return self.storage.put_if(
                LOCK_KEY,
                body,
                content_type="application/json",
                cache_control="no-store",
                if_match=if_match,
                if_none_match=if_match is None,
            )
        except PreconditionFailed:
            # The write may have succeeded and only its response been lost: look.
            current = self.storage.fetch(LOCK_KEY)
            if current is not None and self._owns(current):
                return current.etag
            raise

    def _owns(self, fetched: FetchedObject) -> bool:
        return self._holder(fetched).get("owner") == self.token

    @staticmethod
    def _holder(fetched: FetchedObject) -> dict[str, Any]:
        try:
            info = json.loads(fetched.body)
            return info if isinstance(info, dict) else {}
        except ValueError:
            return {}

    def _is_stale(self, holder: dict[str, Any]) -> bool:
        expires_at = holder.get("expires_at")
        if not isinstance(expires_at, int | float) or expires_at < time.time():
            return True
        pid = holder.get("pid")
        return holder.get("host") == self.host and isinstance(pid, int) and not _pid_alive(pid)

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout_s`` for another publish to finish.

        Raises:
            PublishLocked: another live publish still holds it after ``timeout_s``.
        """
        deadline = time.monotonic() + self.timeout_s
        delay = 0.2
        while True:
            try:
                self.etag = self._write(if_match=None)
                break
            except PreconditionFailed:
                pass
            current = self.storage.fetch(LOCK_KEY)
            if current is None:
                continue  # released meanwhile: try again at once
            holder = self._holder(current)
            if self._is_stale(holder):
                log.warning(
                    "%s: breaking stale publish lock of %s pid %s",
                    self.storage.description,
                    holder.get("host"),
                    holder.get("pid"),
                )
                try:
                    self.etag = self._write(if_match=current.etag)
                    break
                except PreconditionFailed:
                    continue  # someone else broke it first, or it was renewed
            if time.monotonic() >= deadline:
                until = holder.get("expires_at")
                until_text = (
                    time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until))
                    if isinstance(until, int | float)
                    else "unknown"
                )
                raise PublishLocked(
                    f"{self.storage.description}: another publish (host {holder.get('host')}, "
                    f"pid {holder.get('pid')}) holds the lock; waited {self.timeout_s:g} s. "
                    f"Try again later; its lease runs out at {until_text} if it died."
                )
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
        self._renewer = threading.Thread(target=self._renew_loop, name="kotocast-lock", daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            with self._guard:
                try:
                    self.etag = self._write(if_match=self.etag)
                except PreconditionFailed:
                    log.error("%s: publish lock was taken over", self.storage.description)
                    self.lost = True
                    return
                except StorageError as e:
                    # Keep trying: the lease still has two thirds to run.
                    log.warning("%s: could not renew publish lock: %s", self.storage.description, e)

    def check(self) -> None:
        """Raise PublishLocked if the lock was lost (the lease ran out and was taken over)."""
        if self.lost:
            raise PublishLocked(
                f"{self.storage.description}: this publish lost its lock to another one "
                "(it stalled past the lease); nothing more was written, run it again"
            )

    def release(self) -> None:
        """Stop renewing and delete the lock if it is still ours."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if self.lost or self.etag is None:
            return
        try:
            self.storage.delete(LOCK_KEY, if_match=self.etag)
        except PreconditionFailed:
            log.warning("%s: publish lock changed hands before release", self.storage.description)
        except StorageError as e:
            # Not fatal: the lease runs out and the next publish breaks it.
            log.warning("%s: could not release publish lock: %s", self.storage.description, e)

    def __enter__(self) -> PublishLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
