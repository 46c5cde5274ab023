"""Operating-system failures in a producer's words: one line naming the file and what to do.

The CLI catches ``OSError`` last (after kotocast's own errors) and prints
:func:`explain_os_error`, so a read-only workspace, a full disk, a missing permission or a
busy port is one line and exit 1, never a traceback.
"""

from __future__ import annotations

import errno

_WORDS: dict[int, str] = {
    errno.EROFS: "the folder is read-only (a read-only mount or a write-protected card?)",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EADDRINUSE: "the port is already in use (another server running?); give another --port",
    errno.EADDRNOTAVAIL: "this machine has no such address",
    errno.EMFILE: "too many open files",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "input/output error (a failing disk or a lost network mount?)",
}


def explain_os_error(exc: OSError) -> str:
    """Return ``"<file>: <plain words>"`` for an OSError (the file when the error names one)."""
    words = _WORDS.get(exc.errno or -1) or (exc.strerror or str(exc)).rstrip(".")
    where = exc.filename if exc.filename is not None else None
    if exc.filename2 is not None and where is not None:
        where = f"{where} -> {exc.filename2}"
    message = f"{where}: {words}" if where is not None else words
    return " ".join(message.split())
