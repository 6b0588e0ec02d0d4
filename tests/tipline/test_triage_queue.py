"""The triage service: the safety net never waits on the model, and the model's queue is
fair between schools (a real engine, slow on purpose, on the service's own threads)."""

from __future__ import annotations

import asyncio

from classifiers import RulesClassifier
from tests.realtime.slow_model import SlowModel
from tipline import models, report_client
from tipline.triage import MAX_BATCH, TriageService


async def test_the_safety_net_answers_while_the_model_loads() -> None:
    """While the model is still loading, the rules call a life threat an emergency at once."""
    model = SlowModel(loaded=False)
    service = TriageService(load=model.load, fallback=RulesClassifier)
    starting = asyncio.create_task(service.start())
    try:
        verdict = await asyncio.wait_for(
            service.safety_net("i took the whole bottle of pills, goodbye"), timeout=10
        )
        calm = await asyncio.wait_for(service.safety_net("my locker is stuck"), timeout=10)
        assert not service.ready
    finally:
        model.open_all()
        await starting
        await service.stop()
    assert verdict.urgency is models.Urgency.EMERGENCY
    assert calm.urgency is models.Urgency.URGENT


async def test_a_flood_to_one_school_waits_behind_another_schools_report_by_one_batch() -> None:
    """With 60 reports of one school queued, another school's report is in the next batch."""
    model = SlowModel()
    service = TriageService(load=model.load, fallback=RulesClassifier)
    await service.start()
    try:
        model.reading.clear()
        flood = [service.submit(f"flood {i}", school="A") for i in range(60)]
        other = service.submit("other school", school="B")
        model.reading.set()
        await asyncio.wait_for(other, timeout=20)
        await asyncio.wait_for(asyncio.gather(*flood), timeout=20)
    finally:
        model.open_all()
        await service.stop()
    assert model.read.index("other school") <= 2 * MAX_BATCH


async def test_stop_cancels_what_still_waits_for_the_model() -> None:
    """A verdict that will never come (the process stops) is cancelled, not left hanging."""
    model = SlowModel(loaded=False)
    service = TriageService(load=model.load, fallback=RulesClassifier)
    starting = asyncio.create_task(service.start())
    waiting = service.submit("a report", school="A")
    starting.cancel()
    await asyncio.gather(starting, return_exceptions=True)
    await service.stop()
    model.open_all()
    assert waiting.cancelled()


def test_a_sealed_receipt_opens_only_with_its_client_id() -> None:
    """The retry record's receipt comes back with the client id, and not with another."""
    receipt = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01"
    client = report_client.ReportClient("DEMO", "0123456789abcdef0123")
    sealed = client.seal(receipt, "TL-1")
    assert receipt not in sealed
    assert client.unseal(sealed, "TL-1") == receipt
    other = report_client.ReportClient("DEMO", "0123456789abcdef0124")
    assert other.unseal(sealed, "TL-1") != receipt
    assert other.key != client.key
