"""A Finnish + Swedish podcast: one episode, two audio variants, a feed per language.

Real podcast-app parsers (feedparser, gPodder's podcastparser, the Podcast Index's
podcast-partytime) read each language feed back; the all-languages feed carries the Swedish
version as ``podcast:alternateEnclosure lang="sv"``; every feed's ``podcast:guid`` is the
spec's UUIDv5 of its own URL; ``validate`` checks every feed and fails when one is broken.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tomllib
import uuid
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from feeds.guid import podcast_guid
from tests.mediagen import make_cover, make_speech

from .conftest import Run

pytestmark = pytest.mark.slow

NOW = "2026-03-02T09:00:00+02:00"
BASE = "https://media.example.org/kotona/"
PODCAST = "https://podcastindex.org/namespace/1.0"


NODE_DIR = Path(__file__).resolve().parents[1] / "feeds" / "node"


def partytime(xml: bytes) -> dict:
    """Parse with podcast-partytime (the Podcast Index's parser) via node."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "podcast-partytime").is_dir():
        pytest.fail(f"node and podcast-partytime are needed: npm ci --prefix {NODE_DIR}")
    done = subprocess.run(
        [node, str(NODE_DIR / "parse-feed.js")], input=xml, capture_output=True, check=True
    )
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("src")
    make_cover(folder / "cover.jpg", 1400)
    return make_speech(folder / "puhe.wav", 4, -24.0)


@pytest.fixture
def bilingual(tmp_path: Path, run: Run, speech: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "kotona"
    result = run(
        "init", ws, "--title", "Kotona Suomessa", "--author", "Hanke", "--email", "p@example.org",
        "--language", "fi", "--languages", "fi,sv", "--base-url", BASE,
        "--image", speech.with_name("cover.jpg"),
    )  # fmt: skip
    assert result.code == 0, result.err
    config = ws / "kotocast.toml"
    text = config.read_text(encoding="utf-8").replace(
        "locked = true", "locked = true\nall_languages_feed = true", 1
    )
    text = re.sub(r'sv = "Kotona Suomessa"', 'sv = "Hemma i Finland"', text)
    config.write_text(text, encoding="utf-8")
    monkeypatch.chdir(ws)
    for lang, title in (("fi", "Tervetuloa Suomeen"), ("sv", "Välkommen till Finland")):
        result = run(
            "add", speech, "--slug", "tervetuloa", "--language", lang, "--title", title,
            "--publish-at", "2026-03-01T09:00:00+02:00", "--now", NOW,
        )  # fmt: skip
        assert result.code == 0, result.err
    return ws


def test_each_language_feed_reads_back_in_three_parsers(bilingual: Path, run: Run) -> None:
    result = run("publish", "--now", NOW)
    assert result.code == 0, result.err
    public = bilingual / "public"
    saved = tomllib.loads((bilingual / "episodes" / "tervetuloa.toml").read_text())
    guid = saved["guid"]
    for variant in saved["variants"]:
        # The source's peak is a sample peak unless its true peak was measured; named so.
        loud = variant["loudness"]
        assert "input_sample_peak_dbfs" in loud and "input_true_peak_dbtp" not in loud
    enclosures = {}
    for lang, title, show_title in (
        ("fi", "Tervetuloa Suomeen", "Kotona Suomessa"),
        ("sv", "Välkommen till Finland", "Hemma i Finland"),
    ):
        url = f"{BASE}feeds/{lang}.xml"
        xml = (public / "feeds" / f"{lang}.xml").read_bytes()
        parsed = feedparser.parse(xml)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.title == show_title and parsed.feed.language == lang
        (entry,) = parsed.entries
        assert entry.title == title and entry.id == guid
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg"
        key = enclosure.href.removeprefix(BASE)
        assert int(enclosure.length) == (public / key).stat().st_size
        enclosures[lang] = key
        gpodder = podcastparser.parse(url, io.BytesIO(xml))
        (ep,) = gpodder["episodes"]
        assert ep["title"] == title and ep["guid"] == guid
        assert ep["enclosures"][0]["url"] == enclosure.href
        pt = partytime(xml)
        assert pt["title"] == show_title and pt["medium"] == "podcast"
        assert [i["title"] for i in pt["items"]] == [title]
        assert [i["guid"] for i in pt["items"]] == [guid]
        # Podcast Index guid.md: UUIDv5 of the feed's own URL, scheme removed.
        assert pt["guid"] == podcast_guid(url)
        assert pt["guid"] == str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"),
                                            url.removeprefix("https://")))  # fmt: skip
    assert enclosures["fi"] != enclosures["sv"]
    # Both files carry the episode's guid and their own language in their tags.
    from mutagen.id3 import ID3

    for lang, key in enclosures.items():
        tags = ID3(public / key)
        assert str(tags["TGID"]) == guid
        assert str(tags["TLAN"]) == {"fi": "fin", "sv": "swe"}[lang]
    config = tomllib.loads((bilingual / "kotocast.toml").read_text())["show"]
    assert config["feed_guids"] == {
        lang: podcast_guid(f"{BASE}feeds/{lang}.xml") for lang in ("fi", "sv")
    }
    assert config["podcast_guid"] == podcast_guid(f"{BASE}feed.xml")

    # The all-languages feed: one item, the Swedish version as an alternate enclosure.
    root = etree.fromstring((public / "feed.xml").read_bytes())
    (item,) = root.iter("item")
    assert item.findtext("title") == "Tervetuloa Suomeen"
    (alt,) = item.iter(f"{{{PODCAST}}}alternateEnclosure")
    assert alt.get("lang") == "sv" and alt.get("type") == "audio/mpeg"
    assert int(alt.get("length")) == (public / enclosures["sv"]).stat().st_size
    (source,) = alt.iter(f"{{{PODCAST}}}source")
    assert source.get("uri") == BASE + enclosures["sv"]
    assert partytime((public / "feed.xml").read_bytes())["guid"] == podcast_guid(f"{BASE}feed.xml")

    # Pages and OPML list both languages.
    opml = (public / "feeds.opml").read_text(encoding="utf-8")
    assert f"{BASE}feeds/fi.xml" in opml and f"{BASE}feeds/sv.xml" in opml
    for lang, title in (("fi", "Tervetuloa Suomeen"), ("sv", "Välkommen till Finland")):
        page = (public / lang / "index.html").read_text(encoding="utf-8")
        assert title in page and "<audio" in page and f'lang="{lang}"' in page
        # An audio show's pages speak of episodes, not videos.
        assert {"fi": "Jaksot", "sv": "Avsnitt"}[lang] in page and "<video" not in page
        assert {"fi": "Videot", "sv": "Videor"}[lang] not in page
    index = (public / "index.html").read_text(encoding="utf-8")
    assert "fi/index.html" in index and "sv/index.html" in index

    status = run("status", "--now", NOW)
    assert status.code == 0
    assert re.search(r"tervetuloa\s+published\*\s+published\*", status.out), status.out


