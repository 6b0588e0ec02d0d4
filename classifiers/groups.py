"""Cross-validation groups: scenarios, merged across languages by their concept tag.

The corpus's sources tie translations of one situation together with a concept tag
(classifiers/data/build.py) and keep them on one side of the held-out split. The jsonl
rows carry only the scenario id, so grouping by scenario alone would put a Spanish
paraphrase in training and its English twin in the test fold, and cross-validation would
promise more than the held-out file gives. When the sources are present and agree with the
rows, the concept is used; otherwise each scenario is its own group.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from classifiers import corpus

_log = logging.getLogger(__name__)


def _concepts() -> dict[str, tuple[str | None, frozenset[str]]]:
    """Scenario id -> (concept, texts), replaying build.py's numbering."""
    build = importlib.import_module("classifiers.data.build")
    return {
        scenario_id: (s.concept, frozenset(text for _, text in s.texts))
        for scenario_id, s in build.numbered().items()
    }


def of(rows: Sequence[corpus.Row]) -> list[str]:
    """One group name per row: its concept when known, else its scenario."""
    try:
        concepts = _concepts()
    except (ImportError, AttributeError, OSError, ValueError) as exc:
        _log.warning("groups.no_concept_tags", extra={"error": str(exc)[:200]})  # by scenario
        return [r.scenario for r in rows]
    if any(r.text not in concepts.get(r.scenario, (None, frozenset()))[1] for r in rows):
        _log.warning("groups.sources_disagree")  # with the rows: grouped by scenario
        return [r.scenario for r in rows]
    named = (concepts[r.scenario][0] for r in rows)
    return [
        f"concept:{concept}" if concept else r.scenario
        for r, concept in zip(rows, named, strict=True)
    ]
