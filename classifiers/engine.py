"""Building the full engine: encoder, trained heads, decision rules, safety net."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from classifiers.verdict import Engine


class ModelUnavailableError(RuntimeError):
    """The model cannot be loaded; the caller runs on `RulesClassifier` instead."""


def load_engine(
    *,
    model_dir: pathlib.Path | None,
    cache_dir: pathlib.Path,
    progress: Callable[[str], None],
) -> Engine:
    """The transformer engine, loaded once; raises ModelUnavailableError with the reason."""
    progress("classifier: the transformer engine is not built yet")
    raise ModelUnavailableError(
        f"transformer engine not available yet (model_dir={model_dir}, cache_dir={cache_dir})"
    )
