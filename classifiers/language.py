"""Language of a report, with `lingua` restricted to the languages Tipline supports.

Loading only these keeps start-up near one second and memory near 100 MB (all 75 of
lingua's languages cost about 15 s and 1.3 GB). A text in another language, or too short
to tell, comes back as not `known`: the decision then keeps it at least `urgent`, since
the heads were never trained on it.
"""

from __future__ import annotations

import dataclasses
import threading

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from classifiers.verdict import UNDETERMINED

# The languages of the labelled corpus: the heads and the safety net are checked on these.
SUPPORTED: tuple[str, ...] = ("en", "es", "fr", "pt", "de", "it", "ru", "zh", "vi", "ar", "tl")
# Below this confidence of lingua's best guess, the language counts as unknown.
MIN_CONFIDENCE = 0.5


@dataclasses.dataclass(frozen=True, slots=True)
class Detected:
    """ISO 639-1 code (best guess, or "und"), lingua's confidence, and whether to trust it."""

    code: str
    confidence: float
    known: bool


class LanguageDetector:
    """Thread-safe wrapper around a lingua detector built for `languages`."""

    def __init__(self, languages: tuple[str, ...] = SUPPORTED) -> None:
        chosen = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages
        ]
        self._detector = (
            LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()
        )
        # lingua's detector is not documented as thread-safe; a detection takes ~2 ms.
        self._lock = threading.Lock()

    def detect(self, text: str) -> Detected:
        """The most likely supported language of `text`."""
        with self._lock:
            values = self._detector.compute_language_confidence_values(text)
        if not values or values[0].value <= 0.0:
            return Detected(UNDETERMINED, 0.0, known=False)
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        return Detected(code, float(best.value), known=best.value >= MIN_CONFIDENCE)

    def code(self, text: str) -> str:
        """Just the code (for `RulesClassifier(detect_language=...)`)."""
        return self.detect(text).code
