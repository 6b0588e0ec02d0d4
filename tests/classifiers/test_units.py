"""Small pure parts: metrics, folds, heads files, the result type."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from classifiers import folds, heads, metrics
from classifiers.verdict import Verdict


def test_scores_and_confusion() -> None:
    """Precision, recall, F1 and the confusion matrix of a small known case."""
    scores = metrics.score(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert scores.confusion == ((1, 1), (0, 2))
    assert (scores.of("a").precision, scores.of("a").recall) == (1.0, 0.5)
    assert scores.of("b").precision == pytest.approx(2 / 3)
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)


def test_macro_f1_ignores_labels_absent_from_the_truth() -> None:
    """A label nobody has (support 0) does not drag the macro average down."""
    scores = metrics.score(["a", "a"], ["a", "a"], ["a", "b"])
    assert scores.macro_f1 == 1.0


def test_grouped_folds_keep_each_group_in_one_test_fold() -> None:
    """Every row is tested once, and a group never spans two test folds."""
    groups = [f"g{i // 3}" for i in range(40)]
    split = folds.grouped(groups, k=5, seed=1)
    tested = np.concatenate([test for _, test in split])
    assert sorted(tested.tolist()) == list(range(40))
    for train, test in split:
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_grouped_folds_are_deterministic() -> None:
    """The same seed gives the same folds (training is reproducible)."""
    groups = [f"g{i % 7}" for i in range(30)]
    first, second = folds.grouped(groups, k=3, seed=4), folds.grouped(groups, k=3, seed=4)
    assert all((a[1] == b[1]).all() for a, b in zip(first, second, strict=True))


def test_heads_file_round_trip(tmp_path: pathlib.Path) -> None:
    """Saved heads load back with the same weights, thresholds and probe."""
    rng = np.random.default_rng(0)
    original = heads.Heads(
        urgency_w=rng.normal(size=(4, 3)).astype(np.float32),
        urgency_b=np.zeros(3, dtype=np.float32),
        category_w=rng.normal(size=(4, 9)).astype(np.float32),
        category_b=np.zeros(9, dtype=np.float32),
        thresholds=heads.Thresholds(emergency=0.07, confident=0.5),
        probe=np.full(4, 0.5, dtype=np.float32),
        meta={"seed": 1},
    )
    original.save(tmp_path / "h.npz")
    loaded = heads.load(tmp_path / "h.npz")
    assert loaded.thresholds == original.thresholds
    assert loaded.meta == {"seed": 1}
    assert np.array_equal(loaded.category_w, original.category_w)
    probabilities = loaded.urgency(np.ones((2, 4), dtype=np.float32))
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_committed_heads_are_small() -> None:
    """The committed weights stay far below a few hundred KB."""
    assert heads.DEFAULT_PATH.stat().st_size < 300_000


@pytest.mark.parametrize(
    ("field", "value"),
    [("urgency", "critical"), ("category", "fire"), ("confidence", 1.5)],
)
def test_verdict_rejects_values_outside_the_protocol(field: str, value: object) -> None:
    """A Verdict only carries PROTOCOL.md's labels and a confidence in [0, 1]."""
    fields: dict[str, object] = {
        "urgency": "urgent",
        "category": "other",
        "language": "en",
        "confidence": 0.5,
        "reasons": (),
    }
    fields[field] = value
    with pytest.raises(ValueError, match=field):
        Verdict(**fields)  # type: ignore[arg-type]
