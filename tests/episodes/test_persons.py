"""The Podcast Index person taxonomy: canonical spelling, groups from roles, hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodes.errors import FieldInvalid
from episodes.persons import GROUPS, ROLE_GROUPS, TAXONOMY, PersonRole, person_role


@pytest.mark.parametrize(
    ("role", "group", "want"),
    [
        ("producer", None, PersonRole("producer", "creative direction")),
        ("Executive  Producer", None, PersonRole("executive producer", "creative direction")),
        ("HOST", "Cast", PersonRole("host", "cast")),
        ("guest", "", PersonRole("guest", "cast")),
        ("editor", None, PersonRole("editor", "writing")),
        ("Editor", "video post-production", PersonRole("editor", "video post-production")),
        ("translator", None, PersonRole("translater", "writing")),
        ("Cover Art Designer", "visuals", PersonRole("cover art designer", "visuals")),
    ],
)
def test_roles_are_written_canonically(role: str, group: str | None, want: PersonRole) -> None:
    assert person_role(role, group) == want


def test_unknown_role_is_refused_with_the_nearest_one() -> None:
    with pytest.raises(FieldInvalid, match="did you mean 'producer'") as e:
        person_role("prodcer", field="--person")
    assert str(e.value).startswith("--person: role 'prodcer'")


def test_unknown_group_is_refused_with_the_roles_group() -> None:
    with pytest.raises(FieldInvalid, match="group 'crew' is not .*'cast'"):
        person_role("host", "crew")
    with pytest.raises(FieldInvalid, match="did you mean 'visuals'"):
        person_role("graphic designer", "visual")


def test_role_outside_its_group_is_refused() -> None:
    with pytest.raises(FieldInvalid, match="'producer' is not in group 'cast'"):
        person_role("producer", "cast")


def test_table_matches_the_taxonomy_file_shape() -> None:
    # taxonomy.json has 63 entries in 11 groups; "Editor" is listed twice (Writing, Video).
    assert len(TAXONOMY) == 63
    assert len(GROUPS) == 11
    assert len(ROLE_GROUPS) == 62
    assert all(role == role.strip() for _, role in TAXONOMY)


def test_kotocast_toml_persons_follow_the_taxonomy(tmp_path: Path) -> None:
    from episodes.errors import ConfigInvalid
    from episodes.show import load_show

    base = '[show]\ntitle = "T"\nauthor = "A"\nemail = "a@example.org"\nlanguage = "fi"\n'
    config = tmp_path / "kotocast.toml"
    config.write_text(
        base + 'persons = [{ name = "Pia", role = "Producer" }, { name = "Aino" }]\n',
        encoding="utf-8",
    )
    persons = load_show(tmp_path).persons
    assert [(p.role, p.group) for p in persons] == [
        ("producer", "creative direction"),
        ("host", "cast"),
    ]
    config.write_text(
        base + 'persons = [{ name = "Eero", role = "host", group = "crew" }]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigInvalid, match=r"show\.persons\[0\]\.role: group 'crew' is not"):
        load_show(tmp_path)
    config.write_text(base + 'persons = [{ name = "Eero", role = "prodcer" }]\n', encoding="utf-8")
    with pytest.raises(ConfigInvalid, match="did you mean 'producer'"):
        load_show(tmp_path)
