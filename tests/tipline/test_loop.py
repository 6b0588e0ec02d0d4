"""Which event loop `tipline serve` runs on."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from tipline import app


def test_serve_runs_on_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """With uvloop installed and TIPLINE_UVLOOP unset, the loop factory makes uvloop's loop."""
    monkeypatch.delenv("TIPLINE_UVLOOP", raising=False)
    factory = app.loop_factory()
    assert factory is not None
    with asyncio.Runner(loop_factory=factory) as runner:
        assert isinstance(runner.get_loop(), uvloop.Loop)


def test_uvloop_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """TIPLINE_UVLOOP=0 leaves asyncio's own loop."""
    monkeypatch.setenv("TIPLINE_UVLOOP", "0")
    assert app.loop_factory() is None
