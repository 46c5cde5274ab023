"""Create a show workspace and make deliberate catalog changes (withdrawing an episode)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

from episodes.catalog import ensure_folder, load_episode, save_episode
from episodes.errors import ConfigInvalid, FieldInvalid
from episodes.model import Episode
from episodes.show import CONFIG_NAME, load_show, render_new_config, write_text_atomic
from episodes.text import (
    canonical_language,
    check_email,
    clean_description,
    clean_text,
    clean_title,
)
from feeds.categories import APPLE_CATEGORIES
from media.artwork import prepare_artwork

from .confine import check_storage_folder
from .lock import LOCK_FILE


@dataclass(frozen=True, slots=True)
class InitRequest:
    """The options of ``kotocast init`` as typed."""

    title: str
    author: str
    email: str
    language: str
    description: str = ""
    category: str = "Society & Culture"
    image: Path | None = None
    base_url: str = "http://localhost:8000/"
    storage: str = "public"
    explicit: bool = False
    show_type: str = "episodic"
    medium: str = "podcast"
    languages: str = ""


def init_workspace(directory: Path, request: InitRequest) -> Path:
    """Write ``directory/kotocast.toml`` and ``directory/episodes/``; return the config path.

    Raises:
        ConfigInvalid: the directory already holds a show.
        FieldInvalid / MediaError: a bad option or artwork.
    """
    config = directory / CONFIG_NAME
    if config.exists():
        raise ConfigInvalid(f"{config}: a show already exists here")
    language = canonical_language(request.language, "--language")
    languages = tuple(
        canonical_language(lang.strip(), "--languages")
        for lang in request.languages.split(",")
        if lang.strip()
    )
    if languages and language not in languages:
        languages = (language, *languages)
    if request.medium == "video" and not languages:
        languages = (language,)
    check_email(request.email, "--email")
    check_category(request.category, "--category")
    if not request.storage.startswith("s3://"):
        check_storage_folder(request.storage, workspace=directory, field="--storage")
    if not request.base_url.startswith(("http://", "https://")):
        raise FieldInvalid("--base-url", f"{request.base_url!r} is not an http(s) URL")
    base_url = request.base_url if request.base_url.endswith("/") else request.base_url + "/"
    image_name = None
    artwork = None
    if request.image is not None:
        artwork = prepare_artwork(request.image)
        image_name = f"cover.{artwork.extension}"
    text = render_new_config(
        title=clean_title(request.title, "--title"),
        author=clean_text(request.author, "--author", max_chars=255),
        email=clean_text(request.email, "--email", max_chars=255),
        language=language,
        languages=languages,
        category=clean_text(request.category, "--category"),
        description=clean_description(request.description),
        image=image_name,
        base_url=base_url,
        storage=request.storage,
        explicit=request.explicit,
        show_type=request.show_type,
        medium=request.medium,
    )
    directory.mkdir(parents=True, exist_ok=True)
    if artwork is not None and image_name is not None:
        (directory / image_name).write_bytes(artwork.data)
    return write_new_config(directory, text)


def write_new_config(directory: Path, text: str) -> Path:
    """Write a new ``kotocast.toml`` and ``episodes/``, keeping the file only if it loads.

    Reading it back with the same checks every command uses means a show that ``init`` or
    ``import`` accepts is one ``publish`` accepts.
    """
    config = directory / CONFIG_NAME
    write_text_atomic(config, text)
    try:
        load_show(directory)
    except Exception:
        config.unlink(missing_ok=True)
        raise
    ensure_folder(directory)
    # The catalog lock's file exists from the start, so taking the lock changes no file.
    lock = directory / LOCK_FILE
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.touch(exist_ok=True)
    return config


def check_category(value: str, field: str) -> str:
    """Return ``value`` if it is one of Apple's categories, spelled exactly.

    Raises:
        FieldInvalid: not on Apple's list (the nearest spelling is suggested).
    """
    if value in APPLE_CATEGORIES:
        return value
    close = difflib.get_close_matches(value, list(APPLE_CATEGORIES), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise FieldInvalid(field, f"{value!r} is not one of Apple's podcast categories{hint}")


def withdraw_episode(workspace: Path, slug: str) -> Episode:
    """Mark an episode withdrawn so the next publish drops it from the feed on purpose."""
    load_show(workspace)
    episode = replace(load_episode(workspace, slug), withdrawn=True)
    save_episode(workspace, episode)
    return episode
