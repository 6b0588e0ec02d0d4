"""The decision: model probabilities, safety-net hits and language in, a Verdict out.

Pure (no model, no I/O), so each rule is tested on its own. The order of the rules is
the safety argument:

1. the model's urgency, with emergency called at a threshold tuned for recall (a missed
   emergency costs a life; a false one costs an agent a minute);
2. a safety-net hit is an emergency, whatever the model says (never downgraded), about
   the pattern's category unless the model says self-harm;
3. an unsure model, or a language the heads never saw, is at least `urgent`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifiers import rules
from classifiers.heads import Thresholds
from classifiers.language import Detected
from classifiers.verdict import CATEGORIES, EMERGENCY, ROUTINE, URGENCIES, URGENT, Verdict

_E, _U, _R = (URGENCIES.index(u) for u in (EMERGENCY, URGENT, ROUTINE))


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    """Everything known about one text when deciding."""

    urgency: npt.NDArray[np.float32]  # P per URGENCIES
    category: npt.NDArray[np.float32]  # P per CATEGORIES
    hits: Sequence[rules.Hit]
    language: Detected


def _pct(p: float) -> str:
    return f"{round(100 * p)}%"


def _model_urgency(p: npt.NDArray[np.float32], threshold: float) -> tuple[str, str]:
    """Urgency from the model alone, and the reason for it."""
    if p[_E] >= threshold:
        if p[_E] == p.max():
            return EMERGENCY, f"model: emergency ({_pct(p[_E])})"
        return EMERGENCY, f"model: possible emergency ({_pct(p[_E])}), flagged to be safe"
    urgency = URGENT if p[_U] + p[_E] >= p[_R] else ROUTINE
    return urgency, f"model: {urgency} ({_pct(p[URGENCIES.index(urgency)])})"


def decide(evidence: Evidence, thresholds: Thresholds) -> Verdict:
    """The verdict for one text; see the module docstring for the order of the rules."""
    p_u, p_c = evidence.urgency, evidence.category
    urgency, why = _model_urgency(p_u, thresholds.emergency_for(evidence.language.code))
    category = CATEGORIES[int(np.argmax(p_c))]
    about = f"about {category.replace('_', '-')} ({_pct(float(p_c.max()))})"
    reasons = [why]
    confidence = float(p_u[URGENCIES.index(urgency)])
    if evidence.hits:
        urgency, confidence = EMERGENCY, max(confidence, float(p_u[_E]), 0.9)
        reasons = [*rules.reasons_of(evidence.hits), *reasons]
        # On the rows a pattern fires on, its category is right far more often than the
        # model's (corpus: 0.90 vs 0.60 out of fold; the patterns were written with the
        # corpus in view), except that suicide beats the means (labelling.md).
        if category != "self_harm":
            category = evidence.hits[0].pattern.category
            about = f"about {category.replace('_', '-')} (safety net)"
    elif urgency == ROUTINE and float(p_u.max()) < thresholds.confident:
        urgency = URGENT
        reasons.append(f"model unsure ({_pct(float(p_u.max()))}), raised to urgent")
    if urgency == ROUTINE and not evidence.language.known:
        urgency = URGENT
        reasons.append("language not recognised, raised to urgent")
    reasons.append(about)
    return Verdict(
        urgency=urgency,
        category=category,
        language=evidence.language.code,
        confidence=min(1.0, max(0.0, confidence)),
        reasons=tuple(reasons),
    )
