"""The decision rules, on hand-made evidence: no model needed."""

from __future__ import annotations

import numpy as np

from classifiers import decide, rules
from classifiers.heads import Thresholds
from classifiers.language import Detected
from classifiers.verdict import CATEGORIES

THRESHOLDS = Thresholds(emergency=0.2, confident=0.6)
ENGLISH = Detected("en", 0.99, known=True)


def _evidence(
    urgency: tuple[float, float, float],
    category: str = "bullying",
    *,
    text: str = "they call me names",
    language: Detected = ENGLISH,
) -> decide.Evidence:
    """Evidence with P(routine, urgent, emergency) and a confident category."""
    p_c = np.full(len(CATEGORIES), 0.01, dtype=np.float32)
    p_c[CATEGORIES.index(category)] = 0.92
    return decide.Evidence(
        urgency=np.array(urgency, dtype=np.float32),
        category=p_c,
        hits=rules.scan(text),
        language=language,
    )


def test_confident_routine_stays_routine() -> None:
    """A confident routine model result in a known language is routine."""
    verdict = decide.decide(_evidence((0.9, 0.08, 0.02)), THRESHOLDS)
    assert (verdict.urgency, verdict.category, verdict.language) == ("routine", "bullying", "en")


def test_emergency_threshold_is_below_the_argmax() -> None:
    """P(emergency) at the tuned threshold is an emergency even when routine is likelier."""
    verdict = decide.decide(_evidence((0.7, 0.05, 0.25)), THRESHOLDS)
    assert verdict.urgency == "emergency"
    assert "flagged to be safe" in verdict.reasons[0]


def test_rule_hit_is_never_downgraded() -> None:
    """A safety-net hit is an emergency even when the model is sure it is routine."""
    evidence = _evidence((0.98, 0.01, 0.01), "other", text="he has a gun in his bag at school")
    verdict = decide.decide(evidence, THRESHOLDS)
    assert (verdict.urgency, verdict.category) == ("emergency", "weapon")
    assert verdict.reasons[0].startswith("mentions a weapon at or near school")


def test_rule_hit_keeps_a_self_harm_category_of_the_model() -> None:
    """Self-harm by the model stands over the pattern's means (a gun to shoot oneself)."""
    evidence = _evidence((0.1, 0.1, 0.8), "self_harm", text="he has a gun at school")
    assert decide.decide(evidence, THRESHOLDS).category == "self_harm"


def test_rule_hit_category_replaces_another_danger_category() -> None:
    """A weapon pattern makes it `weapon` even when the model says `threat`."""
    evidence = _evidence((0.1, 0.1, 0.8), "threat", text="he has a gun at school")
    verdict = decide.decide(evidence, THRESHOLDS)
    assert verdict.category == "weapon"
    assert verdict.reasons[-1] == "about weapon (safety net)"


def test_a_language_with_its_own_threshold_uses_it_and_others_the_floor() -> None:
    """P(emergency) 0.25 is an emergency at the floor (0.2) but not at English's own 0.3;
    a language without one, or an undetermined one, gets the floor."""
    thresholds = Thresholds(emergency=0.2, confident=0.6, by_language={"en": 0.3})
    english = decide.decide(_evidence((0.7, 0.05, 0.25)), thresholds)
    spanish = decide.decide(
        _evidence((0.7, 0.05, 0.25), language=Detected("es", 0.99, known=True)), thresholds
    )
    assert (english.urgency, spanish.urgency) == ("routine", "emergency")


def test_unsure_routine_is_raised_to_urgent() -> None:
    """A routine call below the confidence floor becomes urgent, and says why."""
    verdict = decide.decide(_evidence((0.55, 0.35, 0.10)), THRESHOLDS)
    assert verdict.urgency == "urgent"
    assert any("unsure" in reason for reason in verdict.reasons)


def test_unknown_language_is_at_least_urgent() -> None:
    """A language the heads never saw cannot be called routine."""
    unknown = Detected("und", 0.0, known=False)
    verdict = decide.decide(_evidence((0.9, 0.08, 0.02), language=unknown), THRESHOLDS)
    assert (verdict.urgency, verdict.language) == ("urgent", "und")
    assert any("language not recognised" in reason for reason in verdict.reasons)


def test_urgent_when_urgent_and_emergency_outweigh_routine() -> None:
    """Urgent wins over routine when P(urgent) + P(emergency) >= P(routine)."""
    assert decide.decide(_evidence((0.45, 0.44, 0.11)), THRESHOLDS).urgency == "urgent"


def test_confidence_is_the_probability_of_the_chosen_urgency() -> None:
    """Confidence reads as the model's probability of what was decided."""
    verdict = decide.decide(_evidence((0.9, 0.08, 0.02)), THRESHOLDS)
    assert abs(verdict.confidence - 0.9) < 1e-6
