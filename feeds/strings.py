"""UI strings of the series pages, per language, and language facts (names, direction).

Translated for the languages integration projects publish in: Finnish, Swedish, English, Arabic,
Somali, Persian/Dari, Russian and Ukrainian. A language without a table falls back to English;
producers override single strings under ``[pages.strings.<lang>]`` in ``kotocast.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping

# Every key must exist in every table (a test checks it).
UI_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "languages_nav": "Languages",
        "choose_language": "Choose your language",
        "subscribe_heading": "Subscribe",
        "subscribe_intro": "Follow this series in your podcast app: new videos arrive "
        "automatically.",
        "feed_url_label": "Feed address (RSS)",
        "open_in_app": "Open in a podcast app",
        "opml": "All languages as an OPML file (import into a podcast app)",
        "episodes_heading": "Videos",
        "no_episodes": "No videos in this language yet.",
        "published": "Published",
        "duration": "Length",
        "download": "Download the video (MP4)",
        "video_fallback": "Your browser cannot play this video. You can download it:",
        "also_in": "Also in:",
        "index_json": "Machine-readable index (JSON)",
        "captions": "Captions",
        "videos_count": "Videos",
    },
    "fi": {
        "skip": "Siirry sisältöön",
        "languages_nav": "Kielet",
        "choose_language": "Valitse kieli",
        "subscribe_heading": "Tilaa",
        "subscribe_intro": "Seuraa sarjaa podcast-sovelluksessa: uudet videot tulevat "
        "automaattisesti.",
        "feed_url_label": "Syötteen osoite (RSS)",
        "open_in_app": "Avaa podcast-sovelluksessa",
        "opml": "Kaikki kielet OPML-tiedostona (tuo podcast-sovellukseen)",
        "episodes_heading": "Videot",
        "no_episodes": "Tällä kielellä ei ole vielä videoita.",
        "published": "Julkaistu",
        "duration": "Kesto",
        "download": "Lataa video (MP4)",
        "video_fallback": "Selaimesi ei voi toistaa videota. Voit ladata sen:",
        "also_in": "Myös kielillä:",
        "index_json": "Koneluettava hakemisto (JSON)",
        "captions": "Tekstitys",
        "videos_count": "Videoita",
    },
    "sv": {
        "skip": "Hoppa till innehållet",
        "languages_nav": "Språk",
        "choose_language": "Välj språk",
        "subscribe_heading": "Prenumerera",
        "subscribe_intro": "Följ serien i din poddapp: nya videor kommer automatiskt.",
        "feed_url_label": "Flödets adress (RSS)",
        "open_in_app": "Öppna i en poddapp",
        "opml": "Alla språk som OPML-fil (importera i en poddapp)",
        "episodes_heading": "Videor",
        "no_episodes": "Det finns inga videor på det här språket ännu.",
        "published": "Publicerad",
        "duration": "Längd",
        "download": "Ladda ner videon (MP4)",
        "video_fallback": "Din webbläsare kan inte spela upp videon. Du kan ladda ner den:",
        "also_in": "Finns också på:",
        "index_json": "Maskinläsbart register (JSON)",
        "captions": "Undertexter",
        "videos_count": "Videor",
    },
    "ar": {
        "skip": "انتقل إلى المحتوى",
        "languages_nav": "اللغات",
        "choose_language": "اختر لغتك",
        "subscribe_heading": "اشترك",
        "subscribe_intro": "تابع هذه السلسلة في تطبيق البودكاست: تصلك الفيديوهات الجديدة تلقائيًا.",
        "feed_url_label": "عنوان الخلاصة (RSS)",
        "open_in_app": "افتح في تطبيق بودكاست",
        "opml": "جميع اللغات في ملف OPML (للاستيراد في تطبيق بودكاست)",
        "episodes_heading": "الفيديوهات",
        "no_episodes": "لا توجد فيديوهات بهذه اللغة بعد.",
        "published": "تاريخ النشر",
        "duration": "المدة",
        "download": "تنزيل الفيديو (MP4)",
        "video_fallback": "لا يستطيع متصفحك تشغيل هذا الفيديو. يمكنك تنزيله:",
        "also_in": "متوفر أيضًا باللغات:",
        "index_json": "فهرس قابل للقراءة آليًا (JSON)",
        "captions": "ترجمة نصية",
        "videos_count": "الفيديوهات",
    },
    "so": {
        "skip": "U gudub nuxurka",
        "languages_nav": "Luqadaha",
        "choose_language": "Dooro luqaddaada",
        "subscribe_heading": "Iska diiwaangeli",
        "subscribe_intro": "Ku raac taxanahan barnaamijkaaga podcast-ka: muuqaallada cusub si "
        "toos ah ayay kuu soo gaarayaan.",
        "feed_url_label": "Cinwaanka quudinta (RSS)",
        "open_in_app": "Ka fur barnaamijka podcast-ka",
        "opml": "Dhammaan luqadaha oo fayl OPML ah (ku soo dhoofi barnaamijka podcast-ka)",
        "episodes_heading": "Muuqaallo",
        "no_episodes": "Weli muuqaal kuma jiro luqaddan.",
        "published": "La daabacay",
        "duration": "Dhererka",
        "download": "Soo deji muuqaalka (MP4)",
        "video_fallback": "Browser-kaagu ma daari karo muuqaalkan. Waad soo dejisan kartaa:",
        "also_in": "Sidoo kale luqadahan:",
        "index_json": "Tusmo mashiinku akhriyi karo (JSON)",
        "captions": "Qoraal hoosaad",
        "videos_count": "Muuqaallo",
    },
    "fa": {
        "skip": "رفتن به محتوا",
        "languages_nav": "زبان‌ها",
        "choose_language": "زبان خود را انتخاب کنید",
        "subscribe_heading": "مشترک شوید",
        "subscribe_intro": "این مجموعه را در برنامهٔ پادکست خود دنبال کنید: ویدیوهای تازه "
        "خودکار می‌رسند.",
        "feed_url_label": "نشانی فید (RSS)",
        "open_in_app": "باز کردن در برنامهٔ پادکست",
        "opml": "همهٔ زبان‌ها در یک فایل OPML (برای وارد کردن در برنامهٔ پادکست)",
        "episodes_heading": "ویدیوها",
        "no_episodes": "هنوز ویدیویی به این زبان نیست.",
        "published": "تاریخ نشر",
        "duration": "مدت",
        "download": "دانلود ویدیو (MP4)",
        "video_fallback": "مرورگر شما نمی‌تواند این ویدیو را پخش کند. می‌توانید آن را دانلود کنید:",
        "also_in": "به این زبان‌ها هم هست:",
        "index_json": "فهرست ماشین‌خوان (JSON)",
        "captions": "زیرنویس",
        "videos_count": "ویدیوها",
    },
    "ru": {
        "skip": "Перейти к содержанию",
        "languages_nav": "Языки",
        "choose_language": "Выберите язык",
        "subscribe_heading": "Подписаться",
        "subscribe_intro": "Следите за серией в приложении для подкастов: новые видео будут "
        "приходить автоматически.",
        "feed_url_label": "Адрес ленты (RSS)",
        "open_in_app": "Открыть в приложении для подкастов",
        "opml": "Все языки в файле OPML (для импорта в приложение для подкастов)",
        "episodes_heading": "Видео",
        "no_episodes": "На этом языке пока нет видео.",
        "published": "Опубликовано",
        "duration": "Длительность",
        "download": "Скачать видео (MP4)",
        "video_fallback": "Ваш браузер не может воспроизвести это видео. Его можно скачать:",
        "also_in": "Также на языках:",
        "index_json": "Машиночитаемый каталог (JSON)",
        "captions": "Субтитры",
        "videos_count": "Видео",
    },
    "uk": {
        "skip": "Перейти до вмісту",
        "languages_nav": "Мови",
        "choose_language": "Оберіть мову",
        "subscribe_heading": "Підписатися",
        "subscribe_intro": "Стежте за серією в застосунку для подкастів: нові відео "
        "надходитимуть автоматично.",
        "feed_url_label": "Адреса стрічки (RSS)",
        "open_in_app": "Відкрити в застосунку для подкастів",
        "opml": "Усі мови у файлі OPML (для імпорту в застосунок для подкастів)",
        "episodes_heading": "Відео",
        "no_episodes": "Цією мовою ще немає відео.",
        "published": "Опубліковано",
        "duration": "Тривалість",
        "download": "Завантажити відео (MP4)",
        "video_fallback": "Ваш браузер не може відтворити це відео. Його можна завантажити:",
        "also_in": "Також мовами:",
        "index_json": "Машинозчитуваний каталог (JSON)",
        "captions": "Субтитри",
        "videos_count": "Відео",
    },
}

# Each language's name in itself (endonym), shown in language menus.
LANGUAGE_NAMES: dict[str, str] = {
    "fi": "suomi",
    "sv": "svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "fa": "فارسی",
    "fa-AF": "دری",
    "prs": "دری",
    "ru": "русский",
    "uk": "українська",
    "et": "eesti",
    "de": "Deutsch",
    "fr": "français",
    "es": "español",
    "tr": "Türkçe",
    "ku": "Kurdî",
    "ckb": "کوردی",
    "ti": "ትግርኛ",
    "am": "አማርኛ",
    "ps": "پښتو",
    "ur": "اردو",
    "se": "davvisámegiella",
    "zh": "中文",
    "vi": "Tiếng Việt",
    "th": "ไทย",
}

# Primary subtags written right to left (and scripts that are): CLDR character order.
RTL_LANGUAGES = frozenset(
    {"ar", "fa", "prs", "he", "ur", "ps", "ckb", "yi", "dv", "sd", "ug", "syr", "arc", "ks"}
)
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg"})


def text_direction(language: str) -> str:
    """Return ``"rtl"`` or ``"ltr"`` for a BCP 47 tag (script subtag wins: ``ku-Arab``)."""
    parts = language.split("-")
    scripts = [p for p in parts[1:] if len(p) == 4 and p.isalpha()]
    if scripts:
        return "rtl" if scripts[0].title() in RTL_SCRIPTS else "ltr"
    return "rtl" if parts[0].lower() in RTL_LANGUAGES else "ltr"


def language_name(language: str) -> str:
    """Return the language's own name, or the tag itself when unknown."""
    return LANGUAGE_NAMES.get(language) or LANGUAGE_NAMES.get(language.split("-")[0]) or language


