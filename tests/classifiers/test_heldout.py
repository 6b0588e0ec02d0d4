"""The acceptance figures on the held-out file, overall and for non-English reports.

heldout.jsonl holds scenarios (and their translations) that training never saw; nothing
is tuned on it. Thresholds: emergency recall >= 0.97 with precision >= 0.5, urgency
macro-F1 >= 0.65, category macro-F1 >= 0.75.
"""

from __future__ import annotations

import io

import pytest

from classifiers import corpus, evaluate, evaluation
from classifiers.engine import TransformerEngine


@pytest.fixture(scope="module")
def report(transformer: TransformerEngine) -> evaluation.EvalReport:
    """The evaluation of the full engine on heldout.jsonl (printed on failure)."""
    out = io.StringIO()
    result = evaluate(transformer, corpus.default_paths()[1], out)
    print(out.getvalue())  # noqa: T201 - pytest shows it when an assertion fails
    return result


def _subset(report: evaluation.EvalReport, name: str) -> evaluation.Subset:
    return report.overall if name == "overall" else report.non_english


@pytest.mark.slow
@pytest.mark.parametrize("part", ["overall", "non-English"])
def test_emergency_recall_and_precision(report: evaluation.EvalReport, part: str) -> None:
    """Emergencies are found (recall >= 0.97) without crying wolf (precision >= 0.5)."""
    subset = _subset(report, part)
    recall, precision = subset.emergency_recall, subset.emergency_precision
    assert recall >= 0.97, f"emergency recall {recall:.3f}"
    assert precision >= 0.5, f"emergency precision {precision:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("part", ["overall", "non-English"])
def test_urgency_macro_f1(report: evaluation.EvalReport, part: str) -> None:
    """The three urgencies are told apart: macro-F1 >= 0.65."""
    f1 = _subset(report, part).urgency.macro_f1
    assert f1 >= 0.65, f"urgency macro-F1 {f1:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("part", ["overall", "non-English"])
def test_category_macro_f1(report: evaluation.EvalReport, part: str) -> None:
    """The nine categories are told apart: macro-F1 >= 0.75."""
    f1 = _subset(report, part).category.macro_f1
    assert f1 >= 0.75, f"category macro-F1 {f1:.3f}"
