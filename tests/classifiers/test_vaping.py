"""PROTOCOL.md lists vaping as routine: the model must agree (issue #18, finding 4)."""

from __future__ import annotations

import pytest

from classifiers.engine import TransformerEngine

# Not in the corpus: paraphrases of the frame the model read as an emergency.
ROUTINE_VAPING = [
    "someone is vaping in the bathroom",  # the text (a corpus row since round 4)
    "someone's vaping in the 3rd floor bathroom",
    "two kids are vaping in the bathroom right now",
    "someone is vaping in the locker room",
]
# The same frame with a life at risk stays an emergency.
EMERGENCIES = [
    "someone is unconscious in the bathroom and not breathing",
    "someone vaped something in the bathroom and now hes having a seizure",
    "someone is in the bathroom with a gun",
]


@pytest.mark.parametrize("text", ROUTINE_VAPING)
def test_vaping_in_the_bathroom_is_routine(transformer: TransformerEngine, text: str) -> None:
    """ "someone is vaping in the bathroom" and its paraphrases are routine substance reports
    (the model called the issue's text an emergency at 0.88)."""
    (verdict,) = transformer.classify([text])
    assert verdict.urgency == "routine", verdict
    assert verdict.category == "substance", verdict


@pytest.mark.parametrize("text", EMERGENCIES)
def test_the_same_frame_with_a_life_at_risk_stays_an_emergency(
    transformer: TransformerEngine, text: str
) -> None:
    """A collapse, a seizure or a gun in the bathroom is still an emergency."""
    (verdict,) = transformer.classify([text])
    assert verdict.urgency == "emergency", verdict
