"""Episode-number collisions, as ``add``/``edit`` refuse them and ``validate`` reports them."""

from __future__ import annotations

import pytest

from episodes.errors import FieldInvalid
from episodes.model import Episode
from pipeline.numbers import check_number_free, duplicate_numbers


def _ep(slug: str, number: int | None, season: int | None = None, **kw: object) -> Episode:
    return Episode.single(language="fi", slug=slug, guid=f"urn:uuid:{slug}", title=slug,
                          number=number, season=season, **kw)  # fmt: skip


def test_taken_number_is_refused_naming_the_other_episode() -> None:
    episodes = [_ep("yksi", 1), _ep("kaksi", 2, season=2)]
    with pytest.raises(FieldInvalid, match="episode 1 is already 'yksi'"):
        check_number_free(episodes, "uusi", None, 1)
    with pytest.raises(FieldInvalid, match="season 2 episode 2 is already 'kaksi'"):
        check_number_free(episodes, "uusi", 2, 2)
    check_number_free(episodes, "uusi", 2, 1)  # another season
    check_number_free(episodes, "yksi", None, 1)  # itself
    check_number_free(episodes, "uusi", None, 1, force=True)


def test_withdrawn_episodes_free_their_number() -> None:
    check_number_free([_ep("vanha", 1, withdrawn=True)], "uusi", None, 1)


def test_duplicates_are_listed_for_validate() -> None:
    episodes = [_ep("a", 1), _ep("b", 1), _ep("c", 2), _ep("d", 2, season=3), _ep("e", None)]
    assert duplicate_numbers(episodes) == ["episode 1 is shared by a, b"]
