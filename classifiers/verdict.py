"""The classifier's result type and the label strings of PROTOCOL.md.

`classifiers` imports nothing of the application, so it has its own frozen result type;
the application adapts a `Verdict` to `tipline.models.Triage` (same fields, same strings).
"""

from __future__ import annotations

import dataclasses
from typing import Any

EMERGENCY = "emergency"
URGENT = "urgent"
ROUTINE = "routine"
# The one list of the labels in `classifiers` (corpus, heads and training read these);
# `tipline.models.Urgency` and `Category` mirror them (tests/tipline/test_vocabulary.py).
# Order matters: the index is the rank (higher is more urgent).
URGENCIES: tuple[str, ...] = (ROUTINE, URGENT, EMERGENCY)
CATEGORIES: tuple[str, ...] = (
    "bullying",
    "harassment",
    "threat",
    "weapon",
    "self_harm",
    "abuse",
    "substance",
    "misconduct",
    "other",
)
# The language code of a text in which no language can be told (no letters at all).
UNDETERMINED = "und"


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """Urgency, category and language of one text, with why."""

    urgency: str
    category: str
    language: str
    confidence: float
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.urgency not in URGENCIES:
            raise ValueError(f"unknown urgency {self.urgency!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")

    def to_wire(self) -> dict[str, Any]:
        """The JSON shape of `tipline classify` (PROTOCOL.md)."""
        return {
            "urgency": self.urgency,
            "category": self.category,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "reasons": list(self.reasons),
        }
