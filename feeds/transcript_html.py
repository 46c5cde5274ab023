"""Render the accessible HTML text version of an episode from its transcript cues.

WCAG 2.1 success criterion 1.2.1 (Finland's Act on the Provision of Digital Services, 306/2019)
asks for a text alternative to pre-recorded audio: one page with the episode's title, date,
persons and the full text in paragraphs, each opening with a link to that moment of the media
(a Media Fragments ``#t=SECONDS`` URL) and an anchor of its own. ``lang`` and ``dir`` come from
the transcript's language (Arabic and Persian pages are right to left); labels in a language we
have no strings for fall back to English and are marked ``lang="en"``. Like the series pages the
page has no script and a Content-Security-Policy forbidding them, and every producer-written or
recognised string is escaped by Jinja2's autoescape.

The cues are plain data (anything with ``start_s``, ``end_s``, ``text`` and ``speaker``), so
this module needs nothing from ``media``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from episodes.model import Person
from feeds.strings import text_direction

# A paragraph ends at a change of speaker, after a pause this long, or once it is this long
# and a sentence ends.
_PARAGRAPH_PAUSE_S = 2.0
_PARAGRAPH_CHARS = 400
_SENTENCE_END = (".", "!", "?", "…", "؟", "。")

TRANSCRIPT_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "transcript": "Transcript",
        "published": "Published",
        "people": "People",
        "listen": "Listen to the episode",
        "machine_draft": "This transcript was made by speech recognition and has not been "
        "checked by a person yet. It may contain errors.",
    },
    "fi": {
        "skip": "Siirry sisältöön",
        "transcript": "Tekstivastine",
        "published": "Julkaistu",
        "people": "Henkilöt",
        "listen": "Kuuntele jakso",
        "machine_draft": "Tämä teksti on tehty puheentunnistuksella, eikä ihminen ole vielä "
        "tarkistanut sitä. Siinä voi olla virheitä.",
    },
    "sv": {
        "skip": "Hoppa till innehållet",
        "transcript": "Textversion",
        "published": "Publicerad",
        "people": "Medverkande",
        "listen": "Lyssna på avsnittet",
        "machine_draft": "Texten är gjord med taligenkänning och har ännu inte granskats av "
        "en människa. Den kan innehålla fel.",
    },
    "ar": {
        "skip": "انتقل إلى المحتوى",
        "transcript": "النص المكتوب",
        "published": "تاريخ النشر",
        "people": "المشاركون",
        "listen": "استمع إلى الحلقة",
        "machine_draft": "أُعدّ هذا النص بالتعرّف الآلي على الكلام ولم يراجعه أحد بعد. "
        "قد يحتوي على أخطاء.",
    },
    "so": {
        "skip": "U gudub nuxurka",
        "transcript": "Qoraalka",
        "published": "La daabacay",
        "people": "Dadka",
        "listen": "Dhegeyso qaybta",
        "machine_draft": "Qoraalkan waxaa sameeyay aqoonsiga codka, qofna weli ma hubin. "
        "Waxaa ku jiri kara khaladaad.",
    },
    "fa": {
        "skip": "رفتن به محتوا",
        "transcript": "متن گفتار",
        "published": "تاریخ انتشار",
        "people": "افراد",
        "listen": "گوش دادن به قسمت",
        "machine_draft": "این متن با تشخیص خودکار گفتار تهیه شده و هنوز کسی آن را بررسی "
        "نکرده است. ممکن است خطا داشته باشد.",
    },
    "ru": {
        "skip": "Перейти к содержанию",
        "transcript": "Текстовая версия",
        "published": "Опубликовано",
        "people": "Участники",
        "listen": "Слушать выпуск",
        "machine_draft": "Этот текст создан распознаванием речи и ещё не проверен человеком. "
        "В нём могут быть ошибки.",
    },
    "uk": {
        "skip": "Перейти до змісту",
        "transcript": "Текстова версія",
        "published": "Опубліковано",
        "people": "Учасники",
        "listen": "Слухати випуск",
        "machine_draft": "Цей текст створено розпізнаванням мовлення, і його ще не перевірила "
        "людина. У ньому можуть бути помилки.",
    },
}
# Dari pages use the Persian strings.
TRANSCRIPT_STRINGS["prs"] = TRANSCRIPT_STRINGS["fa"]
_DAY_FIRST = {"fi", "sv", "ru", "uk", "so"}


class CueLike(Protocol):
    """What a cue must offer (``media.cues.Cue`` does)."""

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...

    @property
    def text(self) -> str: ...

    @property
    def speaker(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """The episode facts shown around the text."""

    show_title: str
    title: str
    language: str
    published: datetime | None = None
    persons: tuple[Person, ...] = ()
    media_url: str | None = None
    show_url: str | None = None
    canonical: str | None = None
    machine_draft: bool = False


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of the text version."""

    start_s: float
    speaker: str | None
    text: str

    @property
    def anchor(self) -> str:
        return f"t{int(self.start_s)}"

    @property
    def clock(self) -> str:
        total = int(self.start_s)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"

    @property
    def duration(self) -> str:
        """The start as an HTML ``<time>`` duration (``PT1M23S``)."""
        total = int(self.start_s)
        return f"PT{total // 3600}H{total % 3600 // 60}M{total % 60}S"


