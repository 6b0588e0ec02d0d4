"""What a text's writing alone tells of its language, before any model is asked.

Three small rules, each for a case where fastText's lid.176 is wrong or blind:

- **A script one language owns** (Hangul, kana, Ge'ez, Myanmar, Gurmukhi, Thai, ...): the
  script is the answer. lid.176 knows these languages but is unsure on a text of three
  words; the script is never unsure. Scripts shared by several languages (Latin, Cyrillic,
  Arabic, Devanagari, Bengali, Hebrew) are left to the model, restricted to that script.
- **Hmong in RPA** (the Romanized Popular Alphabet): no detector we can ship knows Hmong
  (lid.176 and lingua both lack it). RPA is easy to see: every syllable is an onset from a
  closed set, a vowel, and a final tone letter (b j v s g m d) or none; no other consonant
  ends a syllable. A text most of whose words are such syllables, with at least two of
  Hmong's commonest words, is Hmong.
- **Arabizi** (Arabic in Latin letters with digits for the sounds Latin lacks: 3 ain, 7 ha,
  2 hamza, 5 kha): lid.176 reads it as Spanish or Indonesian. Two or more words with a digit
  inside letters ("sa7bi", "3ala") and not English ordinals or times ("2nd", "3pm") is Arabic.

And one tie-breaker, **marker words**, used only when lid.176 is unsure: Taglish, English
slang and Vietnamese typed without its diacritics ("ban t vua rach tay") are where the
quantised lid.176 is weakest, and a handful of words no other language uses tell them.

Pure functions of the text; the tables are constants.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# ISO 639-3 for Hmong: it has no ISO 639-1 code (the wire's `und` is 639-2 too).
HMONG = "hmn"

# Scripts that, among the languages lid.176 can tell, one language writes; code points.
_OWNED: tuple[tuple[str, str], ...] = (
    ("ko", "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"),  # Hangul
    ("ja", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"),  # hiragana, katakana
    ("am", "\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f"),  # Ge'ez (Tigrinya too: not in lid.176)
    ("my", "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f"),  # Myanmar (Karen and Shan too)
    ("pa", "\u0a00-\u0a7f"),  # Gurmukhi
    ("th", "\u0e00-\u0e7f"),
    ("el", "\u0370-\u03ff\u1f00-\u1fff"),
    ("hy", "\u0530-\u058f"),
    ("ka", "\u10a0-\u10ff"),
    ("km", "\u1780-\u17ff"),
    ("lo", "\u0e80-\u0eff"),
    ("gu", "\u0a80-\u0aff"),
    ("or", "\u0b00-\u0b7f"),
    ("ta", "\u0b80-\u0bff"),
    ("te", "\u0c00-\u0c7f"),
    ("kn", "\u0c80-\u0cff"),
    ("ml", "\u0d00-\u0d7f"),
    ("si", "\u0d80-\u0dff"),
    ("bo", "\u0f00-\u0fff"),
    ("dv", "\u0780-\u07bf"),  # Thaana
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_OWNED_RE = tuple((code, re.compile(f"[{chars}]")) for code, chars in _OWNED)
# Scripts several languages share: the model decides among that script's languages.
SHARED: dict[str, re.Pattern[str]] = {
    "latin": re.compile(r"[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]"),
    "cyrillic": re.compile("[\u0400-\u052f]"),
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
    "devanagari": re.compile("[\u0900-\u097f]"),
    "bengali": re.compile("[\u0980-\u09ff]"),
    "hebrew": re.compile("[\u0590-\u05ff]"),
}


def letters(text: str) -> list[str]:
    """The letters of `text` (Unicode category L* or M*: marks count, as in Indic scripts)."""
    return [c for c in text if unicodedata.category(c)[0] in "LM"]


def script_of(text: str) -> str | None:
    """The script most of the letters are in: an owner's code, a SHARED name, "han", or None."""
    counts: dict[str, int] = {}
    for char in letters(text):
        key = _key(char)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    if counts.get("ja") and counts.get("han"):  # Japanese mixes kanji into kana
        counts["ja"] += counts.pop("han")
    return max(counts, key=counts.__getitem__)


@functools.lru_cache(maxsize=4096)
def _key(char: str) -> str | None:
    if _HAN.match(char):
        return "han"
    for code, regex in _OWNED_RE:
        if regex.match(char):
            return code
    for name, regex in SHARED.items():
        if regex.match(char):
            return name
    return None


def owner(script: str | None) -> str | None:
    """The language `script` (from `script_of`) belongs to, if only one language writes it.

    Han alone is Chinese: Japanese all but always has kana (a kanji-only "救命" reads as
    Chinese, which a translator of either can still read).
    """
    if script == "han":
        return "zh"
    return script if script in dict(_OWNED) else None


