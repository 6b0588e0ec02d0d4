"""Triage in the service: batched off the loop, and a loud fallback when the model is gone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from classifiers import RulesClassifier
from classifiers.verdict import Verdict
from tipline import logs, models
from tipline.ports import Classifier
from tipline.triage import TriageService


class Counting:
    """An engine that records the batches it was given."""

    name = "counting"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def classify(self, texts: Sequence[str]) -> list[Verdict]:
        self.batches.append(len(texts))
        return [Verdict("routine", "other", "en", 0.9, ("nothing alarming",)) for _ in texts]


def broken() -> Classifier:
    raise FileNotFoundError("no model folder at /nowhere")


async def test_model_that_cannot_load_falls_back_loudly_to_urgent_rules() -> None:
    """No model: an error line says so, health shows degraded, nothing is below urgent."""
    service = TriageService(load=broken, fallback=RulesClassifier)
    try:
        with logs.capture() as entries:
            await service.start()
            calm = await service.triage("can I change my locker combination")
            alarming = await service.triage("i took the whole bottle of pills, goodbye")
    finally:
        await service.stop()
    assert service.ready
    assert service.degraded
    assert service.engine_name == "rules"
    said = [e for e in entries if e["logger"] == "tipline.triage"]
    assert any(e["level"] == "error" for e in said)
    assert "model_unavailable" in json.dumps(said)
    assert calm.urgency is models.Urgency.URGENT
    assert alarming.urgency is models.Urgency.EMERGENCY


async def test_reports_arriving_together_are_classified_in_one_batch() -> None:
    """Ten reports at once reach the engine in fewer, larger batches, each answered."""
    engine = Counting()
    service = TriageService(load=lambda: engine, fallback=RulesClassifier)
    await service.start()
    assert engine.batches == [4], "the engine is warmed up once before it is ready"
    engine.batches.clear()
    try:
        results = await asyncio.gather(*(service.triage(f"report {i}") for i in range(10)))
    finally:
        await service.stop()
    assert [r.urgency for r in results] == [models.Urgency.ROUTINE] * 10
    assert sum(engine.batches) == 10
    assert len(engine.batches) < 10
    assert not service.degraded