def paragraphs(cues: Sequence[CueLike]) -> tuple[Paragraph, ...]:
    """Group cues into paragraphs: by speaker, at long pauses, and at sentence ends."""
    out: list[Paragraph] = []
    texts: list[str] = []
    start, speaker, last_end = 0.0, None, 0.0
    for cue in cues:
        text = " ".join(cue.text.split())
        if not text:
            continue
        joined = " ".join(texts)
        if texts and (
            cue.speaker != speaker
            or cue.start_s - last_end >= _PARAGRAPH_PAUSE_S
            or (len(joined) >= _PARAGRAPH_CHARS and joined.endswith(_SENTENCE_END))
        ):
            out.append(Paragraph(start, speaker, joined))
            texts = []
        if not texts:
            start, speaker = cue.start_s, cue.speaker
        texts.append(text)
        last_end = cue.end_s
    if texts:
        out.append(Paragraph(start, speaker, " ".join(texts)))
    return tuple(out)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_ENV = _environment()


def _strings(language: str) -> tuple[dict[str, str], bool]:
    primary = language.split("-")[0].lower()
    table = TRANSCRIPT_STRINGS.get(language) or TRANSCRIPT_STRINGS.get(primary)
    return (table, False) if table else (TRANSCRIPT_STRINGS["en"], primary != "en")


def _date(when: datetime, language: str) -> dict[str, str]:
    day = when.date()
    if language.split("-")[0] in _DAY_FIRST:
        shown = f"{day.day}.{day.month}.{day.year}"
    else:
        shown = day.isoformat()
    return {"iso": day.isoformat(), "shown": shown}


def render_transcript_html(page: TranscriptPage, cues: Sequence[CueLike]) -> str:
    """Return the HTML text version of one episode in one language.

    Args:
        page: Title, date, persons and links of the episode.
        cues: The transcript's cues in time order.

    Returns:
        A complete HTML document (UTF-8 text).
    """
    strings, fallback = _strings(page.language)
    ui = Markup(' lang="en" dir="ltr"') if fallback else Markup("")
    items = []
    seen: set[str] = set()
    for p in paragraphs(cues):
        anchor = p.anchor
        while anchor in seen:  # two paragraphs in the same second
            anchor += "b"
        seen.add(anchor)
        items.append(
            {
                "anchor": anchor,
                "clock": p.clock,
                "duration": p.duration,
                "speaker": p.speaker,
                "text": p.text,
                "href": f"{page.media_url}#t={int(p.start_s)}" if page.media_url else f"#{anchor}",
            }
        )
    template = _ENV.get_template("transcript.html.j2")
    return template.render(
        page=page,
        lang=page.language,
        dir=text_direction(page.language),
        s=strings,
        ui=ui,
        published=_date(page.published, page.language) if page.published else None,
        paragraphs=items,
    )
