"""Seed ensembles of the fine-tuned top layers, measured out of fold (a study).

    .venv/bin/python -m classifiers.train --finetune --seed N --out DIR/heads.npz   # each seed
    .venv/bin/python -m classifiers.seeds --seeds 20261128,20261129,20261130 [--corpus FILE]

Each `--finetune --seed N` run trains the same 3 folds (the folds do not depend on the
seed) from another initialisation and batch order, and saves its out-of-fold
probabilities (`<cache>/finetune-oof[-seed<N>].npz`). Averaging them gives what an
ensemble of those members would have said out of fold. For each member alone and for the
average of every subset of members, this prints the shipped threshold rule's figures: the
common threshold (0.98 out-of-fold recall in every language), the per-language thresholds
above it, and then recall (lowest language), precision, false alarms, urgent called
emergency and the arg-max macro-F1 of urgency and category (docs/classifier.md, "Seed
ensembles"). Nothing here reads a held-out file.
"""

from __future__ import annotations

import argparse
import itertools
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from classifiers import corpus, rules
from classifiers.border import figures
from classifiers.train import (
    _labels,
    _macro_f1,
    language_masks,
    oof_path,
    tune_by_language,
    tune_emergency,
)
from classifiers.verdict import CATEGORIES, EMERGENCY, URGENCIES, URGENT

FloatArray = npt.NDArray[np.float32]
_E = URGENCIES.index(EMERGENCY)


def load_member(path: pathlib.Path, ids: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    """One run's out-of-fold P(urgency) and P(category); SystemExit for another corpus."""
    with np.load(path) as data:
        if data["ids"].tolist() != list(ids):
            raise SystemExit(f"{path} was saved for another corpus; train again")
        return data["p_u"], data["p_c"]


def rule_figures(
    rows: Sequence[corpus.Row], p_u: FloatArray, p_c: FloatArray, hit: npt.NDArray[np.bool_]
) -> str:
    """The shipped threshold rule tuned on these probabilities, and what it gives."""
    languages = [r.language for r in rows]
    is_e = np.array([r.urgency == EMERGENCY for r in rows])
    is_u = np.array([r.urgency == URGENT for r in rows])
    p_e = p_u[:, _E]
    common = tune_emergency(p_e, is_e, hit, language_masks(rows))
    by_language = tune_by_language(p_e, is_e, hit, languages, common)
    threshold = np.array([by_language.get(lang, common) for lang in languages])
    called = (p_e >= threshold) | hit
    f1_u = _macro_f1(_labels([r.urgency for r in rows], URGENCIES), p_u.argmax(1), 3)
    f1_c = _macro_f1(_labels([r.category for r in rows], CATEGORIES), p_c.argmax(1), 9)
    shown = " ".join(f"{lang} {t:g}" for lang, t in sorted(by_language.items()))
    return (
        f"common {common:.3f} [{shown}] | {figures(called, is_e, is_u, languages)} | "
        f"arg-max F1 urgency {f1_u:.3f} category {f1_c:.3f}"
    )


def study(
    corpus_path: pathlib.Path,
    cache_dir: pathlib.Path,
    seeds: Sequence[int],
    say: Callable[[str], None],
) -> None:
    """Print the figures of each member and of the average of each subset of members."""
    rows = corpus.load(corpus_path)
    ids = [r.id for r in rows]
    members = {seed: load_member(oof_path(cache_dir, seed), ids) for seed in seeds}
    hit = np.array([bool(rules.scan(r.text)) for r in rows])
    say(f"seeds: {len(rows)} rows, {int(hit.sum())} safety-net hits, {len(seeds)} members")
    for size in range(1, len(seeds) + 1):
        for subset in itertools.combinations(seeds, size):
            p_u = np.mean([members[s][0] for s in subset], axis=0).astype(np.float32)
            p_c = np.mean([members[s][1] for s in subset], axis=0).astype(np.float32)
            name = "+".join(str(s) for s in subset)
            say(f"seeds: {name}: {rule_figures(rows, p_u, p_c, hit)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: the seed ensembles' out-of-fold figures."""
    parser = argparse.ArgumentParser(prog="python -m classifiers.seeds", description=__doc__)
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--corpus", type=pathlib.Path, default=corpus.default_paths()[0])
    parser.add_argument("--seeds", required=True, help="comma-separated seeds of the runs")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    study(args.corpus, args.cache_dir, seeds, _say)
    return 0


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
