"""Train the heads: `python -m classifiers.train [--finetune]` (fixed seed, one thread).

Without --finetune: embed corpus.jsonl once with the frozen encoder (cached under the
cache dir, keyed by the texts and the model); pick the L2 strength and tune the emergency
threshold by cross-validation grouped by scenario, and by concept across languages
(classifiers.groups: a situation and its translations never sit on both sides of a split);
fit the final heads on the whole corpus; save them with the thresholds.

With --finetune (what ships): the top layers are fine-tuned with the heads
(classifiers.finetune); 3-fold grouped cross-validation tunes the threshold, the final
fit writes the heads and the layers' delta file. heldout.jsonl is never read here: it is
only for the final evaluation (`tests/classifiers/test_heldout.py`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from classifiers import corpus, finetune, folds, groups, rules
from classifiers.encoder import MAX_TOKENS, PREFIX, Encoder
from classifiers.heads import DEFAULT_PATH, PROBE_TEXT, Heads, Thresholds, combine, softmax
from classifiers.heads import load as heads_load
from classifiers.verdict import CATEGORIES, EMERGENCY, URGENCIES

SEED = 20261128
L2_GRID = (1e-5, 3e-5, 1e-4, 3e-4)
# Out-of-fold emergency recall the threshold must reach: above the 0.97 the held-out file
# must show, yet not 0.99, where cross-validated precision (0.53) nears its 0.5 floor.
TARGET_RECALL = 0.98
# Routine needs P(routine) above 0.5 anyway; between 0.5 and this it is raised to urgent.
CONFIDENT = 0.6
FloatArray = npt.NDArray[np.float32]


def embed_cached(encoder: Encoder, texts: Sequence[str], cache_dir: pathlib.Path) -> FloatArray:
    """Embeddings of `texts`, cached in cache_dir keyed by texts, model and settings."""
    key = hashlib.sha256()
    for part in (str(encoder.model_dir.resolve()), PREFIX, str(MAX_TOKENS), *texts):
        key.update(part.encode() + b"\0")
    path = cache_dir / "embeddings" / f"{key.hexdigest()[:24]}.npy"
    if path.is_file():
        cached: FloatArray = np.load(path).astype(np.float32)
        return cached
    vectors = encoder.embed(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def fit_head(
    x: FloatArray, y: npt.NDArray[np.int64], classes: int, *, l2: float
) -> tuple[FloatArray, FloatArray]:
    """Class-balanced multinomial logistic regression (full-batch L-BFGS, float64)."""
    torch.manual_seed(SEED)
    features = torch.from_numpy(x.astype(np.float64))
    labels = torch.from_numpy(y)
    counts = torch.bincount(labels, minlength=classes).clamp(min=1).double()
    weight = counts.sum() / (classes * counts)
    w = torch.zeros((x.shape[1], classes), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(features @ w + b, labels, weight=weight)
        loss = loss + l2 * (w * w).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimiser.step(closure)  # type: ignore[no-untyped-call]
    return (w.detach().numpy().astype(np.float32), b.detach().numpy().astype(np.float32))


def _labels(values: Sequence[str], order: Sequence[str]) -> npt.NDArray[np.int64]:
    return np.array([order.index(v) for v in values], dtype=np.int64)


def joint_labels(
    y_u: npt.NDArray[np.int64], y_c: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The (urgency, category) pairs that occur, sorted, and each row's pair index."""
    pairs = np.array(sorted(set(zip(y_u.tolist(), y_c.tolist(), strict=True))), dtype=np.int64)
    index = {(int(u), int(c)): i for i, (u, c) in enumerate(pairs)}
    return pairs, np.array([index[int(u), int(c)] for u, c in zip(y_u, y_c, strict=True)])


def fit_all(
    x: FloatArray, y_u: npt.NDArray[np.int64], y_c: npt.NDArray[np.int64], *, l2: float
) -> dict[str, npt.NDArray[Any]]:
    """The three heads (urgency, category, joint) fitted on the same rows."""
    pairs, y_j = joint_labels(y_u, y_c)
    w_u, b_u = fit_head(x, y_u, len(URGENCIES), l2=l2)
    w_c, b_c = fit_head(x, y_c, len(CATEGORIES), l2=l2)
    w_j, b_j = fit_head(x, y_j, len(pairs), l2=l2)
    return {
        "urgency_w": w_u, "urgency_b": b_u, "category_w": w_c, "category_b": b_c,
        "joint_w": w_j, "joint_b": b_j, "joint_pairs": pairs,
    }  # fmt: skip


