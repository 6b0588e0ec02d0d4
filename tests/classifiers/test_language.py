"""The language detector on the held-out language set, and its rules one by one."""

from __future__ import annotations

import collections
import concurrent.futures
import json
import pathlib
import time

import pytest

from classifiers import language, writing
from classifiers.data import languages
from classifiers.verdict import UNDETERMINED

# Measured (docs/classifier.md): 0.963 overall, Swahili the lowest at 0.81.
MIN_OVERALL = 0.95
MIN_PER_LANGUAGE = 0.80
REQUIRED = [
    "es",
    "zh",
    "vi",
    "ar",
    "tl",
    "ht",
    "so",
    "ko",
    "ru",
    "uk",
    "pt",
    "fr",
    "hi",
    "ur",
    "bn",
    "ja",
    "pl",
    "fa",
    "am",
    "hmn",
    "ne",
    "sw",
    "my",
    "ps",
    "pa",
    "en",
    "de",
    "it",
]


@pytest.fixture(scope="module")
def detector() -> language.LanguageDetector:
    return language.LanguageDetector()


@pytest.fixture(scope="module")
def scores(detector: language.LanguageDetector) -> dict[str, tuple[int, int]]:
    right: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for sample in languages.load():
        total[sample.language] += 1
        right[sample.language] += detector.code(sample.text) == sample.language
    return {code: (right[code], total[code]) for code in total}


def test_heldout_covers_every_required_language() -> None:
    """The held-out set has at least 20 texts in each of the 28 languages and in none."""
    counts = collections.Counter(s.language for s in languages.load())
    assert all(counts[code] >= 20 for code in [*REQUIRED, UNDETERMINED])


def test_heldout_overall_accuracy(scores: dict[str, tuple[int, int]]) -> None:
    """At least 95 % of the held-out texts in a language get that language."""
    spoken = [v for k, v in scores.items() if k != UNDETERMINED]
    assert sum(r for r, _ in spoken) / sum(n for _, n in spoken) >= MIN_OVERALL


@pytest.mark.parametrize("code", REQUIRED)
def test_heldout_accuracy_per_language(scores: dict[str, tuple[int, int]], code: str) -> None:
    """Every language of the held-out set is right at least 80 % of the time."""
    right, total = scores[code]
    assert right / total >= MIN_PER_LANGUAGE, f"{code}: {right}/{total}"


def test_heldout_texts_in_no_language_are_unknown(scores: dict[str, tuple[int, int]]) -> None:
    """Emoji, digits and keyboard mash of the held-out set all come out "und"."""
    right, total = scores[UNDETERMINED]
    assert right == total


@pytest.mark.parametrize(
    "text", ["😭😭😭", "12345", "", "   ", "asdfghjkl", "jjjjjjjj", "?!?!", "🔫 💀 3pm"]
)
def test_no_language_is_unknown_not_guessed(detector: language.LanguageDetector, text: str) -> None:
    """A text with no language in it is "und", with no confidence and not known."""
    assert detector.detect(text) == language.Detected(UNDETERMINED, 0.0, known=False)


@pytest.mark.parametrize(
    ("text", "code", "not_code"),
    [
        ("мій брат каже що завтра принесе ніж до школи", "uk", "ru"),
        ("вчителька постійно кричить на нас, я боюся", "uk", "ru"),
        ("یه پسر گفت فردا با چاقو میاد مدرسه، خیلی می‌ترسم", "fa", "ar"),
        ("دوستم میگه دیگه نمی‌خواد زنده باشه", "fa", "ar"),
        ("mwen pè anpil, yon nonm gen yon zam devan lekòl la", "ht", "fr"),
        ("zanmi mwen di li pa vle viv ankò", "ht", "fr"),
    ],
)
def test_close_languages_are_told_apart(
    detector: language.LanguageDetector, text: str, code: str, not_code: str
) -> None:
    """Ukrainian is not Russian, Farsi not Arabic, Haitian Creole not French."""
    assert detector.code(text) == code != not_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("학교에 칼 든 사람 있어요", "ko"),
        ("たすけて", "ja"),
        ("LINEで悪口言われてる", "ja"),
        ("救命", "zh"),
        ("እባካችሁ እርዱኝ", "am"),
        ("ကယ်ပါ", "my"),
        ("ਮੇਰੀ ਮਦਦ ਕਰੋ", "pa"),
    ],
)
def test_a_script_one_language_owns_is_that_language(
    detector: language.LanguageDetector, text: str, code: str
) -> None:
    """Hangul, kana, Han alone, Ge'ez, Myanmar and Gurmukhi decide even on two words."""
    assert detector.detect(text) == language.Detected(code, 1.0, known=code in language.SUPPORTED)


