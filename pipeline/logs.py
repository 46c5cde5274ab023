"""Logging for the CLI: kotocast's own loggers by verbosity, secrets never printed.

``-v`` / ``-vv`` raise only kotocast's loggers (``pipeline``, ``media``, ``feeds``,
``episodes``, ``kotocast``) to INFO / DEBUG. botocore's DEBUG output prints every request's
headers (``Authorization`` with the access key id and signature, ``X-Amz-Security-Token``),
so boto3, botocore, s3transfer and urllib3 stay at WARNING unless ``--debug-http`` asks for
them, and even then every line passes through :func:`redact`, as do error messages.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

OWN_LOGGERS = ("kotocast", "pipeline", "media", "feeds", "episodes")
HTTP_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")
MASK = "***"

_SECRET_NAMES = (
    r"x-amz-security-token|x-amz-credential|x-amz-signature|authorization|"
    r"aws_secret_access_key|aws_session_token|aws_access_key_id|"
    r"secretaccesskey|sessiontoken|accesskeyid|signature|credential|password|secret|token"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # name: value / name=value / 'Name': b'value' (headers dicts, query strings, canonical
    # requests, botocore's "Signature:\n<hex>").
    (
        re.compile(
            rf"(?i)(\b(?:{_SECRET_NAMES})['\"]?\s*[:=]\s*b?['\"]?)(?!\*\*\*)([^'\"\s,&;}}]+)"
        ),
        rf"\1{MASK}",
    ),
    # The parts of an AWS4 Authorization header after its scheme name.
    (re.compile(r"(?i)(Credential=)(?!\*\*\*)[^,\s'\"&]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)(Signature=)(?!\*\*\*)[0-9a-f]+"), rf"\1{MASK}"),
    # AWS access key ids wherever they appear (long-term AKIA, temporary ASIA...).
    (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}\b"), MASK),
    # user:password@ in any URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@'\"]+@"), rf"\1{MASK}@"),
)


def redact(text: str) -> str:
    """Return ``text`` with credentials, tokens, signatures and URL passwords masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, arguments and traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(
    verbosity: int, *, debug_http: bool = False, stream: TextIO | None = None
) -> None:
    """Send log records to stderr: kotocast's by ``verbosity``, HTTP libraries only if asked.

    Args:
        verbosity: 0 warnings, 1 info, 2 or more debug (kotocast's own loggers).
        debug_http: also log boto3/botocore/urllib3 at DEBUG (redacted).
        stream: where to write (default stderr).
    """
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    for old in [h for h in root.handlers if isinstance(h.formatter, RedactingFormatter)]:
        root.removeHandler(old)
    root.addHandler(handler)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug_http else logging.WARNING)


__all__ = ["RedactingFormatter", "configure_logging", "redact"]
