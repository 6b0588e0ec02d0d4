"""The overlap check between train-only scenarios and the held-out file (pure parts)."""

from __future__ import annotations

import numpy as np

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
