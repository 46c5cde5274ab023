"""kotocast.toml: written readable by init, read back strictly, errors name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from episodes.errors import ConfigInvalid, WorkspaceNotFound
from episodes.show import CONFIG_NAME, load_show, record_feed_guids, render_new_config


def _write(tmp_path: Path, **overrides: object) -> Path:
    args: dict[str, object] = dict(
        title="Kotona Suomessa",
        author="Hanke",
        email="a@example.org",
        language="fi",
        category="Society & Culture",
        base_url="https://podcast.example.org/",
        storage="public",
        explicit=False,
        show_type="episodic",
    )
    args.update(overrides)
    (tmp_path / CONFIG_NAME).write_text(render_new_config(**args), encoding="utf-8")  # type: ignore[arg-type]
    return tmp_path / CONFIG_NAME


def test_new_config_round_trips(tmp_path: Path) -> None:
    _write(tmp_path)
    show = load_show(tmp_path)
    assert show.title == "Kotona Suomessa"
    assert show.language == "fi"
    assert show.loudness.target_lufs == -16.0
    assert show.loudness.true_peak_dbtp == -1.0
    assert show.encoding.bitrate_kbps == 128
    assert show.persons[0].name == "Hanke" and show.persons[0].role == "host"
    assert show.podcast_guid is None


def test_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceNotFound, match="kotocast.toml: no show here"):
        load_show(tmp_path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('title = "Kotona Suomessa"', "title = 5"), "show.title: must be text"),
        (lambda t: t.replace('title = "Kotona Suomessa"\n', ""), "show.title: is missing"),
        (lambda t: t.replace('language = "fi"', 'language = "suomi!"'), "show.language: "),
        (
            lambda t: t.replace("target_lufs = -16.0", 'target_lufs = "loud"'),
            "audio.target_lufs: must be a number",
        ),
        (
            lambda t: t.replace("target_lufs = -16.0", "target_lufs = 3"),
            "audio.target_lufs: must be between",
        ),
        (lambda t: t.replace('type = "episodic"', 'type = "daily"'), "show.type: must be one of"),
        (
            lambda t: t.replace("explicit = false", 'explicit = "no"'),
            "show.explicit: must be true or false",
        ),
        (lambda t: t.replace("[show]", "[show"), "not valid TOML"),
        (lambda t: t.replace("[show", "[shows"), r"\[show\]: is missing"),
        (lambda t: t.replace('base_url = "https', 'base_url = "ftp'), "show.base_url: must be"),
    ],
)
def test_broken_config_names_file_and_key(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigInvalid, match=message) as info:
        load_show(tmp_path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_podcast_guid_is_recorded_once_keeping_comments(tmp_path: Path) -> None:
    path = _write(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "# producer's note\n", encoding="utf-8")
    record_feed_guids(tmp_path, {"*": "9b024349-ccf0-5f69-a609-6b82873eab3c"})
    text = path.read_text(encoding="utf-8")
    assert "# producer's note" in text
    assert load_show(tmp_path).podcast_guid == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    record_feed_guids(tmp_path, {"*": "9b024349-ccf0-5f69-a609-6b82873eab3c"})  # idempotent
    with pytest.raises(ConfigInvalid, match="it never changes"):
        record_feed_guids(tmp_path, {"*": "917393e3-1b1e-5cef-ace4-edaa54e1f810"})