def out_of_fold(
    x: FloatArray, rows: Sequence[corpus.Row], *, l2: float, k: int = 5
) -> tuple[FloatArray, FloatArray]:
    """Out-of-fold urgency and category probabilities (concept-grouped folds)."""
    y_u, y_c = (
        _labels([r.urgency for r in rows], URGENCIES),
        _labels([r.category for r in rows], CATEGORIES),
    )
    p_u = np.zeros((len(rows), len(URGENCIES)), dtype=np.float32)
    p_c = np.zeros((len(rows), len(CATEGORIES)), dtype=np.float32)
    for train, test in folds.grouped(groups.of(rows), k=k, seed=SEED):
        h = fit_all(x[train], y_u[train], y_c[train], l2=l2)
        p_u[test], p_c[test] = combine(
            softmax(x[test] @ h["urgency_w"] + h["urgency_b"]),
            softmax(x[test] @ h["category_w"] + h["category_b"]),
            softmax(x[test] @ h["joint_w"] + h["joint_b"]),
            h["joint_pairs"],
        )
    return p_u, p_c


def tune_emergency(
    p_emergency: FloatArray,
    is_emergency: npt.NDArray[np.bool_],
    hit: npt.NDArray[np.bool_],
    parts: Sequence[npt.NDArray[np.bool_]] = (),
) -> float:
    """The highest threshold whose out-of-fold emergency recall (with the safety net)
    reaches TARGET_RECALL overall and in each of `parts` (row masks: each language), so
    that no language pays for the others' easy emergencies; precision is what that costs,
    and is reported."""
    masks = [np.ones_like(is_emergency), *parts]
    for threshold in np.arange(0.600, 0.009, -0.005):
        caught = (p_emergency >= threshold) | hit
        if all(caught[is_emergency & m].mean() >= TARGET_RECALL for m in masks if m.any()):
            return round(float(threshold), 3)
    return 0.01


def tune_by_language(
    p_emergency: FloatArray,
    is_emergency: npt.NDArray[np.bool_],
    hit: npt.NDArray[np.bool_],
    languages: Sequence[str],
    floor: float,
) -> dict[str, float]:
    """Per language, the highest threshold above `floor` (the one every language reaches,
    which stays the default) at which that language misses no more emergencies out of
    fold, with the safety net, than it does at `floor`: raising it costs none of its
    recall there. Languages whose recall would fall above `floor` keep it."""
    chosen: dict[str, float] = {}
    for lang in sorted(set(languages)):
        mask = np.array([language == lang for language in languages]) & is_emergency
        if not mask.any():
            continue

        def caught(threshold: float, mask: npt.NDArray[np.bool_] = mask) -> int:
            return int(((p_emergency[mask] >= threshold) | hit[mask]).sum())

        at_floor = caught(floor)
        for threshold in np.arange(0.600, floor, -0.005):
            if caught(float(threshold)) >= at_floor:
                chosen[lang] = round(float(threshold), 3)
                break
    return chosen


def language_masks(rows: Sequence[corpus.Row]) -> list[npt.NDArray[np.bool_]]:
    """One row mask per language of `rows`, in a fixed order."""
    languages = sorted({r.language for r in rows})
    return [np.array([r.language == lang for r in rows]) for lang in languages]


def _macro_f1(truth: npt.NDArray[np.int64], guess: npt.NDArray[np.int64], n: int) -> float:
    scores = []
    for label in range(n):
        if not (truth == label).any():
            continue
        tp = float(((guess == label) & (truth == label)).sum())
        den = float((guess == label).sum() + (truth == label).sum())
        scores.append(2 * tp / den if den else 0.0)
    return float(np.mean(scores))


def _report(
    rows: Sequence[corpus.Row],
    p_u: FloatArray,
    p_c: FloatArray,
    hit: npt.NDArray[np.bool_],
    threshold: float,
) -> str:
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    called = (p_u[:, URGENCIES.index(EMERGENCY)] >= threshold) | hit
    recall = called[is_e].mean()
    precision = is_e[called].mean() if called.any() else 0.0
    f1_u = _macro_f1(_labels([r.urgency for r in rows], URGENCIES), p_u.argmax(1), 3)
    f1_c = _macro_f1(_labels([r.category for r in rows], CATEGORIES), p_c.argmax(1), 9)
    by_language = {
        lang: float(called[is_e & np.array([r.language == lang for r in rows])].mean())
        for lang in sorted({r.language for r in rows if r.urgency == EMERGENCY})
    }
    weakest = min(by_language, key=lambda lang: by_language[lang])
    return (
        f"emergency recall {recall:.3f} (lowest language: {weakest} {by_language[weakest]:.3f})"
        f" precision {precision:.3f} at threshold {threshold:.3f}; "
        f"argmax macro-F1 urgency {f1_u:.3f} category {f1_c:.3f}"
    )


