"""Fixtures of the classifier tests: the converted model, converted once per session."""

from __future__ import annotations

import os
import pathlib

import pytest

from classifiers import convert, engine


def cache_dir() -> pathlib.Path:
    """The cache the app uses too ($TIPLINE_CACHE_DIR or ./.cache), so tests reuse it."""
    return pathlib.Path(os.environ.get("TIPLINE_CACHE_DIR", ".cache")).resolve()


@pytest.fixture(scope="session")
def model_dir() -> pathlib.Path:
    """The converted e5-small folder (converted on first use, then sha256-checked)."""
    return convert.ensure(cache_dir(), lambda line: None)


@pytest.fixture(scope="session")
def transformer(model_dir: pathlib.Path) -> engine.TransformerEngine:
    """The full engine as the service loads it, once for the whole session (about 3 s warm)."""
    return engine.load_engine(model_dir=None, cache_dir=cache_dir(), progress=lambda _: None)