@pytest.mark.parametrize(
    "text",
    [
        "kuv ntshai heev, nws hais tias tag kis nws yuav nqa phom tuaj",
        "thov pab kuv",
        "muaj neeg nyiag kuv lub xov tooj",
    ],
)
def test_hmong_rpa_is_hmong(detector: language.LanguageDetector, text: str) -> None:
    """Hmong in RPA, which lid.176 does not know, is "hmn" by its own rule."""
    assert writing.is_hmong(text)
    assert detector.code(text) == writing.HMONG


@pytest.mark.parametrize(
    "text",
    [
        "my friend is so sad and he says bye to everyone",
        "em so lam, no doa giet em",
        "sabi niya magdadala siya ng baril bukas",
        "waan ka baqayaa inaan dugsiga tago",
        "to be or not to be",
    ],
)
def test_other_latin_texts_are_not_hmong(text: str) -> None:
    """English, Vietnamese, Tagalog and Somali do not pass the Hmong rule."""
    assert not writing.is_hmong(text)


def test_arabizi_is_arabic_and_class_names_are_not(detector: language.LanguageDetector) -> None:
    """Arabic in Latin letters and digits is "ar"; "3B", "2nd" and "3pm" are not Arabizi."""
    assert detector.code("sa7bi 3ando mosadas fel shanta delwa2ty") == "ar"
    assert not writing.is_arabizi("o 3B vai jogar contra o 8A no 2nd round as 3pm")


def test_pashto_letters_make_pashto(detector: language.LanguageDetector) -> None:
    """A letter only Pashto writes (ښ, ځ, ې, ...) decides between Pashto, Farsi and Urdu."""
    assert detector.code("زه ډېر ډارېږم") == "ps"
    assert detector.code("مجھے بہت ڈر لگ رہا ہے") == "ur"


def test_known_means_the_heads_were_trained_on_it(detector: language.LanguageDetector) -> None:
    """Korean is detected as Korean but not `known`; Spanish is both (decide.py relies on it)."""
    korean = detector.detect("학교에서 누가 칼을 가지고 있어요")
    assert (korean.code, korean.known) == ("ko", False)
    assert detector.detect("mi amigo trajo una pistola a la escuela hoy").known


def test_lazy_detector_loads_on_first_use() -> None:
    """With preload=False nothing loads until the first detection, which then works."""
    lazy = language.LanguageDetector(preload=False)
    assert lazy.code("there is a man with a knife near the gym") == "en"


def test_load_is_well_within_the_start_up_budget() -> None:
    """The detector loads in under a second (the service must be ready within 5 s)."""
    started = time.perf_counter()
    language.LanguageDetector()
    assert time.perf_counter() - started < 1.0


def test_threads_get_the_same_answers(detector: language.LanguageDetector) -> None:
    """Eight threads detecting at once get what one thread gets."""
    texts = [s.text for s in languages.load()][:200]
    serial = [detector.code(t) for t in texts]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert list(pool.map(detector.code, texts * 4)) == serial * 4


def test_loader_rejects_a_bad_row(tmp_path: pathlib.Path) -> None:
    """A row with a code that is not ISO, or a repeated id, is refused."""
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "hola", "language": "Spanish"}) + "\n")
    with pytest.raises(ValueError, match="bad row"):
        languages.load(path)
