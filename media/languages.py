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


# (639-1, 639-2/T, 639-2/B, English name)
_TABLE: tuple[tuple[str, str, str, str], ...] = (
    ("aa", "aar", "aar", "Afar"),
    ("ab", "abk", "abk", "Abkhazian"),
    ("ae", "ave", "ave", "Avestan"),
    ("af", "afr", "afr", "Afrikaans"),
    ("ak", "aka", "aka", "Akan"),
    ("am", "amh", "amh", "Amharic"),
    ("an", "arg", "arg", "Aragonese"),
    ("ar", "ara", "ara", "Arabic"),
    ("as", "asm", "asm", "Assamese"),
    ("av", "ava", "ava", "Avaric"),
    ("ay", "aym", "aym", "Aymara"),
    ("az", "aze", "aze", "Azerbaijani"),
    ("ba", "bak", "bak", "Bashkir"),
    ("be", "bel", "bel", "Belarusian"),
    ("bg", "bul", "bul", "Bulgarian"),
    ("bh", "bih", "bih", "Bihari languages"),
    ("bi", "bis", "bis", "Bislama"),
    ("bm", "bam", "bam", "Bambara"),
    ("bn", "ben", "ben", "Bengali"),
    ("bo", "bod", "tib", "Tibetan"),
    ("br", "bre", "bre", "Breton"),
    ("bs", "bos", "bos", "Bosnian"),
    ("ca", "cat", "cat", "Catalan"),
    ("ce", "che", "che", "Chechen"),
    ("ch", "cha", "cha", "Chamorro"),
    ("co", "cos", "cos", "Corsican"),
    ("cr", "cre", "cre", "Cree"),
    ("cs", "ces", "cze", "Czech"),
    ("cu", "chu", "chu", "Church Slavic"),
    ("cv", "chv", "chv", "Chuvash"),
    ("cy", "cym", "wel", "Welsh"),
    ("da", "dan", "dan", "Danish"),
    ("de", "deu", "ger", "German"),
    ("dv", "div", "div", "Divehi"),
    ("dz", "dzo", "dzo", "Dzongkha"),
    ("ee", "ewe", "ewe", "Ewe"),
    ("el", "ell", "gre", "Greek, Modern (1453-)"),
    ("en", "eng", "eng", "English"),
    ("eo", "epo", "epo", "Esperanto"),
    ("es", "spa", "spa", "Spanish"),
    ("et", "est", "est", "Estonian"),
    ("eu", "eus", "baq", "Basque"),
    ("fa", "fas", "per", "Persian"),
    ("ff", "ful", "ful", "Fulah"),
    ("fi", "fin", "fin", "Finnish"),
    ("fj", "fij", "fij", "Fijian"),
    ("fo", "fao", "fao", "Faroese"),
    ("fr", "fra", "fre", "French"),
    ("fy", "fry", "fry", "Western Frisian"),
    ("ga", "gle", "gle", "Irish"),
    ("gd", "gla", "gla", "Gaelic"),
    ("gl", "glg", "glg", "Galician"),
    ("gn", "grn", "grn", "Guarani"),
    ("gu", "guj", "guj", "Gujarati"),
    ("gv", "glv", "glv", "Manx"),
    ("ha", "hau", "hau", "Hausa"),
    ("he", "heb", "heb", "Hebrew"),
    ("hi", "hin", "hin", "Hindi"),
    ("ho", "hmo", "hmo", "Hiri Motu"),
    ("hr", "hrv", "hrv", "Croatian"),
    ("ht", "hat", "hat", "Haitian"),
    ("hu", "hun", "hun", "Hungarian"),
    ("hy", "hye", "arm", "Armenian"),
    ("hz", "her", "her", "Herero"),
    ("ia", "ina", "ina", "Interlingua (International Auxiliary Language Association)"),
    ("id", "ind", "ind", "Indonesian"),
    ("ie", "ile", "ile", "Interlingue"),
    ("ig", "ibo", "ibo", "Igbo"),
    ("ii", "iii", "iii", "Sichuan Yi"),
    ("ik", "ipk", "ipk", "Inupiaq"),
    ("io", "ido", "ido", "Ido"),
    ("is", "isl", "ice", "Icelandic"),
    ("it", "ita", "ita", "Italian"),
    ("iu", "iku", "iku", "Inuktitut"),
    ("ja", "jpn", "jpn", "Japanese"),
    ("jv", "jav", "jav", "Javanese"),
    ("ka", "kat", "geo", "Georgian"),
    ("kg", "kon", "kon", "Kongo"),
    ("ki", "kik", "kik", "Kikuyu"),
    ("kj", "kua", "kua", "Kuanyama"),
    ("kk", "kaz", "kaz", "Kazakh"),
    ("kl", "kal", "kal", "Kalaallisut"),
    ("km", "khm", "khm", "Central Khmer"),
    ("kn", "kan", "kan", "Kannada"),
    ("ko", "kor", "kor", "Korean"),
    ("kr", "kau", "kau", "Kanuri"),
    ("ks", "kas", "kas", "Kashmiri"),
    ("ku", "kur", "kur", "Kurdish"),
    ("kv", "kom", "kom", "Komi"),
    ("kw", "cor", "cor", "Cornish"),
    ("ky", "kir", "kir", "Kirghiz"),
    ("la", "lat", "lat", "Latin"),
    ("lb", "ltz", "ltz", "Luxembourgish"),
    ("lg", "lug", "lug", "Ganda"),
    ("li", "lim", "lim", "Limburgan"),
    ("ln", "lin", "lin", "Lingala"),
    ("lo", "lao", "lao", "Lao"),
    ("lt", "lit", "lit", "Lithuanian"),
    ("lu", "lub", "lub", "Luba-Katanga"),
    ("lv", "lav", "lav", "Latvian"),
    ("mg", "mlg", "mlg", "Malagasy"),
    ("mh", "mah", "mah", "Marshallese"),
    ("mi", "mri", "mao", "Maori"),
    ("mk", "mkd", "mac", "Macedonian"),
    ("ml", "mal", "mal", "Malayalam"),
    ("mn", "mon", "mon", "Mongolian"),
    ("mr", "mar", "mar", "Marathi"),
    ("ms", "msa", "may", "Malay"),
    ("mt", "mlt", "mlt", "Maltese"),
    ("my", "mya", "bur", "Burmese"),
    ("na", "nau", "nau", "Nauru"),
    ("nb", "nob", "nob", "Bokmål, Norwegian"),
    ("nd", "nde", "nde", "Ndebele, North"),
    ("ne", "nep", "nep", "Nepali"),
    ("ng", "ndo", "ndo", "Ndonga"),
    ("nl", "nld", "dut", "Dutch"),
    ("nn", "nno", "nno", "Norwegian Nynorsk"),
    ("no", "nor", "nor", "Norwegian"),
    ("nr", "nbl", "nbl", "Ndebele, South"),
    ("nv", "nav", "nav", "Navajo"),
    ("ny", "nya", "nya", "Chichewa"),
    ("oc", "oci", "oci", "Occitan (post 1500)"),
    ("oj", "oji", "oji", "Ojibwa"),
    ("om", "orm", "orm", "Oromo"),
    ("or", "ori", "ori", "Oriya"),
    ("os", "oss", "oss", "Ossetian"),
    ("pa", "pan", "pan", "Panjabi"),
    ("pi", "pli", "pli", "Pali"),
    ("pl", "pol", "pol", "Polish"),
    ("ps", "pus", "pus", "Pushto"),
    ("pt", "por", "por", "Portuguese"),
    ("qu", "que", "que", "Quechua"),
    ("rm", "roh", "roh", "Romansh"),
    ("rn", "run", "run", "Rundi"),
    ("ro", "ron", "rum", "Romanian"),
    ("ru", "rus", "rus", "Russian"),
    ("rw", "kin", "kin", "Kinyarwanda"),
    ("sa", "san", "san", "Sanskrit"),
    ("sc", "srd", "srd", "Sardinian"),
    ("sd", "snd", "snd", "Sindhi"),
    ("se", "sme", "sme", "Northern Sami"),
    ("sg", "sag", "sag", "Sango"),
    ("si", "sin", "sin", "Sinhala"),
    ("sk", "slk", "slo", "Slovak"),
    ("sl", "slv", "slv", "Slovenian"),
    ("sm", "smo", "smo", "Samoan"),
    ("sn", "sna", "sna", "Shona"),
    ("so", "som", "som", "Somali"),
    ("sq", "sqi", "alb", "Albanian"),
    ("sr", "srp", "srp", "Serbian"),
    ("ss", "ssw", "ssw", "Swati"),
    ("st", "sot", "sot", "Sotho, Southern"),
    ("su", "sun", "sun", "Sundanese"),
    ("sv", "swe", "swe", "Swedish"),
    ("sw", "swa", "swa", "Swahili"),
    ("ta", "tam", "tam", "Tamil"),
    ("te", "tel", "tel", "Telugu"),
    ("tg", "tgk", "tgk", "Tajik"),
    ("th", "tha", "tha", "Thai"),
    ("ti", "tir", "tir", "Tigrinya"),
    ("tk", "tuk", "tuk", "Turkmen"),
    ("tl", "tgl", "tgl", "Tagalog"),
    ("tn", "tsn", "tsn", "Tswana"),
    ("to", "ton", "ton", "Tonga (Tonga Islands)"),
    ("tr", "tur", "tur", "Turkish"),
    ("ts", "tso", "tso", "Tsonga"),
    ("tt", "tat", "tat", "Tatar"),
    ("tw", "twi", "twi", "Twi"),
    ("ty", "tah", "tah", "Tahitian"),
    ("ug", "uig", "uig", "Uighur"),
    ("uk", "ukr", "ukr", "Ukrainian"),
    ("ur", "urd", "urd", "Urdu"),
    ("uz", "uzb", "uzb", "Uzbek"),
    ("ve", "ven", "ven", "Venda"),
    ("vi", "vie", "vie", "Vietnamese"),
    ("vo", "vol", "vol", "Volapük"),
    ("wa", "wln", "wln", "Walloon"),
    ("wo", "wol", "wol", "Wolof"),
    ("xh", "xho", "xho", "Xhosa"),
    ("yi", "yid", "yid", "Yiddish"),
    ("yo", "yor", "yor", "Yoruba"),
    ("za", "zha", "zha", "Zhuang"),
    ("zh", "zho", "chi", "Chinese"),
    ("zu", "zul", "zul", "Zulu"),
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


def language_name(tag: str) -> str:
    """Return the English name of a language (``sv`` -> ``Swedish``), or ``tag`` if unknown."""
    found = language(tag)
    return found.name if found else tag
