"""Flag train-only scenarios that sit too close to a held-out situation.

Run from the repository root (needs the converted encoder in the cache):
    .venv/bin/python -m classifiers.data.overlap [--cache-dir .cache]

The authors of `src/train/` never opened the held-out sources, but a common situation
("a gun in his backpack") can still be written twice. This measures, with the frozen base
encoder, each row's cosine similarity to its nearest held-out row. The bar is what the
original split already had: the 99th percentile of that figure over the split sources'
training rows (situations written as different ones). A train-only scenario with any row
above the bar is listed; its author comments it out (`#`) in the source file, which keeps
it on record without training on it.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from classifiers import corpus
from classifiers.data import build

FloatArray = npt.NDArray[np.float32]


def nearest(rows: FloatArray, heldout: FloatArray) -> FloatArray:
    """Each row's highest cosine similarity to a held-out row (inputs are unit length)."""
    return np.asarray((rows @ heldout.T).max(axis=1), dtype=np.float32)


def flagged(scenario_of_row: Sequence[str], similarity: FloatArray, bar: float) -> dict[str, float]:
    """Scenario -> its highest row similarity, for scenarios with a row above `bar`."""
    worst: dict[str, float] = {}
    for scenario, value in zip(scenario_of_row, similarity.tolist(), strict=True):
        worst[scenario] = max(worst.get(scenario, -1.0), value)
    return {s: v for s, v in worst.items() if v > bar}


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Print the bar and every train-only scenario above it; exit 1 when there is one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--percentile", type=float, default=99.0)
    args = parser.parse_args(argv)

    import torch  # noqa: PLC0415 (heavy: only for this command)

    from classifiers.convert import ensure  # noqa: PLC0415
    from classifiers.encoder import Encoder  # noqa: PLC0415

    torch.set_num_threads(1)  # leaves the other core free, as training does
    encoder = Encoder(ensure(args.cache_dir, _say))
    scenarios, train_only = build.read_sources()
    first_train_only = len(scenarios) + 1
    train_rows, heldout_rows = build.build_rows()
    old = [r for r in train_rows if int(r.scenario[1:]) < first_train_only]
    new = [r for r in train_rows if int(r.scenario[1:]) >= first_train_only]

    def embed(rows: Sequence[corpus.Row]) -> FloatArray:
        return encoder.embed([r.text for r in rows])

    held = embed(heldout_rows)
    bar = float(np.percentile(nearest(embed(old), held), args.percentile))
    similarity = nearest(embed(new), held) if new else np.zeros(0, dtype=np.float32)
    over = flagged([r.scenario for r in new], similarity, bar)
    texts = build.numbered()
    _say(
        f"bar: {bar:.4f} (percentile {args.percentile:g} of {len(old)} split-source training"
        f" rows' nearest held-out similarity); {len(new)} train-only rows,"
        f" {len(train_only)} scenarios, {len(over)} above the bar"
    )
    for scenario, value in sorted(over.items(), key=lambda item: -item[1]):
        s = texts[scenario]
        _say(f"  {value:.4f} src/train/{s.source}.txt {s.urgency} {s.category} {s.concept}")
        _say(f"         {s.texts[0][1]}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
