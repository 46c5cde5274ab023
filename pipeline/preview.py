"""``kotocast preview``: the feeds and pages as they would be at some time, touching nothing.

The safe way to "see what it will look like": the catalog is rendered at ``at`` exactly as
``publish`` would render it, into a folder outside storage, with the media of every episode
that would be listed beside it. Storage, the live feed and the publish state are never read
or written, so a preview can never release an episode early or block the scheduled job.
With ``base_url`` (``--serve``) every link points at the local preview server, so enclosures
play from this machine.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from pathlib import Path

from episodes.catalog import load_episodes
from episodes.show import load_show

from .confine import CatalogFile
from .publish import media_objects, show_artwork, validate_site
from .site import RenderedSite, render_site
from .sync import PublishObject

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Preview:
    """What :func:`render_preview` wrote."""

    folder: Path
    at: datetime
    episodes: tuple[str, ...]  # slugs in the feed at ``at``
    files: tuple[str, ...]  # keys written under ``folder``
    problems: tuple[str, ...]  # what ``publish`` would refuse

    def summary(self) -> str:
        """Return the lines ``kotocast preview`` prints."""
        listed = ", ".join(self.episodes) or "none"
        lines = [
            f"preview at {self.at.isoformat()}: {len(self.episodes)} episodes ({listed}); "
            f"{len(self.files)} files in {self.folder}"
        ]
        lines += [f"publish would refuse: {p}" for p in self.problems]
        return "\n".join(lines)


def _place(workspace: Path, folder: Path, obj: PublishObject) -> None:
    """Put one media object under its key: a hard link when possible, else a copy."""
    target = folder / obj.key
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return
    if isinstance(obj.source, CatalogFile):
        obj.source.check()  # a regular file inside the workspace, at the catalog's size
        source = workspace / obj.source.relative
    else:
        source = workspace / obj.key
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _index_html(site: RenderedSite) -> str:
    """A plain page for ``/`` of a preview: the feeds, and each listed episode playable."""
    base = site.show.base_url
    items = []
    for episode in site.released:
        for v in episode.variants:
            audio = (
                f'<audio controls preload="none" src="{escape(base + v.media.key)}"></audio>'
                if v.media
                else ""
            )
            when = v.publish_at.isoformat() if v.publish_at else ""
            items.append(
                f'<li lang="{escape(v.language)}"><strong>{escape(v.title)}</strong> '
                f"<small>{escape(episode.slug)} · {escape(when)}</small><br>{audio}</li>"
            )
    feeds = "".join(
        f'<li><a href="{escape(url)}">{escape(key)}</a></li>' for key, url in site.feed_urls.items()
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(site.show.title)} (preview)</title></head><body>"
        f"<h1>{escape(site.show.title)}</h1><p>Preview: nothing here is published.</p>"
        f"<h2>Feeds</h2><ul>{feeds}</ul><h2>Episodes</h2><ul>{''.join(items)}</ul>"
        "</body></html>\n"
    )


def render_preview(
    workspace: Path, folder: Path, *, at: datetime, base_url: str | None = None
) -> Preview:
    """Render the show at ``at`` into ``folder`` (created; must be outside the workspace).

    Args:
        workspace: The show.
        folder: Where the feeds, pages and media go.
        at: The moment to render (an aware datetime).
        base_url: Replaces the show's ``base_url`` in every link (a local server's URL).

    Raises:
        CatalogError: broken settings or episode files.
        FieldInvalid: ``folder`` is inside the workspace.
    """
    from episodes.errors import FieldInvalid

    workspace, folder = Path(workspace).resolve(), Path(folder).resolve()
    if folder == workspace or workspace in folder.parents:
        raise FieldInvalid("--output", f"{folder} is inside the show; give a folder outside it")
    show = load_show(workspace)
    if base_url is not None:
        show = replace(show, base_url=base_url if base_url.endswith("/") else base_url + "/")
    episodes = load_episodes(workspace, languages=show.all_languages)
    artwork = show_artwork(workspace, show, cache=False)
    site = render_site(show, episodes, now=at, artwork=artwork)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for key, body in {**site.feeds, **site.documents}.items():
        target = folder / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(key)
    artwork_obj = None
    if artwork is not None and not (workspace / artwork.path).is_file():
        # Not cached yet (never published): write the converted bytes, outside the workspace.
        from media.artwork import prepare_artwork

        assert show.image is not None
        (folder / artwork.key).parent.mkdir(parents=True, exist_ok=True)
        (folder / artwork.key).write_bytes(prepare_artwork(workspace / show.image).data)
        written.append(artwork.key)
    else:
        artwork_obj = artwork
    for obj in media_objects(workspace, site.released, artwork_obj, per_language=show.per_language):
        _place(workspace, folder, obj)
        written.append(obj.key)
    if "index.html" not in written:
        (folder / "index.html").write_text(_index_html(site), encoding="utf-8")
        written.append("index.html")
    problems = tuple(validate_site(site, now=at))
    log.info("preview at %s in %s: %d files", at.isoformat(), folder, len(written))
    return Preview(
        folder=folder,
        at=at,
        episodes=tuple(e.slug for e in site.released),
        files=tuple(sorted(set(written))),
        problems=problems,
    )
