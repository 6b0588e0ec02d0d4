"""The rule-based safety net: life-threat patterns in several languages.

A hit means "emergency" and no model may lower it. A miss means nothing: rules cannot
tell a routine report from an urgent one, so the rules-only classifier (the fallback when
the model cannot load) calls every report without a hit `urgent`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence

from classifiers import normalize, prefilter
from classifiers.patterns import (
    Pattern,
    ar,
    compile_source,
    de,
    en,
    es,
    fr,
    it,
    pt,
    ru,
    tl,
    vi,
    zh,
)
from classifiers.verdict import EMERGENCY, UNDETERMINED, URGENT, Verdict

_log = logging.getLogger(__name__)

PATTERNS: tuple[Pattern, ...] = (
    en.PATTERNS
    + es.PATTERNS
    + fr.PATTERNS
    + pt.PATTERNS
    + de.PATTERNS
    + it.PATTERNS
    + ru.PATTERNS
    + zh.PATTERNS
    + vi.PATTERNS
    + ar.PATTERNS
    + tl.PATTERNS
)
# Whole-text frames that make a weapon, attack or drug mention fiction, schoolwork or a
# closed past case (docs/labelling.md: "fiction, essays, class projects"; "past and
# handled is routine"). They are far from the match more often than not, so the window
# guards of the patterns miss them; they never veto self-harm or abuse.
_FRAMES = compile_source(
    r"writing (?:a|my|this) (?:story|essay|poem)|creative writing|short story"
    r"|for (?:my|a|the|our) (?:project|essay|assignment|class project)|health class"
    r"|project (?:about|on)|statistics|police (?:dealt with|handled) it"
    r"|escribiendo (?:una|un) (?:historia|cuento|ensayo)|proyecto sobre"
    r"|la policia ya se encargo|la policia ya (?:lo|la|los) (?:encontro|detuvo|arresto|atrapo)"
    r"|atelier d ecriture|j ecris (?:l|une) histoire"
    r"|la police s en est occupee|escrevendo (?:um|uma) (?:conto|historia|redacao)"
    r"|trabalho de \w+|pesquisa sobre|a policia (?:resolveu|cuidou)|kurzgeschichte"
    r"|meine geschichte|die polizei hat das (?:geregelt|geklart)|laboratorio di scrittura"
    r"|sto scrivendo (?:un|una) (?:racconto|storia|tema)|la polizia se n e occupata"
    r"|пишу рассказ|для сочинения|полиция разобралась"
    r"|viet truyen|truyen ngan|bai van|mon van|(?:cong an|canh sat) (?:\w+ )?xu ly|bi [đd]uoi hoc"
    r"|maikling kwento|kwento ko|gumagawa ako ng (?:kwento|story|essay)|para sa (?:project|subject)"
    r"|naayos na ng (?:pulis|school|principal)|na expel"
    r"|قص[ةه] قصير[ةه]|(?:ال)?قص[ةه] (?:اللي|الي) بكتبها|بكتب قص[ةه]|موضوع تعبير|لحص[ةه] العربي"
    r"|الشرط[ةه] (?:اتصرفت|تصرفت|تعاملت)"
)
# Chinese frames, matched without word boundaries (classifiers.patterns.compile_source).
_FRAMES_UNSPACED = compile_source(
    r"作文|小说|小說|写了?(?:一个|一篇)?.{0,12}故事|警察(?:已经)?处理|已经(?:处理|解决)了?|被开除",
    spaced=False,
)
_FRAMED = frozenset({"weapon", "threat", "substance"})
# How far around a match a near-miss guard ("nerf", "in the game", "no plan") is looked for.
_GUARD_WINDOW = 40
# Confidence of a rules-only verdict: high on a hit, low without (it is a default).
_HIT_CONFIDENCE = 0.95
_MISS_CONFIDENCE = 0.3


@dataclasses.dataclass(frozen=True, slots=True)
class Hit:
    """A pattern that fired on a text, and the words that fired it."""

    pattern: Pattern
    excerpt: str


def _guarded(pattern: Pattern, text: str, start: int, end: int) -> bool:
    """Whether a near-miss guard vetoes the match at text[start:end]: `unless` words not
    cancelled by `despite` words, or `ongoing` words (a habit) not cancelled by `acute` ones."""
    window = text[max(0, start - _GUARD_WINDOW) : end + _GUARD_WINDOW]
    past = bool(pattern.unless and pattern.unless.search(window))
    if past and not (pattern.despite and pattern.despite.search(window)):
        return True
    if pattern.ongoing and pattern.ongoing.search(window):
        return not (pattern.acute and pattern.acute.search(window))
    return False


def build_prefilter(sources: Sequence[str]) -> prefilter.Prefilter | None:
    """`sources` in one RE2 set; None, said loudly, when it cannot be built (a pattern it
    cannot loosen, RE2 over its memory budget): the net then tries every pattern, slower
    but never blind."""
    try:
        return prefilter.Prefilter(sources)
    except Exception:
        _log.exception("rules.prefilter_unavailable")
        return None


@functools.cache
def _prefilter() -> prefilter.Prefilter | None:
    """The table's patterns in one RE2 set, built at the first scan (about 0.02 s, 3 MB)."""
    return build_prefilter([pattern.regex.pattern for pattern in PATTERNS])


