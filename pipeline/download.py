"""Downloads for ``kotocast import``: resumable, size-capped, deadline-bounded, policy-checked.

Every byte comes through :mod:`pipeline.fetch` (address policy, redirects, deadlines). A
download goes to ``<target>.part`` and is renamed only when complete; an interrupted one
resumes with ``Range`` (validated by ``ETag``/``Last-Modified``) a few times; a failure removes
the ``.part`` unless the limits ask to keep it for the next run.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .errors import PipelineError
from .fetch import (
    FetchError,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    FetchTooLarge,
    Response,
    open_url,
    private_network_allowed,
)

log = logging.getLogger(__name__)

USER_AGENT = "kotocast-import (+https://podcastindex.org/namespace/1.0)"
CHUNK_BYTES = 64 * 1024
Progress = Callable[[float], None]


class ImportFailed(PipelineError):
    """Base of the import's own errors."""


class SourceUnreadable(ImportFailed):
    """The feed file or URL cannot be read (missing, unreachable, HTTP error, too large)."""


class ShowMismatch(ImportFailed):
    """The workspace already holds another show (a different ``podcast:guid``)."""


class DownloadFailed(ImportFailed):
    """A download failed: HTTP error, timeout, too large, wrong type, truncated."""


@dataclass(frozen=True, slots=True)
class DownloadLimits:
    """How much the import fetches, how long it waits and where it may go (per download).

    ``timeout_s`` bounds each connect and each wait for bytes; the deadlines bound a whole
    object (all resume attempts included), so a server dripping a byte at a time cannot hold
    an item longer. ``allow_private_network`` defaults to ``KOTOCAST_ALLOW_PRIVATE_NETWORK``.
    """

    timeout_s: float = 30.0
    media_deadline_s: float = 3600.0
    side_deadline_s: float = 120.0  # the feed, artwork, chapters, transcripts
    max_feed_bytes: int = 50_000_000
    max_media_bytes: int = 2_000_000_000
    max_side_bytes: int = 20_000_000  # artwork, chapters, transcripts
    max_redirects: int = 5
    attempts: int = 3  # an interrupted download resumes with Range this many times
    keep_partial: bool = False  # keep a .part after failure (only if the server does ranges)
    allow_private_network: bool = field(default_factory=private_network_allowed)

    def policy(self, deadline_s: float) -> FetchPolicy:
        """Return the fetch policy for one object with ``deadline_s`` left."""
        return FetchPolicy(
            allow_private_network=self.allow_private_network,
            timeout_s=self.timeout_s,
            deadline_s=deadline_s,
            max_redirects=self.max_redirects,
            user_agent=USER_AGENT,
        )


@dataclass(frozen=True, slots=True)
class Downloaded:
    """A finished download."""

    path: Path
    size_bytes: int
    content_type: str
    resumed_from: int = 0


# --- downloads ---------------------------------------------------------------------------


