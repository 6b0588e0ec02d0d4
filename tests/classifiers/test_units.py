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
        joint_w=rng.normal(size=(4, 2)).astype(np.float32),
        joint_b=np.zeros(2, dtype=np.float32),
        joint_pairs=np.array([[0, 8], [2, 3]], dtype=np.int64),
        thresholds=heads.Thresholds(emergency=0.07, confident=0.5, by_language={"en": 0.2}),
        probe=np.full(4, 0.5, dtype=np.float32),
        meta={"seed": 1},
    )
    original.save(tmp_path / "h.npz")
    loaded = heads.load(tmp_path / "h.npz")
    assert loaded.thresholds == original.thresholds
    assert loaded.meta == {"seed": 1}
    assert np.array_equal(loaded.category_w, original.category_w)
    assert np.array_equal(loaded.joint_pairs, original.joint_pairs)
    p_u, p_c = loaded.probabilities(np.ones((2, 4), dtype=np.float32))
    assert np.allclose(p_u.sum(axis=1), 1.0)
    assert np.allclose(p_c.sum(axis=1), 1.0)


def test_heads_file_without_language_thresholds_uses_the_floor_everywhere(
    tmp_path: pathlib.Path,
) -> None:
    """A heads file from before per-language thresholds loads with the one threshold."""
    with np.load(heads.DEFAULT_PATH) as data:
        old = {k: data[k] for k in data.files if k != "thresholds_by_language"}
    np.savez(tmp_path / "old.npz", **old)
    thresholds = heads.load(tmp_path / "old.npz").thresholds
    assert thresholds.by_language == {}
    assert thresholds.emergency_for("en") == thresholds.emergency


def test_joint_head_marginals_are_averaged_with_the_plain_heads() -> None:
    """P(urgency) is the mean of the urgency head and the joint head's marginal."""
    p_u = np.array([[1.0, 0.0, 0.0]], dtype=np.float32)
    p_c = np.eye(9, dtype=np.float32)[[8]]
    p_j = np.array([[0.25, 0.75]], dtype=np.float32)
    pairs = np.array([[0, 8], [2, 3]], dtype=np.int64)  # routine/other, emergency/weapon
    urgency, category = heads.combine(p_u, p_c, p_j, pairs)
    assert np.allclose(urgency, [[0.625, 0.0, 0.375]])
    assert np.allclose(category[0, [3, 8]], [0.375, 0.625])


def test_heads_file_without_a_joint_head_is_refused(tmp_path: pathlib.Path) -> None:
    """A heads file from before the joint head asks to be retrained, not half-used."""
    with np.load(heads.DEFAULT_PATH) as data:
        old = {k: data[k] for k in data.files if not k.startswith("joint_")}
    np.savez(tmp_path / "old.npz", **old)
    with pytest.raises(ValueError, match="retrain"):
        heads.load(tmp_path / "old.npz")


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


def test_emergency_threshold_holds_recall_in_every_language() -> None:
    """The tuned threshold keeps out-of-fold recall at the target in each language too."""
    from classifiers import train  # noqa: PLC0415 - imports torch

    # 100 easy English emergencies (p = 0.9) and 10 Tagalog ones whose lowest p is 0.2.
    p = np.array([0.9] * 100 + [0.2] + [0.5] * 9, dtype=np.float32)
    is_e = np.ones(110, dtype=bool)
    hit = np.zeros(110, dtype=bool)
    tagalog = np.array([False] * 100 + [True] * 10)
    pooled = train.tune_emergency(p, is_e, hit)
    assert pooled > 0.2  # overall recall 109/110 = 0.99 misses the Tagalog one
    assert train.tune_emergency(p, is_e, hit, [~tagalog, tagalog]) <= 0.2


def test_a_language_threshold_rises_only_as_far_as_it_loses_no_emergency() -> None:
    """Above the floor, a language's own threshold stops below its lowest emergency that
    the floor catches; a language already missing one at the floor may not rise past the
    next, and a pattern hit counts as caught at any threshold."""
    from classifiers import train  # noqa: PLC0415 - imports torch

    p = np.array([0.9, 0.233, 0.01, 0.15, 0.123, 0.5, 0.02], dtype=np.float32)
    is_e = np.array([True, True, True, False, True, True, True])
    hit = np.array([False, False, True, False, False, False, False])
    languages = ["en", "en", "en", "en", "tl", "tl", "tl"]
    chosen = train.tune_by_language(p, is_e, hit, languages, floor=0.1)
    assert chosen == {"en": 0.23, "tl": 0.12}


def test_border_no_loss_threshold_demotes_no_called_emergency() -> None:
    """The study's "no loss" demotion threshold is the highest that lowers no emergency."""
    from classifiers import border  # noqa: PLC0415 # the study imports torch (train extra)

    score = np.array([0.02, 0.4, 0.3, 0.9], dtype=np.float32)
    called = np.array([True, True, True, False])
    demotable = np.array([True, True, True, True])
    is_e = np.array([False, True, False, True])
    t = border.no_loss(score, called, demotable, is_e)
    assert 0.3 < t <= 0.4
    assert not (called & demotable & is_e & (score < t)).any()


def test_border_cues_read_the_safety_nets_word_lists() -> None:
    """A story frame and a habit word are found as cues; a plain sentence has none."""
    from classifiers import border  # noqa: PLC0415

    assert border.cues("for my class project about school safety")[4] == 1.0
    assert border.cues("she cuts herself again, I saw the scars")[1] == 1.0
    assert border.cues("where do i sign up for chess club") == [0.0] * 5


def test_seed_runs_are_found_by_seed_and_the_default_keeps_its_file_name() -> None:
    """`train --finetune --seed N` and the seeds study agree on where each run's file is."""
    from classifiers import train  # noqa: PLC0415 # the trainer imports torch (train extra)

    cache = pathlib.Path("/cache")
    assert train.oof_path(cache, 20261128) == cache / "finetune-oof.npz"
    assert train.oof_path(cache, 7) == cache / "finetune-oof-seed7.npz"


def test_a_seed_run_of_another_corpus_is_refused(tmp_path: pathlib.Path) -> None:
    """Averaging members is only meaningful row by row: another corpus's file is refused."""
    from classifiers import seeds  # noqa: PLC0415

    path = tmp_path / "oof.npz"
    p = np.full((2, 3), 1 / 3, dtype=np.float32)
    np.savez(path, p_u=p, p_c=np.full((2, 9), 1 / 9, dtype=np.float32), ids=np.array(["a", "b"]))
    assert seeds.load_member(path, ["a", "b"])[0].shape == (2, 3)
    with pytest.raises(SystemExit, match="another corpus"):
        seeds.load_member(path, ["a", "c"])
