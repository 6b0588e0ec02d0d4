"""The life-threat patterns of the safety net, one module per language.

Each `Pattern` carries its own examples: a positive that must hit it and a near-miss
negative ("this test is killing me") that must hit nothing. The test suite checks every
one, so a pattern cannot be added without proof that it fires and that it does not
fire on its obvious hyperbole.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

# Pattern sources use " ~ " for a gap of up to four words and " ~~ " for up to eight,
# so that "gun ~ school" covers "gun in his bag at school". Text is normalised first
# (classifiers.normalize): lowercase, no accents, no apostrophes, single spaces.
_GAPS = ((" ~~ ", r" (?:\w+ ){0,8}"), (" ~ ", r" (?:\w+ ){0,4}"))
# Chinese is written without spaces: every ideograph is a word character, so \b never
# fires inside a sentence and a gap cannot count words. Unspaced sources are not anchored
# and their gaps count characters, about two per word (punctuation is a space by then).
_CHAR_GAPS = ((" ~~ ", r".{0,16}"), (" ~ ", r".{0,8}"))


def compile_source(source: str, *, spaced: bool = True) -> re.Pattern[str]:
    """Compile a pattern source with its gap markers, anchored on word boundaries.

    Diacritics are stripped from the source as from the text, so a pattern may be written
    as the language is ("самоубийство", "está") and still match normalised text. With
    `spaced=False` (Chinese) the source is not anchored and gaps count characters.
    """
    decomposed = unicodedata.normalize("NFKD", source)
    source = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for marker, gap in _GAPS if spaced else _CHAR_GAPS:
        source = source.replace(marker, gap)
    return re.compile(rf"\b(?:{source})\b" if spaced else f"(?:{source})")


@dataclasses.dataclass(frozen=True, slots=True)
class Pattern:
    """One life-threat pattern in one language."""

    id: str
    language: str
    category: str
    # What an agent reads: "mentions a weapon at school".
    reason: str
    regex: re.Pattern[str]
    # A near-miss guard looked for around each match ("nerf gun", "in the game").
    unless: re.Pattern[str] | None
    # Words that cancel the guard ("a real gun, not a nerf gun").
    despite: re.Pattern[str] | None
    positives: tuple[str, ...]
    negatives: tuple[str, ...]


def pattern(
    pattern_id: str,
    *,
    category: str,
    reason: str,
    sources: tuple[str, ...],
    positives: tuple[str, ...],
    negatives: tuple[str, ...],
    unless: str | None = None,
    despite: str | None = None,
    spaced: bool = True,
) -> Pattern:
    """Build a Pattern; `pattern_id` is "<language>.<name>"; `spaced=False` for Chinese."""
    return Pattern(
        id=pattern_id,
        language=pattern_id.split(".", 1)[0],
        category=category,
        reason=reason,
        regex=compile_source("|".join(f"(?:{s})" for s in sources), spaced=spaced),
        unless=compile_source(unless, spaced=spaced) if unless else None,
        despite=compile_source(despite, spaced=spaced) if despite else None,
        positives=positives,
        negatives=negatives,
    )