# The same pages for an audio show: the strings that speak of videos, said of episodes.
AUDIO_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "subscribe_intro": "Follow the podcast in a podcast app: new episodes arrive "
        "automatically.",
        "episodes_heading": "Episodes",
        "no_episodes": "No episodes in this language yet.",
        "download": "Download the episode (MP3)",
        "video_fallback": "Your browser cannot play this recording. You can download it:",
        "videos_count": "Episodes",
    },
    "fi": {
        "subscribe_intro": "Seuraa podcastia podcast-sovelluksessa: uudet jaksot tulevat "
        "automaattisesti.",
        "episodes_heading": "Jaksot",
        "no_episodes": "Tällä kielellä ei ole vielä jaksoja.",
        "download": "Lataa jakso (MP3)",
        "video_fallback": "Selaimesi ei voi toistaa tallennetta. Voit ladata sen:",
        "videos_count": "Jaksot",
    },
    "sv": {
        "subscribe_intro": "Följ podden i en poddapp: nya avsnitt kommer automatiskt.",
        "episodes_heading": "Avsnitt",
        "no_episodes": "Inga avsnitt på det här språket ännu.",
        "download": "Ladda ner avsnittet (MP3)",
        "video_fallback": "Din webbläsare kan inte spela upp inspelningen. Du kan ladda ner den:",
        "videos_count": "Avsnitt",
    },
    "ar": {
        "subscribe_intro": "تابع البودكاست في تطبيق بودكاست: تصل الحلقات الجديدة تلقائيًا.",
        "episodes_heading": "الحلقات",
        "no_episodes": "لا توجد حلقات بهذه اللغة بعد.",
        "download": "تنزيل الحلقة (MP3)",
        "video_fallback": "لا يستطيع متصفحك تشغيل هذا التسجيل. يمكنك تنزيله:",
        "videos_count": "الحلقات",
    },
    "so": {
        "subscribe_intro": "La soco podcast-ka app-ka podcast-ka: qaybaha cusub si toos ah "
        "ayay u imanayaan.",
        "episodes_heading": "Qaybaha",
        "no_episodes": "Weli qaybo kuma jiraan luqaddan.",
        "download": "Soo deji qaybta (MP3)",
        "video_fallback": "Browser-kaagu ma daari karo duubistan. Waad soo dejisan kartaa:",
        "videos_count": "Qaybaha",
    },
    "fa": {
        "subscribe_intro": "پادکست را در یک برنامهٔ پادکست دنبال کنید: قسمت‌های تازه خودکار می‌رسند.",
        "episodes_heading": "قسمت‌ها",
        "no_episodes": "هنوز قسمتی به این زبان نیست.",
        "download": "دانلود قسمت (MP3)",
        "video_fallback": "مرورگر شما نمی‌تواند این فایل را پخش کند. می‌توانید آن را دانلود کنید:",
        "videos_count": "قسمت‌ها",
    },
    "ru": {
        "subscribe_intro": "Подпишитесь на подкаст в приложении для подкастов: новые выпуски "
        "придут автоматически.",
        "episodes_heading": "Выпуски",
        "no_episodes": "На этом языке выпусков пока нет.",
        "download": "Скачать выпуск (MP3)",
        "video_fallback": "Ваш браузер не может воспроизвести эту запись. Вы можете скачать её:",
        "videos_count": "Выпуски",
    },
    "uk": {
        "subscribe_intro": "Підпишіться на подкаст у застосунку для подкастів: нові випуски "
        "надходитимуть автоматично.",
        "episodes_heading": "Випуски",
        "no_episodes": "Цією мовою випусків ще немає.",
        "download": "Завантажити випуск (MP3)",
        "video_fallback": "Ваш браузер не може відтворити цей запис. Ви можете завантажити його:",
        "videos_count": "Випуски",
    },
}

# The link to an episode's accessible HTML text version (transcript).
TEXT_VERSION_STRINGS = {
    "en": "Text version",
    "fi": "Tekstiversio",
    "sv": "Textversion",
    "ar": "النسخة النصية",
    "so": "Nuqulka qoraalka",
    "fa": "نسخهٔ متنی",
    "ru": "Текстовая версия",
    "uk": "Текстова версія",
}
for _lang, _text in TEXT_VERSION_STRINGS.items():
    UI_STRINGS[_lang]["text_version"] = _text


def ui_strings(
    language: str,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    *,
    audio: bool = False,
) -> dict[str, str]:
    """Return the page strings for ``language``: producer overrides, then ours, then English.

    Args:
        audio: the show's media are audio (episodes, not videos).
    """
    base = dict(UI_STRINGS["en"])
    base.update(UI_STRINGS.get(language.split("-")[0], {}))
    base.update(UI_STRINGS.get(language, {}))
    if audio:
        base.update(AUDIO_STRINGS["en"])
        base.update(AUDIO_STRINGS.get(language.split("-")[0], {}))
    if overrides:
        base.update(overrides.get(language.split("-")[0], {}))
        base.update(overrides.get(language, {}))
    return base
