"""The XML namespaces kotocast writes and reads, defined once.

podcast-partytime and other app parsers match the literal prefixes ``itunes:`` and
``podcast:`` (REFERENCE.md), so both the URI and the prefix matter; ``validate`` checks both.
"""

from __future__ import annotations

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: RFC 5005 section 4 (archived feeds): ``<fh:archive/>`` marks an archive document.
HISTORY_NS = "http://purl.org/syndication/history/1.0"
#: The capitalised itunes URI old feeds still use, and the GitHub URL early Podcast Index
#: adopters declared: read on import, never written.
ITUNES_NS_OLD = "http://www.itunes.com/DTDs/Podcast-1.0.dtd"
PODCAST_NS_OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
