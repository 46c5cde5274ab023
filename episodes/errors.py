"""Errors raised by the episodes package (show settings and episode catalog)."""

from __future__ import annotations


class CatalogError(Exception):
    """Base of every error the episodes package raises on purpose."""


class ConfigInvalid(CatalogError):
    """``kotocast.toml`` is missing, unparsable, or a key has a wrong value.

    The message names the file and the key.
    """


class WorkspaceNotFound(CatalogError):
    """No ``kotocast.toml`` in the directory a command runs in."""


class FieldInvalid(CatalogError):
    """A producer-supplied field (title, date, slug, number...) is unusable.

    ``field`` names it, as the producer typed it (``--title``, ``publish_at``...).
    """

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")
        self.field = field
        self.why = why


class EpisodeNotFound(CatalogError):
    """No episode with the given slug."""


class EpisodeExists(CatalogError):
    """An episode with that slug already exists."""


class EpisodeFileInvalid(CatalogError):
    """An episode file under ``episodes/`` is unparsable or has a wrong value."""
