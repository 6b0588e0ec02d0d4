"""Flag train-only scenarios that sit too close to a held-out situation.

Run from the repository root (needs the converted encoder in the cache):
    .venv/bin/python -m classifiers.data.overlap [--cache-dir .cache]
    .venv/bin/python -m classifiers.data.overlap --fresh classifiers/data/heldout_fresh.jsonl

The authors of `src/train/` never opened the held-out sources, but a common situation
("a gun in his backpack") can still be written twice. This measures, with the frozen base
encoder, each row's cosine similarity to its nearest held-out row. The bar is what the
original split already had: the 99th percentile of that figure over the split sources'
training rows (situations written as different ones). The rows of the blind sets
heldout_fresh.jsonl and heldout_fresh2.jsonl are held out too: a train-only scenario with
any row above the bar against any of these files is listed; its author comments it out
(`#`) in the source file, which keeps it on record without training on it.

With `--fresh FILE` it checks a blind held-out set written later (heldout_fresh.jsonl,
heldout_fresh2.jsonl) instead: each of its rows' nearest cosine to the rows of
corpus.jsonl (what the model was trained on) and to those of heldout.jsonl (what the team
has read and tuned guards on), against the same bar; a fresh scenario with a row above it
is listed, by ids and figures only (no corpus text is printed), to be dropped or rewritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import pathlib
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from classifiers import corpus
from classifiers.data import build

FloatArray = npt.NDArray[np.float32]
# The blind held-out sets (docs/classifier.md), beside heldout.jsonl.
FRESH_NAMES = ("heldout_fresh.jsonl", "heldout_fresh2.jsonl")


def nearest(rows: FloatArray, heldout: FloatArray) -> FloatArray:
    """Each row's highest cosine similarity to a held-out row (inputs are unit length)."""
    return np.asarray((rows @ heldout.T).max(axis=1), dtype=np.float32)


def flagged(scenario_of_row: Sequence[str], similarity: FloatArray, bar: float) -> dict[str, float]:
    """Scenario -> its highest row similarity, for scenarios with a row above `bar`."""
    worst: dict[str, float] = {}
    for scenario, value in zip(scenario_of_row, similarity.tolist(), strict=True):
        worst[scenario] = max(worst.get(scenario, -1.0), value)
    return {s: v for s, v in worst.items() if v > bar}


@dataclasses.dataclass(frozen=True, slots=True)
class FreshOverlap:
    """A fresh row's nearest similarity to corpus.jsonl and to heldout.jsonl."""

    id: str
    scenario: str
    language: str
    to_corpus: float
    to_heldout: float


def fresh_overlap(
    fresh: Sequence[corpus.Row], to_corpus: FloatArray, to_heldout: FloatArray
) -> list[FreshOverlap]:
    """Pair each fresh row with its two nearest-similarity figures."""
    return [
        FreshOverlap(row.id, row.scenario, row.language, c, h)
        for row, c, h in zip(fresh, to_corpus.tolist(), to_heldout.tolist(), strict=True)
    ]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the bar and every train-only scenario above it; exit 1 when there is one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--percentile", type=float, default=99.0)
    parser.add_argument(
        "--fresh", type=pathlib.Path, help="check this blind held-out file instead (see above)"
    )
    args = parser.parse_args(argv)
    if args.fresh is not None:
        try:
            fresh_rows = corpus.load(args.fresh)
        except (OSError, ValueError) as exc:
            parser.error(str(exc))

    import torch  # noqa: PLC0415 (heavy: only for this command)

    from classifiers.convert import ensure  # noqa: PLC0415
    from classifiers.encoder import Encoder  # noqa: PLC0415

    torch.set_num_threads(1)  # leaves the other core free, as training does
    encoder = Encoder(ensure(args.cache_dir, _say))
    if args.fresh is not None:
        return _check_fresh(encoder.embed, fresh_rows, args.percentile)
    scenarios, train_only = build.read_sources()
    first_train_only = len(scenarios) + 1
    train_rows, heldout_rows = build.build_rows()
    old = [r for r in train_rows if int(r.scenario[1:]) < first_train_only]
    new = [r for r in train_rows if int(r.scenario[1:]) >= first_train_only]

    def embed(rows: Sequence[corpus.Row]) -> FloatArray:
        return encoder.embed([r.text for r in rows])

    held = embed(heldout_rows)
    bar = float(np.percentile(nearest(embed(old), held), args.percentile))
    # A train-only row may sit near no held-out set: the blind ones are guarded too (the
    # bar stays the original split's; only this file's own rows are printed).
    fresh_paths = [corpus.default_paths()[1].with_name(name) for name in FRESH_NAMES]
    blind = [embed(corpus.load(path)) for path in fresh_paths if path.exists()]
    guarded = np.vstack([held, *blind])
    similarity = nearest(embed(new), guarded) if new else np.zeros(0, dtype=np.float32)
    over = flagged([r.scenario for r in new], similarity, bar)
    texts = build.numbered()
    _say(
        f"bar: {bar:.4f} (percentile {args.percentile:g} of {len(old)} split-source training"
        f" rows' nearest held-out similarity); {len(new)} train-only rows against"
        f" {len(guarded)} held-out rows (heldout.jsonl, {', '.join(FRESH_NAMES)}),"
        f" {len(train_only)} scenarios, {len(over)} above the bar"
    )
    for scenario, value in sorted(over.items(), key=lambda item: -item[1]):
        s = texts[scenario]
        _say(f"  {value:.4f} src/train/{s.source}.txt {s.urgency} {s.category} {s.concept}")
        _say(f"         {s.texts[0][1]}")
    return 1 if over else 0


