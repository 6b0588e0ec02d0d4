"""The urgent/emergency border: rules that would demote a model-called emergency, measured.

    .venv/bin/python -m classifiers.border [--cache-dir .cache] [--heldout]

A study, not the shipped decision (docs/classifier.md, sixth round). It reads what the last
`python -m classifiers.train --finetune` saved (`<cache>/finetune-oof.npz`: out-of-fold
probabilities, safety-net hits and the fold models' vectors), takes the rows the shipped
rule calls emergency from the model alone (no pattern hit: a hit is never lowered), and
tries three kinds of demotion on them:

- a second stage: a class-balanced logistic head trained only on those rows (emergency or
  not) on the vector, on the vector with log P(urgency) and the safety net's cue words, or
  on the last two alone; its own 5-fold concept-grouped cross-validation over those rows
  scores each out of fold, and a row is demoted below a threshold, at the highest one
  where no language loses an out-of-fold emergency ("no loss") and at fixed ones;
- cue guards from the safety net's own word lists over the whole text: a near-miss
  (`unless`) or habit (`ongoing`) word with no `acute` or `despite` word, or a
  fiction/schoolwork/handled frame;
- the threshold raised per predicted category as far as that category loses nothing.

`--heldout` then applies the "no loss" second stages, fitted on every candidate row, to
heldout.jsonl through the ONNX engine, and prints the same figures there. Nothing is tuned
on the held-out file.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from classifiers import corpus, folds, groups, normalize, rules
from classifiers.heads import Heads, softmax
from classifiers.heads import load as load_heads
from classifiers.train import SEED, fit_head
from classifiers.verdict import CATEGORIES, EMERGENCY, URGENCIES, URGENT

_E = URGENCIES.index(EMERGENCY)
FIXED = (0.1, 0.3)
Mask = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]


def cues(text: str) -> list[float]:
    """Whole-text cue words of the safety net: unless, ongoing, acute, despite, frame."""
    normal = normalize.normalise(text)
    found = [0.0] * 5
    for p in rules.PATTERNS:
        if p.gate is not None and not p.gate.search(normal):
            continue
        for i, words in enumerate((p.unless, p.ongoing, p.acute, p.despite)):
            if words is not None and words.search(normal):
                found[i] = 1.0
    found[4] = float(bool(rules._FRAMES.search(normal) or rules._FRAMES_UNSPACED.search(normal)))
    return found


def figures(called: Mask, is_e: Mask, is_u: Mask, languages: Sequence[str]) -> str:
    """Recall (lowest language), precision, false alarms, urgent called emergency."""
    caught = called & is_e
    langs = np.array(languages)
    per = {lang: float(caught[is_e & (langs == lang)].mean()) for lang in sorted(set(languages))}
    low = min(per, key=lambda lang: per[lang])
    return (
        f"recall {caught.sum() / is_e.sum():.3f} ({low} {per[low]:.3f}) | precision "
        f"{is_e[called].mean():.3f} | false alarms {int((called & ~is_e).sum())} | urgent "
        f"called emergency {called[is_u].mean():.3f}"
    )


def no_loss(score: FloatArray, called: Mask, demotable: Mask, is_e: Mask) -> float:
    """The highest demotion threshold at which no called emergency is demoted."""
    for t in np.arange(0.9, 0.0, -0.005):
        if not (called & demotable & is_e & (score < t)).any():
            return round(float(t), 3)
    return 0.0


def second_stage(
    features: FloatArray, candidates: npt.NDArray[np.int64], is_e: Mask, names: Sequence[str]
) -> FloatArray:
    """Out-of-fold P(emergency) of the candidate rows (1.0 elsewhere)."""
    score = np.ones(len(features), dtype=np.float32)
    y = is_e[candidates].astype(np.int64)
    x = features[candidates]
    for train, test in folds.grouped([names[i] for i in candidates], k=5, seed=SEED):
        w, b = fit_head(x[train], y[train], 2, l2=1e-4)
        score[candidates[test]] = softmax(x[test] @ w + b)[:, 1]
    return score


def _features(vectors: FloatArray, p_u: FloatArray, cue: FloatArray) -> dict[str, FloatArray]:
    log_p = np.log(np.clip(p_u, 1e-6, 1.0)).astype(np.float32)
    return {
        "vector": vectors,
        "vector + log P + cues": np.concatenate([vectors, log_p, cue], 1),
        "log P + cues": np.concatenate([log_p, cue], 1),
    }


def study(cache_dir: pathlib.Path, say: Callable[[str], None]) -> dict[str, float]:
    """Print every candidate rule's out-of-fold figures; the "no loss" thresholds back."""
    rows = corpus.load(corpus.default_paths()[0])
    with np.load(cache_dir / "finetune-oof.npz") as data:
        if data["ids"].tolist() != [r.id for r in rows] or "vectors" not in data:
            raise SystemExit("train again: python -m classifiers.train --finetune")
        p_u, p_c, hit, vectors = data["p_u"], data["p_c"], data["hit"], data["vectors"]
    shipped = load_heads()
    languages = [r.language for r in rows]
    p_e = p_u[:, _E]
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    is_u = np.array([r.urgency == URGENT for r in rows])
    threshold = np.array([shipped.thresholds.emergency_for(lang) for lang in languages])
    called = (p_e >= threshold) | hit
    model_only = (p_e >= threshold) & ~hit
    band = model_only & (p_e < p_u.max(1))
    say(f"shipped rule, out of fold: {figures(called, is_e, is_u, languages)}")
    cue = np.array([cues(r.text) for r in rows], dtype=np.float32)
    chosen: dict[str, float] = {}
    names = groups.of(rows)
    candidates = np.flatnonzero(model_only)
    for name, x in _features(vectors, p_u, cue).items():
        score = second_stage(x, candidates, is_e, names)
        t = chosen[name] = no_loss(score, called, model_only, is_e)
        for at in (t, *FIXED):
            kept = called & ~(model_only & (score < at))
            label = "no loss" if at == t else "fixed"
            say(
                f"second stage on {name}, {label} t={at:.3f}: "
                + figures(kept, is_e, is_u, languages)
            )
    guards = {
        "near-miss word, no acute/despite word": (cue[:, 0] == 1) & (cue[:, 2] + cue[:, 3] == 0),
        "habit word, no acute word": (cue[:, 1] == 1) & (cue[:, 2] == 0),
        "fiction / schoolwork / handled frame": cue[:, 4] == 1,
    }
    for name, guard in guards.items():
        for scope, where in (("band", band), ("every model call", model_only)):
            kept = called & ~(where & guard)
            say(f"guard {name} ({scope}): {figures(kept, is_e, is_u, languages)}")
    kept = called & ~(
        model_only & (p_e < threshold * _category_factor(p_e, p_c, threshold, is_e, hit))
    )
    say(f"threshold raised per predicted category: {figures(kept, is_e, is_u, languages)}")
    return chosen