def test_validate_checks_every_language_feed(bilingual: Path, run: Run) -> None:
    ok = run("validate", "--now", NOW)
    assert ok.code == 0, ok.out + ok.err
    for key in ("feeds/fi.xml", "feeds/sv.xml", "feed.xml", "index.json"):
        assert f"{key}: valid" in ok.out
    # Break the Swedish variant only: its feed must fail validation, and validate with it.
    path = bilingual / "episodes" / "tervetuloa.toml"
    text = path.read_text(encoding="utf-8")
    sv = text.index('language = "sv"')
    fixed = text[:sv] + text[sv:].replace('mime_type = "audio/mpeg"', 'mime_type = "audio/ogg"', 1)
    path.write_text(fixed, encoding="utf-8")
    bad = run("validate", "--now", NOW)
    assert bad.code == 1
    assert "feeds/sv.xml" in bad.out and "audio/ogg" in bad.out
    assert "feeds/fi.xml" not in bad.out  # only the broken feed is reported


def test_unknown_keys_are_refused_with_a_hint_and_nothing_is_written(
    bilingual: Path, run: Run, speech: Path
) -> None:
    config = bilingual / "kotocast.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("target_lufs = -16.0", "target_lfus = -16.0"), encoding="utf-8")
    before = sorted(p.relative_to(bilingual) for p in bilingual.rglob("*"))
    result = run("add", speech, "--title", "Uusi", "--now", NOW)
    assert result.code == 1
    assert (
        "kotocast.toml: audio.target_lfus: unknown key; did you mean 'target_lufs'?" in result.err
    )
    assert sorted(p.relative_to(bilingual) for p in bilingual.rglob("*")) == before
    config.write_text(good, encoding="utf-8")

    episode = bilingual / "episodes" / "tervetuloa.toml"
    text = episode.read_text(encoding="utf-8")
    episode.write_text(text.replace("created_at", "craeted_at", 1), encoding="utf-8")
    result = run("publish", "--now", NOW)
    assert result.code == 1
    assert "tervetuloa.toml: craeted_at: unknown key; did you mean 'created_at'?" in result.err
    assert not (bilingual / "public").exists()
