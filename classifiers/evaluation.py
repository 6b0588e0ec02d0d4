"""Evaluation of an engine over a labelled JSON-lines file (the corpus format)."""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from classifiers import corpus, metrics
from classifiers.verdict import CATEGORIES, EMERGENCY, URGENCIES, URGENT, Verdict

if TYPE_CHECKING:
    from classifiers import Engine

_BATCH = 32


@dataclasses.dataclass(frozen=True, slots=True)
class Subset:
    """Scores over one part of the rows (all of them, or the non-English ones)."""

    name: str
    size: int
    urgency: metrics.Scores
    category: metrics.Scores
    missed: tuple[tuple[corpus.Row, Verdict], ...]

    @property
    def emergency_recall(self) -> float:
        """Share of true emergencies called emergency."""
        return self.urgency.of(EMERGENCY).recall

    @property
    def emergency_precision(self) -> float:
        """Share of predicted emergencies that are true emergencies."""
        return self.urgency.of(EMERGENCY).precision

    @property
    def urgent_called_emergency(self) -> float:
        """Share of urgent reports called emergency (each one pages someone at night)."""
        row = self.urgency.confusion[self.urgency.labels.index(URGENT)]
        return row[self.urgency.labels.index(EMERGENCY)] / sum(row) if sum(row) else 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class EvalReport:
    """The evaluation of one engine on one file: overall and non-English."""

    engine: str
    path: str
    overall: Subset
    non_english: Subset


def _subset(name: str, pairs: Sequence[tuple[corpus.Row, Verdict]]) -> Subset:
    rows = [row for row, _ in pairs]
    verdicts = [verdict for _, verdict in pairs]
    return Subset(
        name=name,
        size=len(rows),
        urgency=metrics.score(
            [r.urgency for r in rows], [v.urgency for v in verdicts], URGENCIES[::-1]
        ),
        category=metrics.score(
            [r.category for r in rows], [v.category for v in verdicts], CATEGORIES
        ),
        missed=tuple(
            (row, verdict)
            for row, verdict in pairs
            if row.urgency == EMERGENCY and verdict.urgency != EMERGENCY
        ),
    )


def report_of(
    engine_name: str, path: str, rows: Sequence[corpus.Row], verdicts: Sequence[Verdict]
) -> EvalReport:
    """Score `verdicts` against the labels of `rows` (same order)."""
    pairs = list(zip(rows, verdicts, strict=True))
    return EvalReport(
        engine=engine_name,
        path=path,
        overall=_subset("overall", pairs),
        non_english=_subset("non-English", [p for p in pairs if p[0].language != "en"]),
    )


def render(report: EvalReport) -> list[str]:
    """The printed evaluation: tables, confusions, emergency figures, every miss in full."""
    lines = [f"engine {report.engine} on {report.path}"]
    for subset in (report.overall, report.non_english):
        lines.append("")
        lines.append(f"== {subset.name} ({subset.size} rows)")
        lines += metrics.render(subset.urgency, "urgency")
        lines += metrics.render(subset.category, "category")
        lines.append(
            f"  emergency recall {subset.emergency_recall:.3f}, "
            f"precision {subset.emergency_precision:.3f}; "
            f"urgent called emergency {subset.urgent_called_emergency:.3f}"
        )
        lines.append(f"  missed emergencies: {len(subset.missed)}")
        for row, verdict in subset.missed:
            lines.append(
                f"  - {row.id} [{row.language}, {row.category}] -> {verdict.urgency}/"
                f"{verdict.category} ({verdict.confidence:.2f}; {'; '.join(verdict.reasons)})"
            )
            lines.append(f"    {row.text}")
    return lines


def evaluate(engine: Engine, path: pathlib.Path, out: TextIO) -> EvalReport:
    """Classify every row of `path`, print the evaluation to `out`, return it."""
    rows = corpus.load(path)
    verdicts: list[Verdict] = []
    for start in range(0, len(rows), _BATCH):
        verdicts += engine.classify([r.text for r in rows[start : start + _BATCH]])
    report = report_of(engine.name, str(path), rows, verdicts)
    out.write("\n".join(render(report)) + "\n")
    out.flush()
    return report