def train(
    encoder: Encoder, rows: Sequence[corpus.Row], cache_dir: pathlib.Path
) -> tuple[Heads, list[str]]:
    """Heads and thresholds for `rows`, with a log of the cross-validation."""
    x = embed_cached(encoder, [r.text for r in rows], cache_dir)
    hit = np.array([bool(rules.scan(r.text)) for r in rows])
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    log, best = [], (-1.0, L2_GRID[0], 0.5)
    for l2 in L2_GRID:
        p_u, p_c = out_of_fold(x, rows, l2=l2)
        threshold = tune_emergency(
            p_u[:, URGENCIES.index(EMERGENCY)], is_e, hit, language_masks(rows)
        )
        log.append(f"l2 {l2:g}: " + _report(rows, p_u, p_c, hit, threshold))
        y_u = _labels([r.urgency for r in rows], URGENCIES)
        y_c = _labels([r.category for r in rows], CATEGORIES)
        score = _macro_f1(y_u, p_u.argmax(1), 3) + _macro_f1(y_c, p_c.argmax(1), 9)
        if score > best[0]:
            best = (score, l2, threshold)
    _, l2, threshold = best
    log.append(f"chosen: l2 {l2:g}, emergency threshold {threshold:.3f}")
    fitted = fit_all(
        x,
        _labels([r.urgency for r in rows], URGENCIES),
        _labels([r.category for r in rows], CATEGORIES),
        l2=l2,
    )
    heads = Heads(
        urgency_w=fitted["urgency_w"],
        urgency_b=fitted["urgency_b"],
        category_w=fitted["category_w"],
        category_b=fitted["category_b"],
        joint_w=fitted["joint_w"],
        joint_b=fitted["joint_b"],
        joint_pairs=fitted["joint_pairs"],
        thresholds=Thresholds(emergency=threshold, confident=CONFIDENT),
        probe=encoder.embed([PROBE_TEXT])[0],
        meta={"seed": SEED, "l2": l2, "rows": len(rows), "cv": log},
    )
    return heads, log


def train_finetuned(
    model_dir: pathlib.Path,
    rows: Sequence[corpus.Row],
    delta_path: pathlib.Path,
    progress: Callable[[str], None] = lambda line: None,
    oof_path: pathlib.Path | None = None,
    *,
    recipe: finetune.Recipe | None = None,
) -> tuple[Heads, list[str]]:
    """Fine-tune the top layers with the heads (finetune.Recipe); writes the delta file.

    3-fold concept-grouped cross-validation gives the out-of-fold probabilities that tune
    the emergency threshold; then the final layers and heads are fitted on every row. The
    folds do not depend on `recipe.seed`, so runs with other seeds give out-of-fold
    probabilities of the same rows by models that saw the same rows: they can be averaged.
    """
    recipe = recipe or finetune.Recipe()
    encoder = Encoder(model_dir, max_tokens=recipe.max_tokens)
    states = finetune.lower_states(
        encoder.model, encoder.token_ids([r.text for r in rows]), recipe.layers, encoder.pad_id
    )
    progress(f"train: lower layers of {len(rows)} texts computed; 3 folds, then the final fit")
    y_u = _labels([r.urgency for r in rows], URGENCIES)
    y_c = _labels([r.category for r in rows], CATEGORIES)
    p_u = np.zeros((len(rows), len(URGENCIES)), dtype=np.float32)
    p_c = np.zeros((len(rows), len(CATEGORIES)), dtype=np.float32)
    # The fold models' vectors of their test rows: what a second stage or a study of the
    # urgent/emergency border reads out of fold (docs/classifier.md, sixth round).
    vectors = np.zeros((len(rows), int(encoder.model.config.hidden_size)), dtype=np.float32)
    for fold, (train_i, test_i) in enumerate(folds.grouped(groups.of(rows), k=3, seed=SEED), 1):
        progress(f"train: fold {fold}/3 ({len(train_i)} rows to fit, {len(test_i)} to predict)")
        pairs, y_j = joint_labels(y_u[train_i], y_c[train_i])
        net = finetune.fit(
            encoder.model, [states[i] for i in train_i], (y_u[train_i], y_c[train_i], y_j),
            pairs, recipe,
        )  # fmt: skip
        p_u[test_i], p_c[test_i] = finetune.predict(net, [states[i] for i in test_i])
        vectors[test_i] = finetune.pooled(net, [states[i] for i in test_i])
    hit = np.array([bool(rules.scan(r.text)) for r in rows])
    is_e = y_u == URGENCIES.index(EMERGENCY)
    p_e = p_u[:, URGENCIES.index(EMERGENCY)]
    threshold = tune_emergency(p_e, is_e, hit, language_masks(rows))
    if oof_path is not None:
        oof_path.parent.mkdir(parents=True, exist_ok=True)
        ids = np.array([r.id for r in rows])
        np.savez(oof_path, p_u=p_u, p_c=p_c, hit=hit, ids=ids, vectors=vectors)
        progress(f"train: out-of-fold probabilities saved in {oof_path}")
    log = ["fine-tuned, 3 folds: " + _report(rows, p_u, p_c, hit, threshold)]
    progress(f"train: final fit on all {len(rows)} rows")
    pairs, y_j = joint_labels(y_u, y_c)
    net = finetune.fit(encoder.model, states, (y_u, y_c, y_j), pairs, recipe)
    finetune.save_delta(net, delta_path)
    finetune.apply_delta(encoder.model, delta_path)  # the probe as the engine will see it
    heads = Heads(
        **net.head_weights(),
        joint_pairs=pairs,
        thresholds=Thresholds(emergency=threshold, confident=CONFIDENT),
        probe=encoder.embed([PROBE_TEXT])[0],
        meta={"seed": recipe.seed, "rows": len(rows), "cv": log, "delta": delta_path.name,
              "recipe": dataclasses.asdict(recipe)},
    )  # fmt: skip
    return heads, log