def _check_fresh(
    embed: Callable[[list[str]], FloatArray], fresh: Sequence[corpus.Row], percentile: float
) -> int:
    """Print the bar, the fresh set's figures and every fresh scenario above the bar."""
    scenarios, _ = build.read_sources()
    corpus_path, heldout_path = corpus.default_paths()
    train_rows, heldout_rows = corpus.load(corpus_path), corpus.load(heldout_path)
    digest = hashlib.sha256(corpus_path.read_bytes()).hexdigest()
    train = embed([r.text for r in train_rows])
    held = embed([r.text for r in heldout_rows])
    # The bar of the original split: its training rows (scenario ids before the train-only
    # ones) against the held-out rows, as for the train-only check above.
    old = np.array([int(r.scenario[1:]) <= len(scenarios) for r in train_rows])
    bar = float(np.percentile(nearest(train[old], held), percentile))
    new = embed([r.text for r in fresh])
    figures = fresh_overlap(fresh, nearest(new, train), nearest(new, held))
    worst = flagged(
        [f.scenario for f in figures],
        np.array([max(f.to_corpus, f.to_heldout) for f in figures], dtype=np.float32),
        bar,
    )
    to_c = np.array([f.to_corpus for f in figures])
    to_h = np.array([f.to_heldout for f in figures])
    # For scale: the old held-out rows against the same corpus (the train-only rows in it
    # were kept under the bar against them; the split-source ones were not checked).
    old_to_c = nearest(held, train)
    _say(
        f"corpus.jsonl sha256 {digest} ({len(train_rows)} rows); bar {bar:.4f} (percentile"
        f" {percentile:g} of {int(old.sum())} split-source training rows' nearest held-out"
        " similarity)"
    )
    _say(
        f"{len(fresh)} fresh rows: nearest corpus row median {np.median(to_c):.4f},"
        f" max {to_c.max():.4f}; nearest heldout.jsonl row median {np.median(to_h):.4f},"
        f" max {to_h.max():.4f}; {len(worst)} of {len({f.scenario for f in figures})}"
        " scenarios above the bar"
    )
    _say(
        f"for scale, heldout.jsonl's {len(heldout_rows)} rows: nearest corpus row median"
        f" {np.median(old_to_c):.4f}, {(old_to_c > bar).mean():.1%} above the bar"
        f" (fresh: {(to_c > bar).mean():.1%})"
    )
    for scenario, value in sorted(worst.items(), key=lambda item: -item[1]):
        rows = [f for f in figures if f.scenario == scenario]
        _say(
            f"  {scenario} {value:.4f}: "
            + ", ".join(
                f"{f.id} {f.language} corpus {f.to_corpus:.4f} heldout {f.to_heldout:.4f}"
                for f in rows
            )
        )
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
