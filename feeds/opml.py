"""Render ``feeds.opml``: every language feed of a series, for podcast apps to import at once.

OPML 2.0 (opml.org/spec2): one ``outline type="rss"`` per feed with ``text``, ``title``,
``xmlUrl``, ``htmlUrl`` and ``language``. Built with ElementTree, so every attribute is
escaped; output is deterministic (no dateCreated from the clock).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from episodes.model import Show
from feeds.description import xml_text
from feeds.pages import SiteLinks
from feeds.strings import language_name


def render_opml(show: Show, links: SiteLinks) -> bytes:
    """Return the OPML 2.0 document listing the series' language feeds (UTF-8 bytes)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = xml_text(show.title)
    ET.SubElement(head, "ownerName").text = xml_text(show.author)
    body = ET.SubElement(root, "body")
    for lang, feed_url in links.feeds.items():
        title = xml_text(f"{show.titles.get(lang, show.title)} ({language_name(lang)})")
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=title,
            title=title,
            xmlUrl=feed_url,
            htmlUrl=links.pages[lang],
            language=lang,
        )
    ET.indent(root)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="utf-8").removeprefix(
            b"<?xml version='1.0' encoding='utf-8'?>\n"
        )
        + b"\n"
    )
