"""The HTML text version: structure read back with lxml, then checked in headless Chromium.

In Chromium, axe-core (npm, ``tests/transcribe/node``) runs over the page's DOM with the WCAG
2.x A/AA rules; the Arabic page must lay out right to left. The published page forbids
scripts, so the browser gets a copy with the Content-Security-Policy line removed and axe
added at the end of the body; everything axe inspects is the page as rendered.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from episodes.model import Person
from feeds.transcript_html import TranscriptPage, paragraphs, render_transcript_html
from media.cues import Cue
from pipeline.serve import make_server

NODE_DIR = Path(__file__).resolve().parent / "node"
AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "transcribe"

FI_CUES = (
    Cue(0.0, 3.2, ("Tervetuloa kuuntelemaan", "kotoutumisen podcastia."), "Aino"),
    Cue(3.2, 6.0, ("Tänään puhumme työstä <ja> kielestä.",), "Aino"),
    Cue(6.5, 9.0, ("Se oli pimeä, mutta ihmiset", "olivat ystävällisiä."), "Mohammed"),
    Cue(12.0, 14.0, ("Kiitos & näkemiin.",), "Mohammed"),
    Cue(3725.0, 3727.0, ("Tunnin kohdalla.",), "Mohammed"),
)
AR_CUES = (
    Cue(0.0, 3.0, ("مرحبا بكم في بودكاست الاندماج.",), None),
    Cue(3.0, 6.0, ("اليوم نتحدث عن العمل واللغة والحياة اليومية في فنلندا.",), None),
)
PERSONS = (Person("Aino Virtanen", "host"), Person("Mohammed Ali", "guest", href="https://e.fi/m"))
WHEN = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _page(language: str, **extra: object) -> TranscriptPage:
    args: dict[str, object] = {
        "show_title": "Kotona Suomessa",
        "title": "Ensimmäinen talvi <3",
        "language": language,
        "published": WHEN,
        "persons": PERSONS,
        "media_url": "https://media.example.fi/ep1.mp3",
    }
    args.update(extra)
    return TranscriptPage(**args)  # type: ignore[arg-type]


def test_finnish_text_version_structure() -> None:
    text = render_transcript_html(_page("fi", machine_draft=True), FI_CUES)
    doc = lxml.html.fromstring(text)
    assert doc.get("lang") == "fi" and doc.get("dir") == "ltr"
    assert doc.findtext(".//title") == "Ensimmäinen talvi <3 – Tekstivastine"
    assert [h.text_content() for h in doc.iter("h1", "h2")] == [
        "Ensimmäinen talvi <3",
        "Henkilöt",
        "Tekstivastine",
    ]
    assert doc.find(".//main").get("id") == "main"
    assert doc.find(".//time").get("datetime") == "2026-11-03"
    assert doc.find(".//time").text == "3.11.2026"
    assert [li.text_content() for li in doc.iter("li")] == [
        "Aino Virtanen (host)",
        "Mohammed Ali (guest)",
    ]
    assert "puheentunnistuksella" in doc.find(".//p[@role='note']").text
    paras = doc.findall(".//section[@class='transcript']/p[@id]")
    assert [p.get("id") for p in paras] == ["t0", "t6", "t12", "t3725"]
    assert [p.find("a").get("href") for p in paras] == [
        "https://media.example.fi/ep1.mp3#t=0",
        "https://media.example.fi/ep1.mp3#t=6",
        "https://media.example.fi/ep1.mp3#t=12",
        "https://media.example.fi/ep1.mp3#t=3725",
    ]
    assert [p.find("a").text_content() for p in paras] == ["00:00", "00:06", "00:12", "1:02:05"]
    assert paras[0].text_content() == (
        "00:00 Aino: Tervetuloa kuuntelemaan kotoutumisen podcastia. "
        "Tänään puhumme työstä <ja> kielestä."
    )
    assert "&lt;ja&gt;" in text and "<ja>" not in text
    assert "<script" not in text


def test_reviewed_page_has_no_draft_notice_and_anchors_without_media() -> None:
    text = render_transcript_html(_page("fi", media_url=None, persons=()), FI_CUES)
    doc = lxml.html.fromstring(text)
    assert doc.find(".//p[@role='note']") is None
    assert doc.find(".//section[@aria-labelledby='people']") is None
    assert doc.find(".//section[@class='transcript']/p/a").get("href") == "#t0"


def test_arabic_is_right_to_left_and_unknown_languages_label_in_english() -> None:
    doc = lxml.html.fromstring(render_transcript_html(_page("ar"), AR_CUES))
    assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl")
    assert doc.find(".//h2[@id='transcript']").text == "النص المكتوب"
    assert doc.find(".//h2[@id='transcript']").get("lang") is None
    doc = lxml.html.fromstring(render_transcript_html(_page("tr"), AR_CUES))
    assert (doc.get("lang"), doc.get("dir")) == ("tr", "ltr")
    heading = doc.find(".//h2[@id='transcript']")
    assert (heading.text, heading.get("lang")) == ("Transcript", "en")
    assert lxml.html.fromstring(render_transcript_html(_page("fa-AF"), AR_CUES)).get("dir") == "rtl"


def test_paragraphs_break_at_speakers_pauses_and_long_sentences() -> None:
    sentence = "Tämä on pitkä lause, jossa on monta sanaa ja vielä muutama lisää."
    cues = [Cue(i * 3.0, i * 3.0 + 3.0, (sentence,), "Aino") for i in range(12)]
    paras = paragraphs(cues)
    assert len(paras) == 2
    assert all(len(p.text) <= 400 + len(sentence) for p in paras)
    assert " ".join(p.text for p in paras) == " ".join([sentence] * 12)


# --- in a real browser -----------------------------------------------------------------------

RUNNER = """
<script src="/axe.min.js"></script>
<script>
window.addEventListener("load", async () => {
  const h = document.querySelector("section.transcript p[id]");
  const text = h.querySelector("a.time").getBoundingClientRect(), box = h.getBoundingClientRect();
  const result = await axe.run(document, {runOnly: {type: "tag", values:
    ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
  const out = document.createElement("pre");
  out.id = "axe-out";
  out.textContent = JSON.stringify({
    direction: getComputedStyle(document.documentElement).direction,
    gap_start: Math.round(text.left - box.left),
    gap_end: Math.round(box.right - text.right),
    violations: result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.html).slice(0, 3)})),
    passes: result.passes.length,
  });
  document.body.appendChild(out);
});
</script>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI has it")
    if not AXE.is_file():  # dev.sh runs npm ci in every tests/*/node
        pytest.fail(f"axe-core missing: run 'npm ci --prefix {NODE_DIR}'")
    root = tmp_path_factory.mktemp("transcripts")
    shutil.copyfile(AXE, root / "axe.min.js")
    pages = {
        "fi.html": render_transcript_html(_page("fi", machine_draft=True), FI_CUES),
        "ar.html": render_transcript_html(_page("ar"), AR_CUES),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
        (ARTIFACTS / name).write_text(text, encoding="utf-8")
        checked = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", text)
        assert checked != text
        checked = checked.replace("</body>", RUNNER + "</body>")
        (root / f"check-{name}").write_text(checked, encoding="utf-8")
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _chromium(url: str, profile: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        *extra,
        url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _axe(site: str, name: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    dom = _chromium(
        f"{site}check-{name}", tmp_path / "profile", "--virtual-time-budget=20000", "--dump-dom"
    )
    match = re.search(r'<pre id="axe-out">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    return json.loads(html.unescape(match.group(1)))  # type: ignore[no-any-return]


@pytest.mark.browser
@pytest.mark.parametrize("name", ["fi.html", "ar.html"])
def test_axe_finds_no_serious_violations(site: str, name: str, tmp_path: Path) -> None:
    result = _axe(site, name, tmp_path)
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert result["violations"] == [], result["violations"]  # minor ones too, while we can
    assert result["passes"] > 10  # axe really ran


@pytest.mark.browser
def test_arabic_page_lays_out_right_to_left(site: str, tmp_path: Path) -> None:
    result = _axe(site, "ar.html", tmp_path)
    assert result["direction"] == "rtl"
    # A paragraph's time link, its first child, sits at the right edge of the paragraph.
    assert result["gap_end"] < 20 and result["gap_start"] > 200, result
    shot = ARTIFACTS / "ar.png"
    _chromium(
        f"{site}ar.html",
        tmp_path / "shot",
        "--window-size=412,800",
        f"--screenshot={shot}",
    )
    assert shot.stat().st_size > 1000