def retune(
    rows: Sequence[corpus.Row], oof_path: pathlib.Path, heads_path: pathlib.Path
) -> tuple[Heads, list[str]]:
    """The heads at `heads_path` with thresholds tuned again on the out-of-fold
    probabilities a `--finetune` run saved, and the safety net as it is now: after a
    change to the net's guards or to the threshold rule, without training again."""
    with np.load(oof_path) as data:
        if data["ids"].tolist() != [r.id for r in rows]:
            raise SystemExit(f"{oof_path} was saved for another corpus; train again")
        p_u, p_c = data["p_u"], data["p_c"]
    hit = np.array([bool(rules.scan(r.text)) for r in rows])
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    p_e = p_u[:, URGENCIES.index(EMERGENCY)]
    threshold = tune_emergency(p_e, is_e, hit, language_masks(rows))
    languages = [r.language for r in rows]
    by_language = tune_by_language(p_e, is_e, hit, languages, threshold)
    called = (p_e >= np.array([by_language.get(lang, threshold) for lang in languages])) | hit
    log = [
        "retuned on saved out-of-fold probabilities: " + _report(rows, p_u, p_c, hit, threshold),
        f"per language: {by_language}; then recall {called[is_e].mean():.3f}"
        f" precision {is_e[called].mean():.3f}",
    ]
    old = heads_load(heads_path)
    meta = {**old.meta, "cv": [*old.meta.get("cv", []), *log]}
    thresholds = Thresholds(emergency=threshold, confident=CONFIDENT, by_language=by_language)
    return dataclasses.replace(old, thresholds=thresholds, meta=meta), log


def oof_path(cache_dir: pathlib.Path, seed: int) -> pathlib.Path:
    """Where a `--finetune` run with `seed` keeps its out-of-fold file (and `--retune`
    with that seed reads it): `finetune-oof.npz` for the default seed."""
    suffix = "" if seed == finetune.Recipe().seed else f"-seed{seed}"
    return cache_dir / f"finetune-oof{suffix}.npz"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: train on the corpus and write the heads."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.train", description=__doc__)
    parser.add_argument("--model-dir", type=pathlib.Path, help="a BERT-like model folder")
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--corpus", type=pathlib.Path, default=corpus.default_paths()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_PATH)
    parser.add_argument(
        "--finetune", action="store_true", help="also fine-tune the top layers (~20 min)"
    )
    parser.add_argument(
        "--retune",
        action="store_true",
        help="only tune the thresholds of --out again, from the out-of-fold probabilities "
        "the last --finetune run saved in the cache dir (after a safety-net change)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=finetune.Recipe().seed,
        help="with --finetune: the seed of the initialisation and the batch order (the folds "
        "stay the same); its out-of-fold file, which --retune with the same seed reads, is "
        "finetune-oof-seed<N>.npz unless it is the default",
    )
    args = parser.parse_args(argv)
    oof = oof_path(args.cache_dir, args.seed)
    if args.retune:
        heads, log = retune(corpus.load(args.corpus), oof, args.out)
        for line in log:
            _say("train: " + line)
        heads.save(args.out)
        _say(f"train: wrote {args.out}")
        return 0
    from classifiers import convert  # noqa: PLC0415 - only when no model folder is given

    model_dir = args.model_dir or convert.ensure(args.cache_dir, _say)
    _say(f"train: embedding {args.corpus} with {model_dir}")
    torch.set_num_threads(1)  # reproducible figures, and the other core stays free
    if args.finetune:
        delta = args.out.parent / finetune.DELTA_NAME
        recipe = finetune.Recipe(seed=args.seed)
        rows = corpus.load(args.corpus)
        heads, log = train_finetuned(model_dir, rows, delta, _say, oof, recipe=recipe)
    else:
        heads, log = train(Encoder(model_dir), corpus.load(args.corpus), args.cache_dir)
    for line in log:
        _say("train: " + line)
    heads.save(args.out)
    _say(f"train: wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
