"""The trained heads: two softmax-linear layers on the frozen sentence embedding.

Stored as one small .npz (a few tens of KB) with what the decision needs: weights, the
label orders, the tuned thresholds, and a probe (a fixed sentence and its embedding) that
proves at start-up that the encoder is the one the heads were trained on.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

import numpy as np
import numpy.typing as npt

from classifiers.verdict import CATEGORIES, URGENCIES

DEFAULT_PATH = pathlib.Path(__file__).resolve().parent / "weights" / "heads.npz"
PROBE_TEXT = "he said he would bring a gun to school tomorrow"

FloatArray = npt.NDArray[np.float32]


@dataclasses.dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds, tuned on the training corpus by grouped cross-validation."""

    # P(emergency) at or above this calls it an emergency (tuned for recall).
    emergency: float
    # A top urgency probability below this is "unsure": at least urgent.
    confident: float


@dataclasses.dataclass(frozen=True, slots=True)
class Heads:
    """Weights (dim x labels) and biases of the urgency and category heads."""

    urgency_w: FloatArray
    urgency_b: FloatArray
    category_w: FloatArray
    category_b: FloatArray
    thresholds: Thresholds
    probe: FloatArray
    meta: dict[str, Any]

    def urgency(self, embeddings: FloatArray) -> FloatArray:
        """P(label) per row, columns in URGENCIES order."""
        return softmax(embeddings @ self.urgency_w + self.urgency_b)

    def category(self, embeddings: FloatArray) -> FloatArray:
        """P(label) per row, columns in CATEGORIES order."""
        return softmax(embeddings @ self.category_w + self.category_b)

    def save(self, path: pathlib.Path) -> None:
        """Write the .npz (float32, compressed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                urgency_w=self.urgency_w,
                urgency_b=self.urgency_b,
                category_w=self.category_w,
                category_b=self.category_b,
                thresholds=np.array(
                    [self.thresholds.emergency, self.thresholds.confident], dtype=np.float64
                ),
                probe=self.probe,
                meta=np.array(json.dumps(self.meta, sort_keys=True)),
                labels=np.array(json.dumps([list(URGENCIES), list(CATEGORIES)])),
            )


def softmax(logits: FloatArray) -> FloatArray:
    """Row-wise softmax, float32."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: FloatArray = (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities


def load(path: pathlib.Path = DEFAULT_PATH) -> Heads:
    """Read heads saved by `Heads.save`; raises ValueError when the labels differ."""
    with np.load(path, allow_pickle=False) as data:
        if json.loads(str(data["labels"])) != [list(URGENCIES), list(CATEGORIES)]:
            raise ValueError(f"{path}: heads were trained for other labels")
        emergency, confident = (float(x) for x in data["thresholds"])
        return Heads(
            urgency_w=data["urgency_w"].astype(np.float32),
            urgency_b=data["urgency_b"].astype(np.float32),
            category_w=data["category_w"].astype(np.float32),
            category_b=data["category_b"].astype(np.float32),
            thresholds=Thresholds(emergency=emergency, confident=confident),
            probe=data["probe"].astype(np.float32),
            meta=json.loads(str(data["meta"])),
        )
