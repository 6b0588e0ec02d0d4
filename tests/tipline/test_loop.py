"""Which event loop `tipline serve` runs on, and how it collects garbage."""

from __future__ import annotations

import asyncio
import gc

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


def test_full_collections_are_made_rare() -> None:
    """tune_gc keeps young collections as they are and runs full ones 100 times less often."""
    before = gc.get_threshold()
    try:
        app.tune_gc()
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert full == 100 * before[2]
    finally:
        gc.set_threshold(*before)


async def test_the_young_generation_is_collected_on_a_pace() -> None:
    """pace_gc collects generation 0 every interval, whatever the collector would do itself."""
    collected: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    gc.disable()  # only the pacer's collections are left to count
    gc.callbacks.append(record)
    pacer = asyncio.create_task(app.pace_gc(0.05))
    try:
        await asyncio.sleep(0.5)
    finally:
        pacer.cancel()
        gc.callbacks.remove(record)
        gc.enable()
    assert 5 <= collected.count(0) <= 11
    assert set(collected) == {0}