def download(
    url: str,
    target: Path,
    *,
    max_bytes: int,
    limits: DownloadLimits,
    progress: Progress | None = None,
    deadline_s: float | None = None,
) -> Downloaded:
    """Download ``url`` to ``target`` through :mod:`pipeline.fetch`, resuming with ``Range``.

    A connection cut off mid-way is resumed (up to ``limits.attempts`` in this call) with
    ``Range: bytes=N-`` and ``If-Range`` (the ETag or Last-Modified seen first), so a changed
    file starts over instead of being spliced; a server that ignores the range answers 200
    and the file is fetched whole. The whole object, every attempt included, must arrive
    within ``deadline_s`` (default ``limits.media_deadline_s``). On failure the ``.part``
    file is removed, unless ``limits.keep_partial`` and the server announced byte ranges.

    Returns:
        The finished file, its size and the server's Content-Type.

    Raises:
        DownloadFailed: not http(s), a refused address or redirect, HTTP error (the status is
            named), deadline passed, larger than ``max_bytes``, or shorter than announced.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    meta = target.with_name(target.name + ".part.json")
    deadline = time.monotonic() + (limits.media_deadline_s if deadline_s is None else deadline_s)
    ranges: list[bool] = []
    last: DownloadFailed | None = None
    try:
        for _attempt in range(max(1, limits.attempts)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DownloadFailed(f"{url}: download failed: timed out (deadline)")
            try:
                return _download_once(url, target, max_bytes, limits.policy(left), progress, ranges)
            except _Interrupted as exc:
                last = DownloadFailed(str(exc))
                log.info("%s; resuming", exc)
        assert last is not None
        raise last
    except BaseException:
        if not (limits.keep_partial and any(ranges)):
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
        raise


class _Interrupted(Exception):
    """The connection ended early; the ``.part`` file is kept for a resume."""


def _download_once(
    url: str,
    target: Path,
    max_bytes: int,
    policy: FetchPolicy,
    progress: Progress | None,
    ranges: list[bool],
) -> Downloaded:
    part = target.with_name(target.name + ".part")
    meta = target.with_name(target.name + ".part.json")
    have = part.stat().st_size if part.exists() else 0
    validator = _read_validator(meta) if have else None
    headers: dict[str, str] = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator:
            headers["If-Range"] = validator
    try:
        with open_url(url, policy=policy, headers=headers) as response:
            ranges.append(response.headers.get("Accept-Ranges", "").strip().lower() == "bytes")
            return _receive(response, url, part, meta, target, have, max_bytes, progress)
    except FetchFailed as exc:
        if exc.status == 416 and have:
            # Range Not Satisfiable: the part may already be whole ("bytes */TOTAL").
            got = exc.headers
            total = _content_range_total(got.get("Content-Range", "") if got else "")
            if total == have:
                ctype = got.get("Content-Type", "") if got else ""
                return _finish(part, meta, target, ctype, have, 0)
            part.unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            raise _Interrupted(
                f"{url}: the partial download no longer matches; restarting"
            ) from None
        raise DownloadFailed(f"{url}: download failed: {exc.why}") from None
    except FetchRefused as exc:
        raise DownloadFailed(f"{url}: download refused: {exc.why}") from None
    except FetchTooLarge as exc:
        raise DownloadFailed(f"{url}: download refused: {exc.why}") from None
    except FetchError as exc:
        raise DownloadFailed(f"{url}: download failed: {exc.why}") from None


def _receive(
    response: Response,
    url: str,
    part: Path,
    meta: Path,
    target: Path,
    have: int,
    max_bytes: int,
    progress: Progress | None,
) -> Downloaded:
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    resumed_from = 0
    if have and response.status == 206:
        start = _content_range_start(response.headers.get("Content-Range", ""))
        if start != have:
            part.unlink(missing_ok=True)
            raise _Interrupted(f"{url}: the server resumed at the wrong offset; restarting")
        resumed_from = have
        total = _content_range_total(response.headers.get("Content-Range", ""))
    else:
        have = 0  # 200: the server sent the whole file (no or changed range support)
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
    if total is not None and total > max_bytes:
        raise DownloadFailed(
            f"{url}: download refused: {total} bytes is more than the limit of {max_bytes}"
        )
    validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
    if validator and not resumed_from:
        meta.write_text(json.dumps({"validator": validator}), encoding="utf-8")
    mode = "ab" if resumed_from else "wb"
    with part.open(mode) as out:
        done = _copy(response, out, url, have, total, max_bytes, progress)
    if total is not None and done != total:
        raise _Interrupted(f"{url}: download failed: ended after {done} of {total} bytes")
    return _finish(part, meta, target, content_type, done, resumed_from)


def _copy(
    response: Response,
    out: IO[bytes],
    url: str,
    have: int,
    total: int | None,
    max_bytes: int,
    progress: Progress | None,
) -> int:
    done = have
    while True:
        try:
            chunk = response.read_chunk()
        except FetchFailed as exc:
            out.flush()
            raise _Interrupted(f"{url}: download failed after {done} bytes: {exc.why}") from None
        if not chunk:
            return done
        done += len(chunk)
        if done > max_bytes:
            raise DownloadFailed(
                f"{url}: download refused: larger than the limit of {max_bytes} bytes"
            )
        out.write(chunk)
        if progress is not None and total:
            progress(done / total)


def _finish(
    part: Path, meta: Path, target: Path, content_type: str, size: int, resumed_from: int
) -> Downloaded:
    os.replace(part, target)
    meta.unlink(missing_ok=True)
    return Downloaded(
        path=target, size_bytes=size, content_type=content_type, resumed_from=resumed_from
    )


def _read_validator(meta: Path) -> str | None:
    try:
        value = json.loads(meta.read_text(encoding="utf-8")).get("validator")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _content_range_start(value: str) -> int | None:
    match = re.match(r"^\s*bytes\s+(\d+)-\d+/(?:\d+|\*)\s*$", value)
    return int(match.group(1)) if match else None


def _content_range_total(value: str) -> int | None:
    match = re.match(r"^\s*bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", value)
    return int(match.group(1)) if match else None


def sniff_audio(path: Path) -> str | None:
    """Return ``"mp3"`` or ``"mp4"`` from a file's first bytes, else ``None``.

    MP3: an ID3v2 tag or an MPEG audio frame sync (11 set bits); MP4/M4A: an ``ftyp`` box.
    """
    with path.open("rb") as handle:
        head = handle.read(12)
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp":
        return "mp4"
    return None


def first_bytes(path: Path, media: Downloaded) -> str:
    try:
        with path.open("rb") as handle:
            return repr(handle.read(8))
    except OSError:
        return f"{media.size_bytes} bytes"