def _category_factor(
    p_e: FloatArray, p_c: FloatArray, threshold: FloatArray, is_e: Mask, hit: Mask
) -> FloatArray:
    """Per row, the factor on its threshold its predicted category allows with no loss."""
    category = p_c.argmax(1)
    factor = np.ones(len(p_e), dtype=np.float32)
    for c in range(len(CATEGORIES)):
        mine = (category == c) & is_e
        caught = int(((p_e >= threshold) | hit)[mine].sum())
        best = 1.0
        for k in np.arange(1.25, 20.0, 0.25):
            if int(((p_e >= threshold * k) | hit)[mine].sum()) < caught:
                break
            best = float(k)
        factor[category == c] = best
    return factor


def held_out(cache_dir: pathlib.Path, chosen: dict[str, float], say: Callable[[str], None]) -> None:
    """The "no loss" second stages, fitted on every candidate row, on heldout.jsonl."""
    from classifiers import decide, engine  # noqa: PLC0415 # the ONNX model, only here

    rows = corpus.load(corpus.default_paths()[0])
    with np.load(cache_dir / "finetune-oof.npz") as data:
        p_u, hit, vectors = data["p_u"], data["hit"], data["vectors"]
    shipped: Heads = load_heads()
    languages = [r.language for r in rows]
    threshold = np.array([shipped.thresholds.emergency_for(lang) for lang in languages])
    candidates = np.flatnonzero((p_u[:, _E] >= threshold) & ~hit)
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    cue = np.array([cues(r.text) for r in rows], dtype=np.float32)
    fitted = {
        name: fit_head(x[candidates], is_e[candidates].astype(np.int64), 2, l2=1e-4)
        for name, x in _features(vectors, p_u, cue).items()
    }
    model = engine.load_engine(model_dir=None, cache_dir=cache_dir, progress=lambda _: None)
    held = corpus.load(corpus.default_paths()[1])
    texts = [r.text for r in held]
    evidence = model.evidence(texts)
    h_vectors = model._encoder.embed(texts)
    h_p = np.stack([ev.urgency for ev in evidence])
    h_hit = np.array([bool(ev.hits) for ev in evidence])
    h_called = np.array(
        [decide.decide(ev, model.thresholds).urgency == EMERGENCY for ev in evidence]
    )
    h_cue = np.array([cues(t) for t in texts], dtype=np.float32)
    h_is_e = np.array([r.urgency == EMERGENCY for r in held])
    h_is_u = np.array([r.urgency == URGENT for r in held])
    h_langs = [r.language for r in held]
    say(f"held out, shipped rule: {figures(h_called, h_is_e, h_is_u, h_langs)}")
    for name, x in _features(h_vectors, h_p, h_cue).items():
        w, b = fitted[name]
        score = softmax(x @ w + b)[:, 1]
        kept = h_called & ~(~h_hit & (score < chosen[name]))
        say(f"held out, second stage on {name}, t={chosen[name]:.3f}: "
            f"{figures(kept, h_is_e, h_is_u, h_langs)}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: the out-of-fold study, then (--heldout) the held-out check."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.border", description=__doc__)
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--heldout", action="store_true")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    chosen = study(args.cache_dir, say)
    if args.heldout:
        held_out(args.cache_dir, chosen, say)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