def scan(text: str, patterns: Sequence[Pattern] = PATTERNS) -> list[Hit]:
    """Every pattern with at least one unguarded match in `text`, in table order.

    Patterns of every language are tried on every text: language detection is itself
    uncertain on short, mixed or misspelt reports. On the table itself, one RE2 pass
    (`classifiers.prefilter`) first names the patterns that may match, a superset; only
    those run here, so a text no pattern can match costs that one pass.
    """
    normal = normalize.normalise(text)
    table = _prefilter() if patterns is PATTERNS else None
    if table is not None:
        maybe = table.candidates(normal)
        if not maybe:
            return []
        patterns = [PATTERNS[i] for i in maybe]
    framed = bool(_FRAMES.search(normal) or _FRAMES_UNSPACED.search(normal))
    hits: list[Hit] = []
    for pattern in patterns:
        if framed and pattern.category in _FRAMED:
            continue
        if pattern.gate is not None and not pattern.gate.search(normal):
            continue  # a pattern of another script: no match possible (patterns.script_gate)
        for match in pattern.regex.finditer(normal):
            if not _guarded(pattern, normal, match.start(), match.end()):
                hits.append(Hit(pattern=pattern, excerpt=match.group(0)))
                break
    return hits


def reasons_of(hits: Sequence[Hit]) -> tuple[str, ...]:
    """Distinct reasons of `hits`, each with the words that fired it."""
    seen: dict[str, str] = {}
    for hit in hits:
        seen.setdefault(hit.pattern.reason, hit.excerpt)
    return tuple(f'{reason}: "{excerpt}"' for reason, excerpt in seen.items())


def _no_language(_: str) -> str:
    return UNDETERMINED


class RulesClassifier:
    """The safety net alone: emergency on a pattern hit, else urgent (it cannot tell).

    Thread-safe: compiled patterns are immutable and shared.
    """

    name = "rules"

    def __init__(self, *, detect_language: Callable[[str], str] | None = None) -> None:
        self._detect_language = detect_language or _no_language

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """One Verdict per text, in order; never raises for a string."""
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Verdict:
        hits = scan(text)
        language = self._detect_language(text)
        if hits:
            return Verdict(
                urgency=EMERGENCY,
                category=hits[0].pattern.category,
                language=language,
                confidence=_HIT_CONFIDENCE,
                reasons=reasons_of(hits),
            )
        return Verdict(
            urgency=URGENT,
            category="other",
            language=language,
            confidence=_MISS_CONFIDENCE,
            reasons=("no life-threat pattern; model unavailable, so at least urgent",),
        )
