"""The overlap check between train-only scenarios and the held-out file (pure parts)."""

from __future__ import annotations

import numpy as np

from classifiers import corpus
from classifiers.data import overlap


def test_nearest_is_each_rows_best_cosine_to_the_heldout_rows() -> None:
    """nearest() gives, per row, its highest similarity to any held-out row."""
    rows = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    held = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    assert overlap.nearest(rows, held).tolist() == np.array([1.0, 0.8], dtype=np.float32).tolist()


def test_a_scenario_is_flagged_by_its_worst_row_only_above_the_bar() -> None:
    """One row over the bar flags its whole scenario, reported with its highest similarity."""
    similarity = np.array([0.80, 0.95, 0.90, 0.92], dtype=np.float32)
    over = overlap.flagged(["s1", "s1", "s2", "s3"], similarity, bar=0.93)
    assert over.keys() == {"s1"}
    assert abs(over["s1"] - 0.95) < 1e-6


def test_fresh_overlap_pairs_each_fresh_row_with_its_two_figures() -> None:
    """fresh_overlap() keeps each fresh row's ids with its corpus and held-out similarity."""
    fresh = [
        corpus.Row("x0001", "f0001", "a", "routine", "other", "en"),
        corpus.Row("x0002", "f0002", "b", "urgent", "abuse", "es"),
    ]
    figures = overlap.fresh_overlap(
        fresh, np.array([0.9, 0.5], dtype=np.float32), np.array([0.4, 0.95], dtype=np.float32)
    )
    assert [(f.id, f.scenario, f.language) for f in figures] == [
        ("x0001", "f0001", "en"),
        ("x0002", "f0002", "es"),
    ]
    assert [round(f.to_corpus, 3) for f in figures] == [0.9, 0.5]
    assert [round(f.to_heldout, 3) for f in figures] == [0.4, 0.95]
