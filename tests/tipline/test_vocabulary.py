"""One vocabulary: the domain's Urgency and Category are the classifier's labels.

`classifiers.verdict` holds the one list of urgencies and categories (the corpus, the heads
and training read it); `classifiers` imports nothing of the application, so
`tipline.models` declares its enums itself and this test holds the two together.
"""

from __future__ import annotations

from classifiers import verdict
from tipline import models


def test_categories_are_the_classifiers_in_the_same_order() -> None:
    """Category has the classifier's category strings, in the same order."""
    assert [c.value for c in models.Category] == list(verdict.CATEGORIES)


def test_urgencies_are_the_classifiers_with_the_same_ranks() -> None:
    """Urgency has the classifier's urgency strings, and each one's rank is its index there
    (the classifier lists them least urgent first)."""
    assert {u.value for u in models.Urgency} == set(verdict.URGENCIES)
    assert [u.value for u in sorted(models.Urgency, key=lambda u: u.rank)] == list(
        verdict.URGENCIES
    )
    for urgency in models.Urgency:
        assert urgency.rank == verdict.URGENCIES.index(urgency.value)
