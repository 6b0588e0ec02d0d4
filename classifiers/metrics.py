"""Classification metrics in plain Python: per-class precision/recall/F1, confusion."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True, slots=True)
class ClassScore:
    """Precision, recall and F1 of one label, and how many true rows it has."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclasses.dataclass(frozen=True, slots=True)
class Scores:
    """Scores of one labelling task (urgency or category) over some rows."""

    labels: tuple[str, ...]
    per_class: tuple[ClassScore, ...]
    # confusion[i][j]: rows whose truth is labels[i] and prediction labels[j].
    confusion: tuple[tuple[int, ...], ...]

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the labels that occur in the truth."""
        present = [c.f1 for c in self.per_class if c.support > 0]
        return sum(present) / len(present) if present else 0.0

    def of(self, label: str) -> ClassScore:
        """The score of one label."""
        return self.per_class[self.labels.index(label)]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def score(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Scores:
    """Per-class scores and the confusion matrix of `predicted` against `truth`."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for true, guess in zip(truth, predicted, strict=True):
        matrix[index[true]][index[guess]] += 1
    per_class = []
    for i, label in enumerate(labels):
        hits = matrix[i][i]
        predicted_n = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        precision, recall = _ratio(hits, predicted_n), _ratio(hits, support)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append(ClassScore(label, precision, recall, f1, support))
    return Scores(
        labels=tuple(labels),
        per_class=tuple(per_class),
        confusion=tuple(tuple(row) for row in matrix),
    )


def render(scores: Scores, title: str) -> list[str]:
    """Human-readable lines: the per-class table, then the confusion matrix."""
    lines = [f"{title}: macro-F1 {scores.macro_f1:.3f}"]
    lines.append(f"  {'label':<12}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>6}")
    for c in scores.per_class:
        lines.append(
            f"  {c.label:<12}{c.precision:>7.3f}{c.recall:>8.3f}{c.f1:>7.3f}{c.support:>6}"
        )
    width = max(len(label) for label in scores.labels) + 1
    lines.append(f"  confusion (rows truth, columns predicted): {title}")
    lines.append("  " + " " * width + "".join(f"{label[:6]:>7}" for label in scores.labels))
    for label, row in zip(scores.labels, scores.confusion, strict=True):
        lines.append(f"  {label:<{width}}" + "".join(f"{n:>7}" for n in row))
    return lines