_RPA_ONSET = (
    "ntxh|ntsh|nplh|dlh|nch|ndl|nkh|nph|npl|nqh|nrh|nth|nts|ntx|hml|hny|plh|tsh|txh"
    "|ch|dh|dl|hl|hm|hn|kh|ml|nc|nk|np|nq|nr|nt|ny|ph|pl|qh|rh|th|ts|tx|xy"
    "|c|d|f|h|k|l|m|n|p|q|r|s|t|v|x|y|z"
)
_RPA_SYLLABLE = re.compile(rf"(?:{_RPA_ONSET})?(?:aa|ai|au|aw|ee|ia|oo|ua|a|e|i|o|u|w)[bjvsgmd]?")
# Hmong's commonest words (pronouns, "not", "have", "in", "to", classifiers, "school"...),
# none of them a common word of English, Tagalog, Vietnamese or Somali.
_HMONG_WORDS = frozenset(
    [
        "kuv",
        "koj",
        "nws",
        "peb",
        "lawv",
        "tsis",
        "muaj",
        "yog",
        "thiab",
        "hauv",
        "rau",
        "tus",
        "tug",
        "lub",
        "cov",
        "tias",
        "yuav",
        "ntawv",
        "nyob",
        "tuaj",
        "txhua",
        "hnub",
        "thov",
        "pab",
        "neeg",
        "ntshai",
        "hais",
        "tsev",
        "kawm",
        "phooj",
        "ywg",
        "heev",
        "lawm",
        "ntawm",
        "txiv",
        "niam",
        "tshuaj",
        "xov",
        "tooj",
        "nyiaj",
    ]
)
_HMONG_SHARE = 0.6


def is_hmong(text: str) -> bool:
    """Whether `text` is Hmong in RPA (see the module docstring)."""
    found = words(text)
    if not found:
        return False
    shaped = sum(1 for w in found if _RPA_SYLLABLE.fullmatch(w))
    common = len(_HMONG_WORDS.intersection(found))
    return shaped >= _HMONG_SHARE * len(found) and common >= min(2, len(found))


# A digit standing for a sound inside a Latin word ("sa7bi", "3ala", "e7na", "2alet").
_ARABIZI = re.compile(r"[a-z][235789]|[235789][a-z]")
# Ordinals, times, "b4", class names ("3B", "11a4"): a digit with fewer than two letters.
_NOT_ARABIZI = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|hr|hrs|min|mins)$|^[^a-z]*[a-z]?[^a-z]*$")
_TOKEN = re.compile(r"[a-z0-9']+")


def is_arabizi(text: str) -> bool:
    """Whether `text` is Arabic written in Latin letters and digits (see the module docstring)."""
    tokens = _TOKEN.findall(text.lower())
    hits = [t for t in tokens if _ARABIZI.search(t) and not _NOT_ARABIZI.match(t)]
    return len(hits) >= 2


