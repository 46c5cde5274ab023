"""The series pages in a real headless Chromium: RTL layout, caption tracks, no script runs.

Chromium is driven without any extra client: ``--dump-dom`` of a small harness page served
from the same origin as the published folder. The harness (the only script involved) loads a
page in an iframe, waits, and writes what the browser computed — direction, text alignment,
text tracks, the document title, injected elements — as JSON into its own DOM, which
``--dump-dom`` prints. Screenshots go to ``test-artifacts/`` for people to look at.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.strings import UI_STRINGS, text_direction
from pipeline.serve import make_server

from .conftest import AR_TITLE, FI_TITLE, Series

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "video"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed (apt-get install chromium); CI installs it",
    ),
]

HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harness</title></head><body>
<pre id="out">pending</pre>
<iframe id="page" src="PAGE" width="412" height="900"></iframe>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => setTimeout(() => {
  const d = frame.contentDocument, w = frame.contentWindow;
  const h1 = d.querySelector("h1");
  const range = d.createRange();
  range.selectNodeContents(h1);
  const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
  const nav = Array.from(d.querySelectorAll(".langs a")).map(a => a.getBoundingClientRect().left);
  const videos = Array.from(d.querySelectorAll("video")).map(v => ({
    tracks: Array.from(v.textTracks).map(t => [t.kind, t.language, t.label, t.mode]),
    sources: Array.from(v.querySelectorAll("source")).map(s => s.type),
    controls: v.controls,
    label: v.getAttribute("aria-labelledby"),
  }));
  const result = {
    lang: d.documentElement.lang,
    direction: w.getComputedStyle(d.documentElement).direction,
    h1_gap_start: Math.round(text.left - box.left),
    h1_gap_end: Math.round(box.right - text.right),
    nav_lefts: nav,
    title: d.title,
    top_title: document.title,
    headings: Array.from(d.querySelectorAll("h1, h3")).map(h => h.textContent),
    imgs: d.querySelectorAll("img").length,
    scripts: d.querySelectorAll("script").length,
    videos: videos,
    skip_link: d.querySelector("a.skip") ? d.querySelector("a.skip").getAttribute("href") : null,
    main_id: d.querySelector("main") ? d.querySelector("main").id : null,
  };
  document.getElementById("out").textContent = JSON.stringify(result);
}, 1500));
</script></body></html>
"""


