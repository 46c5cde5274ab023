"""Producer text (plain or Markdown) -> the HTML subset Apple Podcasts allows in descriptions.

Apple's podcast RSS guide allows only ``<p>``, ``<ol>``, ``<ul>``, ``<li>`` and ``<a href>`` in
``description`` (inside CDATA). We parse the text as CommonMark with raw HTML turned off and
render our own small subset from the token stream, so nothing a producer types can become
markup other than those tags: headings and code blocks become paragraphs, emphasis and images
keep only their text, raw HTML is shown as text, links keep only http(s) targets.

The result contains no ``]]>`` (every ``>`` is escaped), so it is always safe inside CDATA,
and no character XML 1.0 forbids (those are removed, see :func:`xml_text`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# XML 1.0 (Char production) forbids C0 controls other than tab/LF/CR, lone surrogates and
# U+FFFE/U+FFFF. lxml refuses them, so every text that goes into a feed loses them here:
# one consistent rule for titles, descriptions and attributes (they carry no meaning).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Characters that make Markdown do something; text without them takes the fast path.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>#+\-=|!~&:]|^\s*\d+[.)]|^ {4}|\t", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# Inside paragraphs and "- " list items: what makes CommonMark do something (":" does not).
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]<>#+\-=|!~&]|^\d+[.)]|\t")
_LIST_ITEM = re.compile(r"- (\S(?:.*\S)?)")

_SAFE_HREF = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)

_BLOCKS = {
    "paragraph_open": "<p>",
    "paragraph_close": "</p>",
    "heading_open": "<p>",
    "heading_close": "</p>",
    "bullet_list_open": "<ul>",
    "bullet_list_close": "</ul>",
    "ordered_list_open": "<ol>",
    "ordered_list_close": "</ol>",
    "list_item_open": "<li>",
    "list_item_close": "</li>",
}


def xml_text(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 cannot carry (C0 controls but tab,
    LF, CR; surrogates; U+FFFE, U+FFFF), so every feed stays well-formed."""
    if text.isascii() and text.isprintable():  # C fast path: nothing to strip
        return text
    return _XML_FORBIDDEN.sub("", text)


def escape_html(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<``, ``>`` (and ``"`` when ``quote``) for HTML text or attributes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Imported here: ~30 ms that a show with plain-text descriptions never needs.
    from markdown_it import MarkdownIt

    # "commonmark" with html=False: raw HTML is text; linkify would need linkify-it-py.
    return MarkdownIt("commonmark", {"html": False})


def description_html(text: str) -> str:
    """Render plain text or Markdown as Apple's safe HTML subset (p, ol, ul, li, a).

    Args:
        text: what the producer wrote; blank lines separate paragraphs.

    Returns:
        HTML using only ``p``, ``ol``, ``ul``, ``li`` and ``a href="http(s)://..."``; all other
        text escaped; never contains ``]]>``; empty string for blank text.
    """
    text = xml_text(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    if not _MARKDOWN_SYNTAX.search(text):
        # Plain prose (most descriptions): same output as the Markdown path, ~50x cheaper.
        return "".join(
            f"<p>{para.strip()}</p>" for para in _BLANK_LINES.split(text) if para.strip()
        )
    simple = _simple_blocks(text)
    if simple is not None:
        return simple
    return _render(_parser().parse(text))


def _simple_blocks(text: str) -> str | None:
    """Render prose paragraphs and tight ``- item`` lists without markdown-it, or None.

    Show notes are often just that; markdown-it costs ~0.1 ms per description. Anything
    else (other syntax, indentation, trailing spaces, two lists in a row, which CommonMark
    merges into one loose list) returns None for the full parser. Must give exactly what
    :func:`_render` gives for the same text (a differential hypothesis run against it found
    no difference).
    """
    out: list[str] = []
    after_list = False
    for block in _BLANK_LINES.split(text):
        lines = block.split("\n")
        if lines[0].startswith("- "):
            if after_list:
                return None
            items = [_LIST_ITEM.fullmatch(line) for line in lines]
            if not all(m is not None and not _INLINE_SYNTAX.search(m[1]) for m in items):
                return None
            out.append("<ul>" + "".join(f"<li>{m[1]}</li>" for m in items if m) + "</ul>")
            after_list = True
        else:
            if any(_not_plain(line) for line in lines):
                return None
            out.append(f"<p>{block}</p>")
            after_list = False
    return "".join(out)


def _not_plain(line: str) -> bool:
    return not line or line != line.strip() or bool(_INLINE_SYNTAX.search(line))


def _render(tokens: list[Token]) -> str:
    out: list[str] = []
    for token in tokens:
        tag = _BLOCKS.get(token.type)
        if tag is not None:
            if token.hidden:  # paragraphs inside tight list items
                continue
            out.append(tag)
        elif token.type == "inline":
            out.append(_render_inline(token.children or []))
        elif token.type in ("code_block", "fence", "html_block"):
            out.append(f"<p>{escape_html(token.content.strip())}</p>")
    return "".join(out)


def _render_inline(tokens: list[Token]) -> str:
    out: list[str] = []
    open_links: list[bool] = []
    for token in tokens:
        if token.type in ("text", "code_inline", "html_inline", "image"):  # image: alt text
            out.append(escape_html(token.content))
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            safe = bool(_SAFE_HREF.match(href))
            open_links.append(safe)
            if safe:
                out.append(f'<a href="{escape_html(href, quote=True)}">')
        elif token.type == "link_close" and open_links.pop():
            out.append("</a>")
        # em/strong/s open and close: keep their text only (not in Apple's subset).
    return "".join(out)


# --- foreign HTML back to text (kotocast import) -------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "tr",
        "hr",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})


class _TextMaker(HTMLParser):
    """HTML show notes -> the Markdown-ish text kotocast stores (links and lists kept)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n\n")
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), None)
            safe = href.strip() if href and _SAFE_HREF.match(href.strip()) else None
            self.links.append(safe)
            if safe:
                self.out.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS or tag == "li":
            self.out.append("\n\n" if tag != "li" else "")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f"]({href})")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Turn a feed's HTML description into plain text with Markdown links and lists.

    kotocast stores descriptions as text/Markdown and renders Apple's HTML subset itself
    (:mod:`feeds.description`), so foreign HTML is flattened here: paragraphs become blank
    lines, ``<li>`` becomes ``- ``, ``<a href>`` with an http(s) target becomes
    ``[text](href)``; scripts, styles and every other tag are dropped.
    """
    if "<" not in html and "&" not in html:
        return html.strip()
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    lines = [line.strip() for line in "".join(maker.out).split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
