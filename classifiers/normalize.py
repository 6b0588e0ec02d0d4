"""Text normalisation shared by the safety-net patterns.

Patterns are written against normalised text so that one pattern covers "Está",
"esta" and "ESTA", "don't" and "dont", "killll" and "kill": reporters type fast, on phones,
often without accents or capitals.
"""

from __future__ import annotations

import re
import unicodedata

# English contractions lose the apostrophe ("don't" -> "dont", "she's" -> "shes"); elisions
# of other languages become a space ("l'école" -> "l ecole", "un'arma" -> "un arma").
_CONTRACTION = re.compile(r"['’`´‘](?=(?:t|s|m|d|re|ve|ll)\b)")
_APOSTROPHES = re.compile(r"['’`´‘]")
# Three or more of one letter ("sooooo") become two: keeps "kill", "good", "llamas".
_REPEATS = re.compile(r"(\w)\1{2,}")
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Casefold, strip accents and apostrophes, squeeze repeats, keep words and single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    stripped = _APOSTROPHES.sub(" ", _CONTRACTION.sub("", stripped))
    stripped = _REPEATS.sub(r"\1\1", stripped)
    return " ".join(_NON_WORD.sub(" ", stripped).split())