@pytest.fixture(scope="module")
def site(series: Series, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(series.public, root, dirs_exist_ok=True)
    for page in ("ar/index.html", "fi/index.html", "index.html"):
        name = "harness-" + page.replace("/", "-")
        (root / name).write_text(HARNESS.replace("PAGE", page), encoding="utf-8")
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def chromium(url: str, tmp_path: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        "--autoplay-policy=user-gesture-required",
        *extra,
        url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


_INSPECTED: dict[tuple[str, str], dict] = {}  # type: ignore[type-arg]


def inspect(site: str, page: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    """Return what Chromium computed for ``page`` (once per page and server)."""
    if (site, page) not in _INSPECTED:
        _INSPECTED[site, page] = _inspect(site, page, tmp_path)
    return _INSPECTED[site, page]


def _inspect(site: str, page: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    name = "harness-" + page.replace("/", "-")
    dom = chromium(site + name, tmp_path, "--virtual-time-budget=15000", "--dump-dom")
    match = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert match, dom[:2000]
    assert match.group(1) != "pending", "the harness never saw the page load"
    return json.loads(html.unescape(match.group(1)))


def screenshot(site: str, page: str, tmp_path: Path) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / (page.replace("/", "-").replace(".html", "") + ".png")
    out.unlink(missing_ok=True)
    chromium(site + page, tmp_path, "--window-size=412,1200", f"--screenshot={out}")
    assert out.stat().st_size > 5000
    return out


def test_arabic_page_lays_out_right_to_left(site: str, tmp_path: Path) -> None:
    result = inspect(site, "ar/index.html", tmp_path)
    screenshot(site, "ar/index.html", tmp_path)
    assert result["lang"] == "ar"
    assert result["direction"] == "rtl"
    # The heading's text hugs the right edge of its box: the page is laid out RTL.
    assert result["h1_gap_end"] <= 2 < result["h1_gap_start"]
    # Language menu flows right to left: the first entry is the rightmost.
    lefts = result["nav_lefts"]
    assert lefts == sorted(lefts, reverse=True) and lefts[0] > lefts[-1]


def test_finnish_page_is_left_to_right(site: str, tmp_path: Path) -> None:
    result = inspect(site, "fi/index.html", tmp_path)
    screenshot(site, "fi/index.html", tmp_path)
    assert (result["lang"], result["direction"]) == ("fi", "ltr")
    assert result["h1_gap_start"] <= 2


def test_video_has_its_caption_tracks(site: str, tmp_path: Path) -> None:
    ar = inspect(site, "ar/index.html", tmp_path)
    [video] = ar["videos"]
    assert video["controls"] and video["sources"] == ["video/mp4"]
    assert video["label"] == "title-terveys"
    kinds = [(kind, lang) for kind, lang, _label, _mode in video["tracks"]]
    assert kinds == [("captions", "ar"), ("captions", "fi")]
    # The page language's captions are on by default.
    assert video["tracks"][0][3] == "showing"
    fi = inspect(site, "fi/index.html", tmp_path)
    assert [(k, lang) for k, lang, _l, _m in fi["videos"][0]["tracks"]] == [("captions", "fi")]


@pytest.mark.parametrize(
    ("page", "title"), [("ar/index.html", AR_TITLE), ("fi/index.html", FI_TITLE)]
)
def test_markup_in_titles_shows_as_text_and_runs_nothing(
    site: str, page: str, title: str, tmp_path: Path
) -> None:
    result = inspect(site, page, tmp_path)
    assert result["title"] != "PWNED" and result["top_title"] == "harness"
    assert "PWNED" not in result["title"]  # the series title has no payload; pages use it
    assert title in result["headings"]  # shown literally, character for character
    assert result["imgs"] == 0 and result["scripts"] == 0


def test_index_page_lists_languages_each_in_its_direction(
    site: str, series: Series, tmp_path: Path
) -> None:
    result = inspect(site, "index.html", tmp_path)
    screenshot(site, "index.html", tmp_path)
    assert (result["lang"], result["direction"]) == ("fi", "ltr")
    text = (series.public / "index.html").read_text(encoding="utf-8")
    assert '<li class="card" lang="ar" dir="rtl">' in text
    assert 'href="podcast://localhost:8000/feeds/ar.xml"' in text


def test_pages_are_keyboard_and_screen_reader_friendly(site: str, tmp_path: Path) -> None:
    result = inspect(site, "ar/index.html", tmp_path)
    assert result["skip_link"] == "#" + result["main_id"]


def test_pages_need_no_javascript_and_forbid_it(series: Series) -> None:
    for page in ("index.html", "fi/index.html", "en/index.html", "ar/index.html"):
        text = (series.public / page).read_text(encoding="utf-8")
        assert "<script" not in text
        assert "script-src 'none'" in text
        assert re.search(r'<html lang="[a-z]{2}" dir="(ltr|rtl)">', text)
        assert 'hreflang="x-default"' in text


def test_ui_strings_are_complete_in_every_language() -> None:
    keys = set(UI_STRINGS["en"])
    for lang in ("fi", "sv", "en", "ar", "so", "fa", "ru", "uk"):
        assert set(UI_STRINGS[lang]) == keys, lang
        if lang != "en":
            same = [k for k in keys if UI_STRINGS[lang][k] == UI_STRINGS["en"][k]]
            assert same == [], (lang, same)
    assert [text_direction(t) for t in ("ar", "fa", "fa-AF", "ku-Arab", "ru", "so")] == [
        "rtl",
        "rtl",
        "rtl",
        "rtl",
        "ltr",
        "ltr",
    ]
