"""The life-threat patterns of the safety net, one module per language.

Each `Pattern` carries its own examples: a positive that must hit it and a near-miss
negative ("this test is killing me") that must hit nothing. The test suite checks every
one, so a pattern cannot be added without proof that it fires and that it does not
fire on its obvious hyperbole.
"""

from __future__ import annotations

import dataclasses
import re
import re._constants as sre_constants  # the parse tree's opcodes (see `script_gate`)
import re._parser as sre_parser  # the stdlib's own parser of pattern syntax
import unicodedata
from typing import Any

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


def script_gate(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """A cheap test that `regex` cannot match a text, for a pattern written in a script
    other than Latin: a character class of letters at least one of which every match must
    contain, or None when there is no such class without an ASCII letter.

    The safety net runs on every message a reporter writes (tipline.service); most are in
    Latin script, and a third of the patterns (Arabic, Chinese, Russian) cannot match them.
    The gate is sound by construction: it is read off the parse tree of the regex (the first
    element of the sequence that must consume one of a known set of literal letters), so a
    text without any of them has no match and nothing is lost by skipping the pattern.
    """
    if regex.flags & re.IGNORECASE:
        return None
    letters: set[str] = set()
    if not _must_consume(sre_parser.parse(regex.pattern), letters):
        return None
    if any(ch.isascii() for ch in letters):
        return None
    return re.compile("[" + re.escape("".join(sorted(letters))) + "]")


def _must_consume(items: Any, letters: set[str]) -> bool:
    """Whether every match of `items` consumes a literal letter of a set this finds (added
    to `letters`); False when that cannot be shown (a class range, a category, `.`, ...)."""
    for op, arg in items:
        if op is sre_constants.LITERAL and chr(arg).isalpha():
            letters.add(chr(arg))
            return True
        if op is sre_constants.IN and _letter_set(arg):
            letters.update(chr(code) for _, code in arg)
            return True
        if op is sre_constants.BRANCH:
            found: set[str] = set()
            if all(_must_consume(alternative, found) for alternative in arg[1]):
                letters |= found
                return True
        elif op is sre_constants.SUBPATTERN:
            if _must_consume(arg[-1], letters):
                return True
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            least, _, body = arg
            if least >= 1 and _must_consume(body, letters):
                return True
    return False


def _letter_set(members: list[tuple[object, int]]) -> bool:
    return bool(members) and all(
        op is sre_constants.LITERAL and chr(code).isalpha() for op, code in members
    )


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
    # None, or letters every match contains: a text with none of them is skipped (fast).
    gate: re.Pattern[str] | None = None
    # A second guard, of a habit or a relapse ("again", "scars", "long sleeves to hide it"),
    # cancelled only by its own `acute` words (blood, now, a hospital): `despite` is not
    # asked, so "years ago ... blood" stays vetoed by `unless` as before.
    ongoing: re.Pattern[str] | None = None
    acute: re.Pattern[str] | None = None


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
    ongoing: str | None = None,
    acute: str | None = None,
    spaced: bool = True,
) -> Pattern:
    """Build a Pattern; `pattern_id` is "<language>.<name>"; `spaced=False` for Chinese."""
    regex = compile_source("|".join(f"(?:{s})" for s in sources), spaced=spaced)
    return Pattern(
        id=pattern_id,
        language=pattern_id.split(".", 1)[0],
        category=category,
        reason=reason,
        regex=regex,
        gate=script_gate(regex),
        unless=compile_source(unless, spaced=spaced) if unless else None,
        despite=compile_source(despite, spaced=spaced) if despite else None,
        positives=positives,
        negatives=negatives,
        ongoing=compile_source(ongoing, spaced=spaced) if ongoing else None,
        acute=compile_source(acute, spaced=spaced) if acute else None,
    )
