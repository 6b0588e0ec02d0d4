"""Urgency, category and language of a report's text.

The public API (the application adapts `Verdict` to `tipline.models.Triage`):

- `load_engine(model_dir=..., cache_dir=..., progress=...)` builds the transformer engine
  (with the safety net inside) or raises `ModelUnavailableError`; the caller then falls back
  to `RulesClassifier()`, which calls every report without a pattern hit `urgent`.
- `classify_stream` and `evaluate` implement `tipline classify` and its evaluation mode.

This package imports nothing of the application (see docs/classifier.md).
"""

from __future__ import annotations

from typing import TypeAlias

from classifiers.cli import classify_stream, evaluate
from classifiers.engine import ModelUnavailableError, TransformerEngine, load_engine
from classifiers.evaluation import EvalReport
from classifiers.rules import RulesClassifier
from classifiers.verdict import Verdict

# The package's engines: what `classify_stream` and `evaluate` run. The application drives
# any of them through its port, `tipline.ports.Classifier`, which they meet by shape.
Engine: TypeAlias = RulesClassifier | TransformerEngine

__all__ = [
    "Engine",
    "EvalReport",
    "ModelUnavailableError",
    "RulesClassifier",
    "Verdict",
    "classify_stream",
    "evaluate",
    "load_engine",
]
