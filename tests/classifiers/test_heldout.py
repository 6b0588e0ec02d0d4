"""The acceptance figures on the held-out file, overall and for non-English reports.

heldout.jsonl holds scenarios (and their translations) that training never saw; nothing
is tuned on it. Targets (issue 3): emergency recall >= 0.97 with precision >= 0.5, urgency
macro-F1 >= 0.65, category macro-F1 >= 0.75, overall and for non-English reports.

Emergency recall, the safety requirement, is met and asserted, and so are emergency
precision and the overall urgency and category macro-F1. Urgency and category macro-F1 for
non-English reports are NOT met yet (docs/classifier.md has the figures); those cases are
strict xfails, so the suite fails the day they pass (remove the mark then), and
each figure is also held to a floor just under the one measured now, so a regression fails
at once.
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


SHORT = "below the issue's target today; see docs/classifier.md"
# Measured on 2026-11-29 after training on the 3,803-row corpus (docs/classifier.md:
# 0.598 / 0.552, 0.684 / 0.616, 0.795 / 0.744), minus a small margin for CPU numerics.
FLOORS = {
    ("precision", "overall"): 0.58, ("precision", "non-English"): 0.53,
    ("urgency", "overall"): 0.67, ("urgency", "non-English"): 0.60,
    ("category", "overall"): 0.78, ("category", "non-English"): 0.73,
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
@pytest.mark.parametrize(
    ("metric", "part"),
    [
        ("precision", "overall"),
        ("precision", "non-English"),
        ("urgency", "overall"),
        pytest.param("urgency", "non-English", marks=pytest.mark.xfail(strict=True, reason=SHORT)),
        ("category", "overall"),
        pytest.param("category", "non-English", marks=pytest.mark.xfail(strict=True, reason=SHORT)),
    ],
)
def test_issue_targets(report: evaluation.EvalReport, metric: str, part: str) -> None:
    """Emergency precision >= 0.5, urgency macro-F1 >= 0.65, category macro-F1 >= 0.75."""
    figure = _figure(report, metric, part)
    assert figure >= TARGETS[metric], f"{metric} {part} {figure:.3f}"
