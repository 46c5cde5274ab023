"""Bidi controls (U+202A-U+202E, U+2066-U+2069) are refused in titles, names and descriptions;
the joiners and marks real right-to-left text uses stay allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from episodes.errors import FieldInvalid
from episodes.text import clean_description, clean_text, clean_title

KOTOCAST = Path(sys.executable).with_name("kotocast")
CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


@pytest.mark.parametrize("control", CONTROLS)
def test_every_bidi_control_is_refused(control: str) -> None:
    spoof = f"Jakso 3 {control}3pm.exe"
    with pytest.raises(
        FieldInvalid, match=f"--title: contains the bidi control U\\+{ord(control):04X}"
    ):
        clean_title(spoof)
    with pytest.raises(FieldInvalid, match="bidi control"):
        clean_description(f"Hyvä jakso.\n\n{spoof}")
    with pytest.raises(FieldInvalid, match="bidi control"):
        clean_text(spoof, "persons[0].name")


@pytest.mark.parametrize(
    "text",
    [
        "می\u200cخواهم بدانم",  # Persian: zero-width non-joiner inside a word
        "क्\u200dष",  # zero-width joiner
        "نص عربي \u200f(2026)",  # right-to-left mark
        "שלום\u200e 2",  # left-to-right mark
        "Привет, Suomi",
    ],
)
def test_real_right_to_left_text_and_joiners_are_kept(text: str) -> None:
    assert clean_title(text) == text


def test_the_cli_refuses_a_spoofed_title_with_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            str(KOTOCAST),
            "init",
            str(tmp_path / "show"),
            "--title",
            "Uutiset \u202egpj.exe",
            "--author",
            "A",
            "--email",
            "a@example.org",
            "--language",
            "fi",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "kotocast: error: --title: contains the bidi control U+202E (RIGHT-TO-LEFT OVERRIDE) "
        "at character 9: it can make the text read differently in apps; remove it "
        "(right-to-left text needs no such control)"
    )
    assert not (tmp_path / "show" / "kotocast.toml").exists()