# Marker words: a language's commonest function words that no other language of its script
# writes the same way, for the languages the quantised lid.176 is weakest on when written
# informally or briefly. Each with its script.
_MARKERS: dict[str, tuple[str, frozenset[str]]] = {
    "tl": (
        "latin",
        frozenset(
            [
                "ng",
                "yung",
                "ang",
                "mga",
                "nila",
                "naman",
                "lang",
                "kasi",
                "siya",
                "sya",
                "daw",
                "namin",
                "nyo",
                "niya",
                "nya",
                "ako",
                "sila",
                "kami",
                "wala",
                "tapos",
                "yun",
                "dito",
                "talaga",
                "kanina",
                "nang",
                "lagi",
                "akong",
                "kaya",
                "ayaw",
                "ayoko",
                "hindi",
                "sabi",
                "sa",
                "po",
            ]
        ),
    ),
    "vi": (
        "latin",
        frozenset(
            [
                "ko",
                "khong",
                "dc",
                "duoc",
                "cua",
                "minh",
                "nguoi",
                "roi",
                "voi",
                "nay",
                "nhung",
                "nhieu",
                "tui",
                "chung",
                "truong",
                "lop",
                "hoc",
                "chieu",
                "hom",
                "cung",
                "luc",
                "thay",
                "nhan",
                "biet",
                "vao",
                "xuong",
                "xong",
                "dang",
                "vua",
                "chua",
                "lam",
                "ong",
            ]
        ),
    ),
    "en": (
        "latin",
        frozenset(
            [
                "the",
                "im",
                "my",
                "is",
                "and",
                "you",
                "pls",
                "rn",
                "idk",
                "hes",
                "shes",
                "theres",
                "dont",
                "cant",
                "its",
                "he",
                "she",
                "they",
                "with",
                "what",
                "this",
                "that",
                "someone",
            ]
        ),
    ),
    "so": (
        "latin",
        frozenset(
            [
                "ayaa",
                "waa",
                "iyo",
                "waxaan",
                "waxaa",
                "wuxuu",
                "waxay",
                "ayuu",
                "ayay",
                "ayaan",
                "inaan",
                "inay",
                "maanta",
                "aad",
                "igu",
                "iga",
                "kasta",
                "hadda",
                "fadlan",
                "waan",
                "way",
                "wuu",
                "oo",
                "uu",
                "ay",
                "ee",
                "lagu",
                "ugu",
                "soo",
                "iska",
                "kale",
                "badan",
                "ahay",
                "yahay",
                "tahay",
                "baa",
                "sida",
                "laakiin",
                "haddii",
                "markii",
                "marka",
                "shalay",
                "berri",
                "ku",
                "ka",
                "la",
                "ma",
            ]
        ),
    ),
    "sw": (
        "latin",
        frozenset(
            [
                "kwenye",
                "yangu",
                "yako",
                "yake",
                "wangu",
                "wako",
                "wake",
                "changu",
                "zangu",
                "yetu",
                "kwetu",
                "sana",
                "kuna",
                "kwa",
                "wa",
                "ni",
                "hii",
                "huyu",
                "sijui",
                "nini",
                "leo",
                "kesho",
                "tafadhali",
                "mtu",
                "watu",
                "kila",
                "siku",
                "pia",
                "lakini",
                "hapa",
                "sasa",
                "hivi",
                "tena",
                "bado",
                "hata",
                "mimi",
                "wewe",
                "yeye",
                "sisi",
                "katika",
                "baada",
                "kabla",
            ]
        ),
    ),
    "ht": (
        "latin",
        frozenset(
            [
                "mwen",
                "yon",
                "gen",
                "konn",
                "pou",
                "ankò",
                "anpil",
                "tanpri",
                "lakay",
                "kounye",
                "chak",
                "ap",
                "nan",
                "li",
                "yo",
                "nou",
                "sou",
                "pral",
                "fè",
                "mwen",
                "kounya",
                "epi",
                "paske",
            ]
        ),
    ),
    "ne": (
        "devanagari",
        frozenset(
            [
                "छ",
                "छैन",
                "छन्",
                "हो",
                "मलाई",
                "मेरो",
                "भयो",
                "थियो",
                "गर्ने",
                "पनि",
                "र",
                "अहिले",
                "भन्छ",
                "हुन्छ",
                "गर्छन्",
                "तिमी",
                "हामीलाई",
            ]
        ),
    ),
    "hi": (
        "devanagari",
        frozenset(
            [
                "है",
                "हैं",
                "मुझे",
                "मेरा",
                "मेरी",
                "नहीं",
                "रहा",
                "रही",
                "और",
                "में",
                "का",
                "की",
                "के",
                "से",
                "हो",
                "गया",
                "गई",
            ]
        ),
    ),
    "ur": (
        "arabic",
        frozenset(
            ["ہے", "ہیں", "میں", "نہیں", "کے", "کی", "سے", "رہا", "رہی", "گیا", "گئی", "مجھے", "کر"]
        ),
    ),
    "pa": (
        "arabic",
        frozenset(["اے", "نے", "دے", "دی", "دا", "نئیں", "وچ", "نوں", "تے", "سی", "کیتا", "ہن"]),
    ),
}
_MIN_MARKERS = 2
# Letters of the Arabic script that Pashto alone writes (ټ ډ ړ ښ ږ ځ څ ڼ ې ۍ ګ; Urdu's
# retroflex ٹ ڈ ڑ and Persian's گ are other code points).
_PASHTO = re.compile("[\u067c\u0689\u0693\u069a\u0696\u0681\u0685\u06bc\u06d0\u06cd\u06ab]")


def is_pashto(text: str) -> bool:
    """Whether `text` has a letter only Pashto writes."""
    return bool(_PASHTO.search(text))


def words(text: str) -> list[str]:
    """The lowercased words of `text`: runs of letters and marks (regex's \\w stops at the
    vowel signs of Indic scripts)."""
    return "".join(c if unicodedata.category(c)[0] in "LM" else " " for c in text.lower()).split()


def marked(text: str, script: str) -> str | None:
    """The language of `script` with the most distinct marker words in `text`, if at least
    two and no other language has as many."""
    found = set(words(text))
    counts = {
        code: len(found & markers)
        for code, (written, markers) in _MARKERS.items()
        if written == script
    }
    if not counts:
        return None
    best = max(counts, key=counts.__getitem__)
    ties = sum(1 for n in counts.values() if n == counts[best])
    return best if counts[best] >= _MIN_MARKERS and ties == 1 else None


# Keyboard rows and their runs ("asdfgh", "qwertyuiop", "hjkl"), and one letter repeated.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_MIN_LETTERS = 3


def is_mash(text: str) -> bool:
    """Whether `text` is too little or keyboard mash: fewer than three letters, or only
    words that are runs of one keyboard row or one letter repeated."""
    found = words(text)
    if sum(len(w) for w in found) < _MIN_LETTERS:
        return True
    return all(_mashed(w) for w in found)


def _mashed(word: str) -> bool:
    if len(word) >= 4 and len(set(word)) == 1:
        return True
    return len(word) >= 4 and any(word in row or word in row[::-1] for row in _ROWS)


# Cyrillic letters one of Russian and Ukrainian writes and the other never does.
_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")
_RUSSIAN = re.compile("[ыэъёЫЭЪЁ]")
_BELARUSIAN = re.compile("[ўЎ]")


def russian_or_ukrainian(text: str) -> str | None:
    """ "uk" or "ru" when the text has letters of one and none of the other (and no ў)."""
    if _BELARUSIAN.search(text):
        return None
    uk, ru = bool(_UKRAINIAN.search(text)), bool(_RUSSIAN.search(text))
    return "uk" if uk and not ru else "ru" if ru and not uk else None
