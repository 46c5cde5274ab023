"""The one ISO 639 table: two-letter <-> three-letter language codes and language names.

Every language code kotocast writes into media goes through here: ID3 ``TLAN`` and ``COMM``
(ISO 639-2, the bibliographic form ``ger``/``fre``/``per`` that ID3v2 tools read), MP4 track
languages (``mdhd``: ISO 639-2/T, ``deu``/``fra``/``fas``), and names for labels
(``podcast:alternateEnclosure title``, pages).

Data: every ISO 639-1 code with its ISO 639-2/T and /B codes and English name, from the
Debian ``iso-codes`` 4.15.0 package (``iso_639-2.json``, which follows the ISO 639-2
registration authority's list)'s own name (autonym) for the
languages kotocast's producers publish in and their neighbours (CLDR spelling), else None.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    """One ISO 639-1 language and its other codes and names."""

    alpha2: str  # ISO 639-1: "fi"
    alpha3: str  # ISO 639-2/T (terminology): "fin", "deu", "fas"
    alpha3_b: str  # ISO 639-2/B (bibliographic): "fin", "ger", "per"
    name: str  # English: "Finnish"
    native: str | None  # autonym: "suomi"


# (639-1, 639-2/T, 639-2/B, English name, autonym)
_TABLE: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("aa", "aar", "aar", "Afar", None),
    ("ab", "abk", "abk", "Abkhazian", None),
    ("ae", "ave", "ave", "Avestan", None),
    ("af", "afr", "afr", "Afrikaans", None),
    ("ak", "aka", "aka", "Akan", None),
    ("am", "amh", "amh", "Amharic", "አማርኛ"),
    ("an", "arg", "arg", "Aragonese", None),
    ("ar", "ara", "ara", "Arabic", "العربية"),
    ("as", "asm", "asm", "Assamese", None),
    ("av", "ava", "ava", "Avaric", None),
    ("ay", "aym", "aym", "Aymara", None),
    ("az", "aze", "aze", "Azerbaijani", "azərbaycan"),
    ("ba", "bak", "bak", "Bashkir", None),
    ("be", "bel", "bel", "Belarusian", "беларуская"),
    ("bg", "bul", "bul", "Bulgarian", "български"),
    ("bh", "bih", "bih", "Bihari languages", None),
    ("bi", "bis", "bis", "Bislama", None),
    ("bm", "bam", "bam", "Bambara", None),
    ("bn", "ben", "ben", "Bengali", "বাংলা"),
    ("bo", "bod", "tib", "Tibetan", None),
    ("br", "bre", "bre", "Breton", None),
    ("bs", "bos", "bos", "Bosnian", "bosanski"),
    ("ca", "cat", "cat", "Catalan", None),
    ("ce", "che", "che", "Chechen", None),
    ("ch", "cha", "cha", "Chamorro", None),
    ("co", "cos", "cos", "Corsican", None),
    ("cr", "cre", "cre", "Cree", None),
    ("cs", "ces", "cze", "Czech", "čeština"),
    ("cu", "chu", "chu", "Church Slavic", None),
    ("cv", "chv", "chv", "Chuvash", None),
    ("cy", "cym", "wel", "Welsh", "Cymraeg"),
    ("da", "dan", "dan", "Danish", "dansk"),
    ("de", "deu", "ger", "German", "Deutsch"),
    ("dv", "div", "div", "Divehi", None),
    ("dz", "dzo", "dzo", "Dzongkha", None),
    ("ee", "ewe", "ewe", "Ewe", None),
    ("el", "ell", "gre", "Greek, Modern (1453-)", "Ελληνικά"),
    ("en", "eng", "eng", "English", "English"),
    ("eo", "epo", "epo", "Esperanto", None),
    ("es", "spa", "spa", "Spanish", "español"),
    ("et", "est", "est", "Estonian", "eesti"),
    ("eu", "eus", "baq", "Basque", None),
    ("fa", "fas", "per", "Persian", "فارسی"),
    ("ff", "ful", "ful", "Fulah", None),
    ("fi", "fin", "fin", "Finnish", "suomi"),
    ("fj", "fij", "fij", "Fijian", None),
    ("fo", "fao", "fao", "Faroese", None),
    ("fr", "fra", "fre", "French", "français"),
    ("fy", "fry", "fry", "Western Frisian", None),
    ("ga", "gle", "gle", "Irish", "Gaeilge"),
    ("gd", "gla", "gla", "Gaelic", None),
    ("gl", "glg", "glg", "Galician", None),
    ("gn", "grn", "grn", "Guarani", None),
    ("gu", "guj", "guj", "Gujarati", None),
    ("gv", "glv", "glv", "Manx", None),
    ("ha", "hau", "hau", "Hausa", None),
    ("he", "heb", "heb", "Hebrew", "עברית"),
    ("hi", "hin", "hin", "Hindi", "हिन्दी"),
    ("ho", "hmo", "hmo", "Hiri Motu", None),
    ("hr", "hrv", "hrv", "Croatian", "hrvatski"),
    ("ht", "hat", "hat", "Haitian", None),
    ("hu", "hun", "hun", "Hungarian", "magyar"),
    ("hy", "hye", "arm", "Armenian", "հայերեն"),
    ("hz", "her", "her", "Herero", None),
    ("ia", "ina", "ina", "Interlingua (International Auxiliary Language Association)", None),
    ("id", "ind", "ind", "Indonesian", "Bahasa Indonesia"),
    ("ie", "ile", "ile", "Interlingue", None),
    ("ig", "ibo", "ibo", "Igbo", None),
    ("ii", "iii", "iii", "Sichuan Yi", None),
    ("ik", "ipk", "ipk", "Inupiaq", None),
    ("io", "ido", "ido", "Ido", None),
    ("is", "isl", "ice", "Icelandic", "íslenska"),
    ("it", "ita", "ita", "Italian", "italiano"),
    ("iu", "iku", "iku", "Inuktitut", None),
    ("ja", "jpn", "jpn", "Japanese", "日本語"),
    ("jv", "jav", "jav", "Javanese", None),
    ("ka", "kat", "geo", "Georgian", "ქართული"),
    ("kg", "kon", "kon", "Kongo", None),
    ("ki", "kik", "kik", "Kikuyu", None),
    ("kj", "kua", "kua", "Kuanyama", None),
    ("kk", "kaz", "kaz", "Kazakh", "қазақ"),
    ("kl", "kal", "kal", "Kalaallisut", None),
    ("km", "khm", "khm", "Central Khmer", "ខ្មែរ"),
    ("kn", "kan", "kan", "Kannada", None),
    ("ko", "kor", "kor", "Korean", "한국어"),
    ("kr", "kau", "kau", "Kanuri", None),
    ("ks", "kas", "kas", "Kashmiri", None),
    ("ku", "kur", "kur", "Kurdish", "kurdî"),
    ("kv", "kom", "kom", "Komi", None),
    ("kw", "cor", "cor", "Cornish", None),
    ("ky", "kir", "kir", "Kirghiz", None),
    ("la", "lat", "lat", "Latin", None),
    ("lb", "ltz", "ltz", "Luxembourgish", None),
    ("lg", "lug", "lug", "Ganda", None),
    ("li", "lim", "lim", "Limburgan", None),
    ("ln", "lin", "lin", "Lingala", None),
    ("lo", "lao", "lao", "Lao", None),
    ("lt", "lit", "lit", "Lithuanian", "lietuvių"),
    ("lu", "lub", "lub", "Luba-Katanga", None),
    ("lv", "lav", "lav", "Latvian", "latviešu"),
    ("mg", "mlg", "mlg", "Malagasy", None),
    ("mh", "mah", "mah", "Marshallese", None),
    ("mi", "mri", "mao", "Maori", None),
    ("mk", "mkd", "mac", "Macedonian", "македонски"),
    ("ml", "mal", "mal", "Malayalam", None),
    ("mn", "mon", "mon", "Mongolian", None),
    ("mr", "mar", "mar", "Marathi", None),
    ("ms", "msa", "may", "Malay", "Bahasa Melayu"),
    ("mt", "mlt", "mlt", "Maltese", None),
    ("my", "mya", "bur", "Burmese", "မြန်မာ"),
    ("na", "nau", "nau", "Nauru", None),
    ("nb", "nob", "nob", "Bokmål, Norwegian", "norsk bokmål"),
    ("nd", "nde", "nde", "Ndebele, North", None),
    ("ne", "nep", "nep", "Nepali", "नेपाली"),
    ("ng", "ndo", "ndo", "Ndonga", None),
    ("nl", "nld", "dut", "Dutch", "Nederlands"),
    ("nn", "nno", "nno", "Norwegian Nynorsk", "norsk nynorsk"),
    ("no", "nor", "nor", "Norwegian", "norsk"),
    ("nr", "nbl", "nbl", "Ndebele, South", None),
    ("nv", "nav", "nav", "Navajo", None),
    ("ny", "nya", "nya", "Chichewa", None),
    ("oc", "oci", "oci", "Occitan (post 1500)", None),
    ("oj", "oji", "oji", "Ojibwa", None),
    ("om", "orm", "orm", "Oromo", None),
    ("or", "ori", "ori", "Oriya", None),
    ("os", "oss", "oss", "Ossetian", None),
    ("pa", "pan", "pan", "Panjabi", None),
    ("pi", "pli", "pli", "Pali", None),
    ("pl", "pol", "pol", "Polish", "polski"),
    ("ps", "pus", "pus", "Pushto", "پښتو"),
    ("pt", "por", "por", "Portuguese", "português"),
    ("qu", "que", "que", "Quechua", None),
    ("rm", "roh", "roh", "Romansh", None),
    ("rn", "run", "run", "Rundi", None),
    ("ro", "ron", "rum", "Romanian", "română"),
    ("ru", "rus", "rus", "Russian", "русский"),
    ("rw", "kin", "kin", "Kinyarwanda", None),
    ("sa", "san", "san", "Sanskrit", None),
    ("sc", "srd", "srd", "Sardinian", None),
    ("sd", "snd", "snd", "Sindhi", None),
    ("se", "sme", "sme", "Northern Sami", "davvisámegiella"),
    ("sg", "sag", "sag", "Sango", None),
    ("si", "sin", "sin", "Sinhala", None),
    ("sk", "slk", "slo", "Slovak", "slovenčina"),
    ("sl", "slv", "slv", "Slovenian", "slovenščina"),
    ("sm", "smo", "smo", "Samoan", None),
    ("sn", "sna", "sna", "Shona", None),
    ("so", "som", "som", "Somali", "Soomaali"),
    ("sq", "sqi", "alb", "Albanian", "shqip"),
    ("sr", "srp", "srp", "Serbian", "српски"),
    ("ss", "ssw", "ssw", "Swati", None),
    ("st", "sot", "sot", "Sotho, Southern", None),
    ("su", "sun", "sun", "Sundanese", None),
    ("sv", "swe", "swe", "Swedish", "svenska"),
    ("sw", "swa", "swa", "Swahili", "Kiswahili"),
    ("ta", "tam", "tam", "Tamil", "தமிழ்"),
    ("te", "tel", "tel", "Telugu", None),
    ("tg", "tgk", "tgk", "Tajik", None),
    ("th", "tha", "tha", "Thai", "ไทย"),
    ("ti", "tir", "tir", "Tigrinya", "ትግርኛ"),
    ("tk", "tuk", "tuk", "Turkmen", None),
    ("tl", "tgl", "tgl", "Tagalog", "Tagalog"),
    ("tn", "tsn", "tsn", "Tswana", None),
    ("to", "ton", "ton", "Tonga (Tonga Islands)", None),
    ("tr", "tur", "tur", "Turkish", "Türkçe"),
    ("ts", "tso", "tso", "Tsonga", None),
    ("tt", "tat", "tat", "Tatar", None),
    ("tw", "twi", "twi", "Twi", None),
    ("ty", "tah", "tah", "Tahitian", None),
    ("ug", "uig", "uig", "Uighur", None),
    ("uk", "ukr", "ukr", "Ukrainian", "українська"),
    ("ur", "urd", "urd", "Urdu", "اردو"),
    ("uz", "uzb", "uzb", "Uzbek", "oʻzbek"),
    ("ve", "ven", "ven", "Venda", None),
    ("vi", "vie", "vie", "Vietnamese", "Tiếng Việt"),
    ("vo", "vol", "vol", "Volapük", None),
    ("wa", "wln", "wln", "Walloon", None),
    ("wo", "wol", "wol", "Wolof", None),
    ("xh", "xho", "xho", "Xhosa", None),
    ("yi", "yid", "yid", "Yiddish", None),
    ("yo", "yor", "yor", "Yoruba", None),
    ("za", "zha", "zha", "Zhuang", None),
    ("zh", "zho", "chi", "Chinese", "中文"),
    ("zu", "zul", "zul", "Zulu", None),
)

#: ISO 639-1 code -> Language.
LANGUAGES: dict[str, Language] = {row[0]: Language(*row) for row in _TABLE}
_BY_ALPHA3: dict[str, Language] = {}
for _language in LANGUAGES.values():
    _BY_ALPHA3[_language.alpha3] = _language
    _BY_ALPHA3.setdefault(_language.alpha3_b, _language)
del _language


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def language(tag: str | None) -> Language | None:
    """Return the language of a BCP 47 tag or ISO 639 code (``fi-FI``, ``fin``, ``ger``).

    Returns:
        The table row, or None for an empty tag or a language without an ISO 639-1 code.
    """
    if not tag:
        return None
    primary = _primary(tag)
    return LANGUAGES.get(primary) if len(primary) == 2 else _BY_ALPHA3.get(primary)


def iso639_2b(tag: str | None) -> str | None:
    """Return the ISO 639-2/B code (ID3 ``TLAN``): ``fi-FI`` -> ``fin``, ``de`` -> ``ger``.

    A three-letter code without a two-letter one (``ckb``, ``prs``) passes through unchanged;
    None when the tag is empty or an unknown two-letter code.
    """
    if not tag:
        return None
    found = language(tag)
    if found is not None:
        return found.alpha3_b
    primary = _primary(tag)
    return primary if len(primary) == 3 and primary.isalpha() else None


def iso639_2t(tag: str | None) -> str | None:
    """Return the ISO 639-2/T code (MP4 ``mdhd`` language): ``de`` -> ``deu``, ``fa`` -> ``fas``.

    A three-letter code without a two-letter one passes through; None when unknown.
    """
    if not tag:
        return None
    found = language(tag)
    if found is not None:
        return found.alpha3
    primary = _primary(tag)
    return primary if len(primary) == 3 and primary.isalpha() else None


def iso639_1(tag: str | None) -> str | None:
    """Return the two-letter code of a tag or three-letter code (``fin`` -> ``fi``), or None."""
    found = language(tag)
    return found.alpha2 if found else None


def language_name(tag: str, *, native: bool = True) -> str:
    """Return a label for a language: its own name when known (``sv`` -> ``svenska``).

    Args:
        tag: BCP 47 tag or ISO 639 code.
        native: prefer the autonym; False gives the English name.

    Returns:
        The name, or ``tag`` itself for a language not in the table.
    """
    found = language(tag)
    if found is None:
        return tag
    return (found.native or found.name) if native else found.name
