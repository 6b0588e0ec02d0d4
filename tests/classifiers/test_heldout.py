"""The acceptance figures on the held-out file, overall and for non-English reports.

heldout.jsonl holds scenarios (and their translations) that training never saw; nothing
is tuned on it. Targets (issue 3): emergency recall >= 0.97 with precision >= 0.5, urgency
macro-F1 >= 0.65, category macro-F1 >= 0.75, overall and for non-English reports.

Every target is met and asserted (docs/classifier.md has the figures), and each figure is
also held to a floor just under the one measured now, so a regression fails at once.
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


# Measured on 2026-12-01 after training on the 4,420-row corpus (round 4, issue #18;
# docs/classifier.md: 0.677 / 0.619, 0.752 / 0.687, 0.797 / 0.757), minus a small margin for
# CPU numerics. Non-English category fell from 0.778 (4,398 rows) to 0.757: its floor is the
# target itself, 0.75; precision and urgency rose.
FLOORS = {
    ("precision", "overall"): 0.66, ("precision", "non-English"): 0.60,
    ("urgency", "overall"): 0.73, ("urgency", "non-English"): 0.67,
    ("category", "overall"): 0.78, ("category", "non-English"): 0.75,
}  # fmt: skip
TARGETS = {"precision": 0.5, "urgency": 0.65, "category": 0.75}


def _figure(report: evaluation.EvalReport, metric: str, part: str) -> float:
    subset = _subset(report, part)
    if metric == "precision":
        return subset.emergency_precision
    return (subset.urgency if metric == "urgency" else subset.category).macro_f1


@pytest.mark.slow
@pytest.mark.parametrize("part", ["overall", "non-English"])
def test_emergency_recall(report: evaluation.EvalReport, part: str) -> None:
    """Emergencies are not missed: recall >= 0.97 (the safety requirement)."""
    recall = _subset(report, part).emergency_recall
    assert recall >= 0.97, f"emergency recall {recall:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize(("metric", "part"), list(FLOORS))
def test_no_regression_below_measured_figures(
    report: evaluation.EvalReport, metric: str, part: str
) -> None:
    """Precision and macro-F1 never fall below what the shipped heads measured."""
    figure = _figure(report, metric, part)
    assert figure >= FLOORS[metric, part], f"{metric} {part} {figure:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize(("metric", "part"), list(FLOORS))
def test_issue_targets(report: evaluation.EvalReport, metric: str, part: str) -> None:
    """Emergency precision >= 0.5, urgency macro-F1 >= 0.65, category macro-F1 >= 0.75."""
    figure = _figure(report, metric, part)
    assert figure >= TARGETS[metric], f"{metric} {part} {figure:.3f}"
