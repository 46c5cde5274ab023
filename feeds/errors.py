"""Errors raised by the feeds package."""

from __future__ import annotations


class FeedError(Exception):
    """Base of every error the feeds package raises on purpose."""


class FeedInvalid(FeedError):
    """A rendered or foreign feed breaks a rule; ``problems`` lists them one per line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        first = problems[0] if problems else "invalid"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}: feed invalid: {first}{more}")
        self.source = source
        self.problems = problems


class FeedUnreadable(FeedError):
    """A feed file or URL could not be fetched or parsed as XML."""


class GuardRefused(FeedError):
    """The new feed would break what subscribers depend on (changed guid, reused URL...)."""


class UrlInvalid(FeedError):
    """A base URL or object key cannot make an absolute http(s) URL for the feed."""


class FeedUnrenderable(FeedError):
    """The show or an episode lacks what a feed needs (title, media, a timezone-aware date)."""
