"""Cross-validation folds grouped by scenario, deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

IndexArray = npt.NDArray[np.int64]


def grouped(groups: Sequence[str], *, k: int, seed: int) -> list[tuple[IndexArray, IndexArray]]:
    """k (train, test) index pairs; every group lies wholly in one test fold.

    Groups are shuffled with `seed`, then dealt largest first to the smallest fold, so
    folds have nearly equal sizes.
    """
    members: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    names = sorted(members)
    random.Random(seed).shuffle(names)  # noqa: S311 - a reproducible shuffle, not a secret
    names.sort(key=lambda name: -len(members[name]))  # stable: ties keep shuffled order
    tests: list[list[int]] = [[] for _ in range(k)]
    for name in names:
        min(tests, key=len).extend(members[name])
    everything = np.arange(len(groups))
    return [
        (np.setdiff1d(everything, np.array(test, dtype=np.int64)), np.sort(np.array(test)))
        for test in tests
    ]
