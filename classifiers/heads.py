"""The trained heads: softmax-linear layers on the frozen sentence embedding.

Three heads: urgency (3 labels), category (9) and a joint head over the (urgency,
category) pairs the corpus has (19). The joint head sees "emergency about other" (fire,
an intruder) apart from "routine about other" (a question, a test), which a plain urgency
head must fit with one direction; its marginals, averaged with the two plain heads, rank
emergencies better in grouped cross-validation (precision at 0.98 recall 0.55 -> 0.60,
docs/classifier.md).

Stored as one small .npz (a few tens of KB) with what the decision needs: weights, the
label orders, the tuned thresholds, and a probe (a fixed sentence and its embedding) that
proves at start-up that the encoder is the one the heads were trained on.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Mapping
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
    # Per corpus language, where its own out-of-fold recall allows a higher threshold than
    # `emergency` (which stays the floor: a language not listed, or `und`, gets it).
    by_language: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def emergency_for(self, language: str) -> float:
        """The emergency threshold for a text detected as `language`."""
        return self.by_language.get(language, self.emergency)


@dataclasses.dataclass(frozen=True, slots=True)
class Heads:
    """Weights (dim x labels) and biases of the urgency and category heads."""

    urgency_w: FloatArray
    urgency_b: FloatArray
    category_w: FloatArray
    category_b: FloatArray
    joint_w: FloatArray
    joint_b: FloatArray
    # One row per joint label: (index in URGENCIES, index in CATEGORIES).
    joint_pairs: npt.NDArray[np.int64]
    thresholds: Thresholds
    probe: FloatArray
    meta: dict[str, Any]

    def probabilities(self, embeddings: FloatArray) -> tuple[FloatArray, FloatArray]:
        """P(urgency) and P(category) per row: each plain head averaged with the joint
        head's marginal (columns in URGENCIES and CATEGORIES order)."""
        return combine(
            softmax(embeddings @ self.urgency_w + self.urgency_b),
            softmax(embeddings @ self.category_w + self.category_b),
            softmax(embeddings @ self.joint_w + self.joint_b),
            self.joint_pairs,
        )

    def urgency(self, embeddings: FloatArray) -> FloatArray:
        """P(label) per row, columns in URGENCIES order."""
        return self.probabilities(embeddings)[0]

    def category(self, embeddings: FloatArray) -> FloatArray:
        """P(label) per row, columns in CATEGORIES order."""
        return self.probabilities(embeddings)[1]

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
                joint_w=self.joint_w,
                joint_b=self.joint_b,
                joint_pairs=self.joint_pairs,
                thresholds=np.array(
                    [self.thresholds.emergency, self.thresholds.confident], dtype=np.float64
                ),
                thresholds_by_language=np.array(
                    json.dumps(dict(self.thresholds.by_language), sort_keys=True)
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


def marginals(p_joint: FloatArray, pairs: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """P(urgency) and P(category) summed out of P(joint label)."""
    to_u = np.zeros((len(pairs), len(URGENCIES)), dtype=np.float32)
    to_c = np.zeros((len(pairs), len(CATEGORIES)), dtype=np.float32)
    to_u[np.arange(len(pairs)), pairs[:, 0]] = 1.0
    to_c[np.arange(len(pairs)), pairs[:, 1]] = 1.0
    joint_u: FloatArray = (p_joint @ to_u).astype(np.float32)
    joint_c: FloatArray = (p_joint @ to_c).astype(np.float32)
    return joint_u, joint_c


def combine(
    p_urgency: FloatArray, p_category: FloatArray, p_joint: FloatArray, pairs: npt.NDArray[np.int64]
) -> tuple[FloatArray, FloatArray]:
    """The plain heads averaged with the joint head's marginals (training uses it too)."""
    joint_u, joint_c = marginals(p_joint, pairs)
    half = np.float32(0.5)
    return (p_urgency + joint_u) * half, (p_category + joint_c) * half


def load(path: pathlib.Path = DEFAULT_PATH) -> Heads:
    """Read heads saved by `Heads.save`; raises ValueError when the labels differ or the
    file predates the joint head."""
    with np.load(path, allow_pickle=False) as data:
        if json.loads(str(data["labels"])) != [list(URGENCIES), list(CATEGORIES)]:
            raise ValueError(f"{path}: heads were trained for other labels")
        if "joint_w" not in data:
            raise ValueError(f"{path}: heads without the joint head; retrain them")
        emergency, confident = (float(x) for x in data["thresholds"])
        by_language = (
            json.loads(str(data["thresholds_by_language"]))
            if "thresholds_by_language" in data
            else {}
        )
        return Heads(
            urgency_w=data["urgency_w"].astype(np.float32),
            urgency_b=data["urgency_b"].astype(np.float32),
            category_w=data["category_w"].astype(np.float32),
            category_b=data["category_b"].astype(np.float32),
            joint_w=data["joint_w"].astype(np.float32),
            joint_b=data["joint_b"].astype(np.float32),
            joint_pairs=data["joint_pairs"].astype(np.int64),
            thresholds=Thresholds(
                emergency=emergency, confident=confident, by_language=by_language
            ),
            probe=data["probe"].astype(np.float32),
            meta=json.loads(str(data["meta"])),
        )
