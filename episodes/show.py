"""Read and write the show's settings, ``kotocast.toml``.

The file is the producer's: readable, commented and editable by hand. kotocast reads it with
:mod:`tomllib` and edits it with :mod:`tomlkit`, which keeps the producer's comments and order.
Every problem is reported as ``kotocast.toml: <section.key>: <why>``.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import tomlkit

from .config_schema import _MISSING, CONFIG_SCHEMA, check_known_keys
from .errors import ConfigInvalid, FieldInvalid, WorkspaceNotFound
from .model import (
    MEDIUMS,
    SHOW_TYPES,
    EncodingSettings,
    LoudnessSettings,
    Person,
    Show,
)
from .persons import person_role
from .podcasting import read_podcasting
from .text import (
    DESCRIPTION_MAX_BYTES,
    canonical_language,
    check_email,
    check_timezone,
    clean_text,
    clean_title,
)
from .transcription import read_transcribe_settings

CONFIG_NAME = "kotocast.toml"


def find_workspace(start: Path) -> Path:
    """Return ``start`` if it holds ``kotocast.toml``.

    Raises:
        WorkspaceNotFound: it does not.
    """
    if not (start / CONFIG_NAME).is_file():
        raise WorkspaceNotFound(
            f"{start / CONFIG_NAME}: no show here; run 'kotocast init DIR' and cd into DIR"
        )
    return start


class _Reader:
    """Typed access to one parsed TOML table, naming ``file: section.key`` in errors."""

    def __init__(self, path: Path, section: str, table: Any) -> None:
        if not isinstance(table, Mapping):
            raise ConfigInvalid(f"{path}: {section}: must be a table")
        self.path = path
        self.section = section
        self.table = table

    def name(self, key: str) -> str:
        return f"{self.section}.{key}"

    def fail(self, key: str, why: str) -> ConfigInvalid:
        return ConfigInvalid(f"{self.path}: {self.name(key)}: {why}")

    def default(self, key: str) -> Any:
        """The declared default of ``key`` (:data:`CONFIG_SCHEMA`), or ``_MISSING``."""
        return CONFIG_SCHEMA.get(self.section, {}).get(key, _MISSING)

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.table:
            return self.table[key]
        if default is _MISSING:
            default = self.default(key)
        if default is _MISSING:
            raise self.fail(key, "is missing")
        return default

    def typed(self, key: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        if default is _MISSING:
            default = self.default(key)
        if key not in self.table and default is not _MISSING:
            return default
        value = self.raw(key)
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(key, f"must be a number, not {value!r}")
        if not isinstance(value, kind):
            want = kind.__name__ if isinstance(kind, type) else "number"
            want = {
                "str": "text",
                "bool": "true or false",
                "int": "a whole number",
                "number": "a number",
                "list": "a list",
                "dict": "a table",
            }.get(want, want)
            raise self.fail(key, f"must be {want}, not {value!r}")
        return value

    def text(self, key: str, default: Any = _MISSING, **kw: Any) -> Any:
        value = self.typed(key, str, default)
        if key not in self.table:
            return value
        return self.check(key, clean_text, value, **kw)

    def number(self, key: str, default: float) -> float:
        return float(self.typed(key, (int, float), default))

    def check(self, key: str, fn: Callable[..., Any], value: Any, **kw: Any) -> Any:
        try:
            return fn(value, self.name(key), **kw)
        except FieldInvalid as exc:
            raise self.fail(key, exc.why) from None

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.typed(key, str, default)
        if value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value


def load_show(workspace: Path) -> Show:
    """Read ``workspace/kotocast.toml`` into a :class:`Show`.

    Raises:
        WorkspaceNotFound: no ``kotocast.toml``.
        ConfigInvalid: unparsable, or a key is missing or has a wrong value (named in the message).
    """
    path = find_workspace(workspace) / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigInvalid(f"{path}: not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigInvalid(f"{path}: cannot read: {exc.strerror}") from None
    return show_from_dict(data, path)


def show_from_dict(data: Mapping[str, Any], path: Path) -> Show:
    """Build a :class:`Show` from parsed TOML, validating every key."""
    if "show" not in data:
        raise ConfigInvalid(f"{path}: [show]: is missing")
    check_known_keys(data, path)
    s = _Reader(path, "show", data["show"])
    st = _Reader(path, "storage", data.get("storage", {}))
    au = _Reader(path, "audio", data.get("audio", {}))
    fd = _Reader(path, "feed", data.get("feed", {}))

    language = s.check("language", canonical_language, s.typed("language", str))
    languages = tuple(
        s.check("languages", canonical_language, lang) for lang in s.typed("languages", list)
    )
    if len(set(languages)) != len(languages):
        raise s.fail("languages", "lists a language twice")
    feed_guids: dict[str, str] = {}
    for lang, guid in s.typed("feed_guids", dict).items():
        tag = s.check(f"feed_guids.{lang}", canonical_language, lang)
        if not isinstance(guid, str) or not guid.strip():
            raise s.fail(f"feed_guids.{lang}", "must be the feed's podcast:guid (text)")
        feed_guids[tag] = guid.strip()
    if languages and language not in languages:
        raise s.fail("languages", f"must include the main language {language!r}")
    titles = _text_map(s, "titles", clean_title)
    descriptions = _text_map(
        s,
        "descriptions",
        clean_text,
        required=False,
        multiline=True,
        max_bytes=DESCRIPTION_MAX_BYTES,
    )
    persons = tuple(_person(s, i, p) for i, p in enumerate(s.typed("persons", list, [])))
    base_url = s.typed("base_url", str, "http://localhost:8000/")
    if not base_url.startswith(("http://", "https://")):
        raise s.fail("base_url", f"must be an http(s) URL, not {base_url!r}")
    if not base_url.endswith("/"):
        base_url += "/"

    channels = au.choice("channels", ("auto", "mono", "stereo"), "auto")
    bitrate = int(au.typed("bitrate_kbps", int, 128))
    mono_bitrate = int(au.typed("mono_bitrate_kbps", int, 64))
    for key, value in (("bitrate_kbps", bitrate), ("mono_bitrate_kbps", mono_bitrate)):
        if not 32 <= value <= 320:
            raise au.fail(key, f"must be between 32 and 320, not {value}")
    rate = int(au.typed("sample_rate_hz", int, 44100))
    if rate not in (22050, 24000, 32000, 44100, 48000):
        raise au.fail("sample_rate_hz", f"must be 22050, 24000, 32000, 44100 or 48000, not {rate}")
    loudness = LoudnessSettings(
        target_lufs=au.number("target_lufs", -16.0),
        mono_target_lufs=au.number("mono_target_lufs", -19.0),
        true_peak_dbtp=au.number("true_peak_dbtp", -1.0),
    )
    for key in ("target_lufs", "mono_target_lufs"):
        if not -40 <= getattr(loudness, key) <= -5:
            raise au.fail(key, f"must be between -40 and -5 LUFS, not {getattr(loudness, key)}")
    if not -9 <= loudness.true_peak_dbtp <= 0:
        raise au.fail("true_peak_dbtp", f"must be between -9 and 0, not {loudness.true_peak_dbtp}")

    return Show(
        title=s.check("title", clean_title, s.typed("title", str)),
        author=s.text("author", max_chars=255),
        email=s.check("email", check_email, s.text("email", max_chars=255)),
        language=language,
        description=s.text(
            "description", "", required=False, multiline=True, max_bytes=DESCRIPTION_MAX_BYTES
        ),
        category=s.text("category", "Society & Culture"),
        subcategory=s.typed("subcategory", str, None) or None,
        explicit=s.typed("explicit", bool, False),
        show_type=s.choice("type", SHOW_TYPES, "episodic"),
        medium=s.choice("medium", MEDIUMS, "podcast"),
        image=s.typed("image", str, None) or None,
        link=s.typed("link", str, None) or None,
        copyright=s.typed("copyright", str, None) or None,
        base_url=base_url,
        storage=st.typed("url", str, "public"),
        endpoint_url=st.typed("endpoint_url", str, None) or None,
        podcast_guid=s.typed("podcast_guid", str, None) or None,
        locked=s.typed("locked", bool, True),
        block=fd.typed("block", bool, False),
        complete=fd.typed("complete", bool, False),
        new_feed_url=fd.typed("new_feed_url", str, None) or None,
        update_frequency=fd.typed("update_frequency", str, None) or None,
        txt=tuple(str(t) for t in fd.typed("txt", list, [])),
        pubdate_offsets=fd.typed("pubdate_offsets", bool),
        timezone=s.check("timezone", check_timezone, s.typed("timezone", str)),
        persons=persons,
        languages=languages,
        titles=titles,
        descriptions=descriptions,
        loudness=loudness,
        encoding=EncodingSettings(
            sample_rate_hz=rate,
            bitrate_kbps=bitrate,
            mono_bitrate_kbps=mono_bitrate,
            channels=channels,
        ),
        intro=au.typed("intro", str, None) or None,
        outro=au.typed("outro", str, None) or None,
        crossfade_s=au.number("crossfade_s", 1.0),
        alternate_aac=au.typed("alternate_aac", bool, False),
        speech_preset=au.typed("preset", str, "none"),
        speech=dict(au.typed("speech", dict, {})),
        feed_guids=feed_guids,
        all_languages_feed=s.typed("all_languages_feed", bool),
        page_strings=_page_strings(_Reader(path, "pages", data.get("pages", {}))),
        podcasting=read_podcasting(data, path),
        transcribe=read_transcribe_settings(data, path),
    )


def _page_strings(r: _Reader) -> dict[str, dict[str, str]]:
    """``[pages.strings.<lang>]``: the producer's wording of the pages' interface strings."""
    out: dict[str, dict[str, str]] = {}
    for lang, strings in r.typed("strings", dict).items():
        where = f"strings.{lang}"
        if not isinstance(strings, Mapping):
            raise r.fail(where, "must be a table of strings")
        for name, value in strings.items():
            if not isinstance(value, str):
                raise r.fail(f"{where}.{name}", "must be text")
        out[r.check(where, canonical_language, lang)] = dict(strings)
    return out


def _text_map(r: _Reader, key: str, fn: Callable[..., str], **kw: Any) -> dict[str, str]:
    table = r.typed(key, dict, {})
    out = {}
    for lang, text in table.items():
        tag = r.check(f"{key}.{lang}", canonical_language, lang)
        out[tag] = r.check(f"{key}.{lang}", fn, text, **kw)
    return out


def _person(r: _Reader, index: int, raw: Any) -> Person:
    p = _Reader(r.path, f"{r.section}.persons[{index}]", raw)
    # Podcast Index taxonomy (episodes/persons.py): any case, written canonically; a group
    # left out is the role's own (producer -> creative direction); unknown ones refused.
    checked = p.check(
        "role",
        lambda v, n: person_role(v, p.typed("group", str, None), field=n),
        p.text("role", "host"),
    )
    return Person(
        name=p.text("name", max_chars=128),
        role=checked.role,
        group=checked.group,
        href=p.typed("href", str, None),
        img=p.typed("img", str, None),
    )


def render_new_config(
    *,
    title: str,
    author: str,
    email: str,
    language: str,
    category: str,
    description: str = "",
    image: str | None = None,
    base_url: str,
    storage: str,
    explicit: bool,
    show_type: str,
    medium: str = "podcast",
    languages: tuple[str, ...] = (),
    subcategory: str | None = None,
    link: str | None = None,
    copyright: str | None = None,
    podcast_guid: str | None = None,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Return the text of a new, commented ``kotocast.toml``.

    ``extra`` adds keys to sections (``show``, ``feed``, ``notify``...): what ``kotocast
    import`` carries over from the old feed; every key must be in :data:`CONFIG_SCHEMA`.

    ``podcast_guid`` is given by ``kotocast import``: the moved show keeps the identity it
    had (Podcast Index namespace, guid.md: assigned once, kept when the feed moves).
    """
    doc = tomlkit.document()
    doc.add(tomlkit.comment("kotocast show settings. Edit by hand; 'kotocast status' checks it."))
    doc.add(tomlkit.comment("Reference: README.md, section 'kotocast.toml'."))
    show = tomlkit.table()
    show.add("title", title)
    show.add("description", description)
    show.add("author", author)
    show.add("email", email)
    show["email"].comment("owner address: itunes:owner and podcast:locked")
    show.add("language", language)
    if languages:
        show.add("languages", list(languages))
    show.add("category", category)
    show["category"].comment("Apple's category list, spelled exactly")
    if subcategory:
        show.add("subcategory", subcategory)
    show.add("explicit", explicit)
    show.add("type", show_type)
    show["type"].comment("episodic (newest first) or serial (in order)")
    show.add("medium", medium)
    if image:
        show.add("image", image)
    if link:
        show.add("link", link)
    if copyright:
        show.add("copyright", copyright)
    show.add("base_url", base_url)
    show["base_url"].comment("public URL where the storage root is served")
    show.add("locked", True)
    if podcast_guid:
        show.add("podcast_guid", podcast_guid)
        show["podcast_guid"].comment("kept from the imported feed: never change it")
    else:
        show.add(tomlkit.comment("podcast_guid is written at the first publish: never change it."))
    if languages:
        show.add("titles", {lang: title for lang in languages})
        show.add("descriptions", {lang: description for lang in languages})
    persons = tomlkit.aot()
    persons.append(tomlkit.item({"name": author, "role": "host"}))
    show.add("persons", persons)
    doc.add("show", show)

    st = tomlkit.table()
    st.add("url", storage)
    st["url"].comment("a folder (relative to this file) or s3://BUCKET/PREFIX")
    doc.add("storage", st)

    audio = tomlkit.table()
    audio.add("target_lufs", -16.0)
    audio.add("mono_target_lufs", -19.0)
    audio["mono_target_lufs"].comment("mono output sounds ~3 dB louder on two speakers")
    audio.add("true_peak_dbtp", -1.0)
    audio.add("channels", "auto")
    audio["channels"].comment("auto (mono stays mono), mono or stereo")
    audio.add("bitrate_kbps", 128)
    audio.add("mono_bitrate_kbps", 64)
    audio.add("sample_rate_hz", 44100)
    audio.add(tomlkit.comment('intro = "jingles/intro.wav"   # joined with a crossfade'))
    audio.add(tomlkit.comment('outro = "jingles/outro.wav"'))
    audio.add("crossfade_s", 1.0)
    audio.add("preset", "interview")
    audio["preset"].comment("speech chain: interview (hum, noise, leveler, expander) or none")
    doc.add("audio", audio)
    for section, values in (extra or {}).items():
        if not values:
            continue
        if section not in doc:
            doc.add(section, tomlkit.table())
        table = doc[section]
        for key, value in values.items():
            if key not in CONFIG_SCHEMA.get(section, {}):
                raise ConfigInvalid(f"{section}.{key}: not a kotocast.toml key")
            table[key] = value  # type: ignore[index]
    return tomlkit.dumps(doc)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and ``os.replace``.

    A file that exists keeps its permissions (a group-writable ``kotocast.toml`` in a shared
    show folder stays group-writable); a new one is readable by its owner only (``0o600``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_feed_guids(workspace: Path, guids: Mapping[str, str]) -> None:
    """Store feeds' ``podcast:guid`` at their first publish, keeping the producer's comments.

    Args:
        guids: language -> guid of ``feeds/<lang>.xml``; the key ``*`` is ``feed.xml``
            (``show.podcast_guid``).

    Raises:
        ConfigInvalid: the file already holds a different guid for a feed (it never changes).
    """
    path = workspace / CONFIG_NAME
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    show = doc["show"]
    changed = False
    for lang, guid in sorted(guids.items()):
        if lang == "*":
            current = show.get("podcast_guid")  # type: ignore[union-attr]
            if current == guid:
                continue
            if current:
                raise ConfigInvalid(
                    f"{path}: show.podcast_guid: already {current}; it never changes"
                )
            show["podcast_guid"] = guid  # type: ignore[index]
            changed = True
            continue
        table = show.get("feed_guids")  # type: ignore[union-attr]
        if table is None:
            table = tomlkit.table()
            show["feed_guids"] = table  # type: ignore[index]
        current = table.get(lang)
        if current == guid:
            continue
        if current:
            raise ConfigInvalid(
                f"{path}: show.feed_guids.{lang}: already {current}; it never changes"
            )
        table[lang] = guid
        changed = True
    if changed:
        write_text_atomic(path, tomlkit.dumps(doc))
