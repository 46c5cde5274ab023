"""Episode numbers: no two episodes share ``(season, number)`` unless the producer insists.

Two ``add`` runs started together cannot both pick the next number: ``add`` holds the
catalog lock (:mod:`pipeline.lock`) from reading the catalog to writing its episode.
"""

from __future__ import annotations

from collections.abc import Sequence

from episodes.errors import FieldInvalid
from episodes.model import Episode


def check_number_free(
    episodes: Sequence[Episode],
    slug: str,
    season: int | None,
    number: int | None,
    *,
    force: bool = False,
    field: str = "--number",
) -> None:
    """Refuse a ``(season, number)`` another (not withdrawn) episode already has.

    Raises:
        FieldInvalid: taken, and not ``force``.
    """
    if number is None or force:
        return
    for other in episodes:
        if (
            other.slug != slug
            and not other.withdrawn
            and (other.season, other.number)
            == (
                season,
                number,
            )
        ):
            where = f"season {season} episode {number}" if season else f"episode {number}"
            raise FieldInvalid(
                field,
                f"{where} is already {other.slug!r}; give another number, or --force to "
                "number two episodes alike",
            )


def duplicate_numbers(episodes: Sequence[Episode]) -> list[str]:
    """Return one problem line per ``(season, number)`` that several episodes share.

    For ``validate``: episodes numbered alike with ``--force`` (or by hand in their files)
    are reported, not refused; withdrawn episodes do not count.
    """
    seen: dict[tuple[int | None, int], list[str]] = {}
    for episode in episodes:
        if episode.number is not None and not episode.withdrawn:
            seen.setdefault((episode.season, episode.number), []).append(episode.slug)
    problems = []
    for (season, number), slugs in sorted(seen.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        if len(slugs) > 1:
            where = f"season {season} episode {number}" if season else f"episode {number}"
            problems.append(f"{where} is shared by {', '.join(sorted(slugs))}")
    return problems
