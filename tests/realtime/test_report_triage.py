"""`report:create` never waits on the model for long, is idempotent by client id, and the
model's later verdict only raises: the real server, real Socket.IO clients, real Redis, and a
real (slow on purpose) engine injected through the composition root."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import OTHER_ORG, Peer, wait_for
from tests.realtime.slow_model import ALARM, SlowModel, SlowRules, model_reads, serve
from tipline import app, models

Peers = Callable[[str], Peer]
CALM = "the older boys told my brother to come to the parking lot"
LIFE_THREAT = "i took the whole bottle of pills, goodbye"
ALARMING = f"the older boys told my brother to come to the parking lot {ALARM}"


def client_id() -> str:
    return uuid.uuid4().hex


async def reporter(running: app.Running, peers: Peers, org: str = "DEMO") -> Peer:
    peer = peers("/report")
    await peer.connect(running.url, {"org_code": org})
    return peer


async def ready(running: app.Running) -> None:
    async def loaded() -> bool:
        return running.triage.ready

    await wait_for(loaded, what="the model loaded", timeout=30)


async def only_incident(running: app.Running, org: str = "DEMO") -> models.Incident:
    (incident,) = await running.store.list_incidents(org_code=org, status=None)
    return incident


async def stored(running: app.Running, ack: dict[str, str]) -> models.Incident:
    incident = await running.store.get(ack["incident_id"])
    assert incident is not None
    return incident


async def test_report_while_the_model_loads_is_answered_then_raised_by_the_model(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """While the model loads, a report gets its receipt on the safety net's verdict; once
    loaded, the model raises it to emergency through the engine (set_urgency by triage)."""
    model = SlowModel(loaded=False)
    async with serve(model, prefix, tmp_path) as running:
        agent = peers("/respond")
        await agent.connect(running.url, {"token": "agent-token-" + prefix})
        peer = await reporter(running, peers)
        # The page gives up after 10 s; half of that fails the test.
        ack = await peer.call("report:create", {"text": ALARMING, "client_id": client_id()}, 5)
        assert ack["ok"], ack
        assert ack["receipt"]
        first = await only_incident(running)
        assert first.urgency is models.Urgency.URGENT
        assert [s.action for s in first.escalation] == ["triage"]

        model.loading.set()

        async def raised() -> bool:
            return (await stored(running, ack)).urgency is models.Urgency.EMERGENCY

        await wait_for(raised, what="the model's verdict raising the report", timeout=20)
        incident = await stored(running, ack)
        alerts = await agent.received("incident:alert")
    step = incident.escalation[-1]
    assert (step.by, step.action, step.urgency) == ("triage", "set_urgency", incident.urgency)
    assert incident.state == "paging"
    assert incident.triage.reasons == ("model: emergency (93%)",)
    assert incident.category is models.Category.THREAT
    assert [a["reason"] for a in alerts if a["incident_id"] == incident.incident_id] == [
        "review",
        "emergency",
    ]


async def test_report_before_even_the_rules_load_is_answered_then_raised_by_them(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """In the first seconds after a start, before the safety net itself has loaded, a
    report still gets its receipt (urgent, for a person); the rules raise it once loaded."""
    model, rules = SlowModel(loaded=False), SlowRules()
    async with serve(model, prefix, tmp_path, rules=rules) as running:
        peer = await reporter(running, peers)
        ack = await peer.call("report:create", {"text": LIFE_THREAT}, 5)
        assert ack["ok"], ack
        first = await only_incident(running)
        assert first.urgency is models.Urgency.URGENT
        rules.loading.set()

        async def raised() -> bool:
            return (await stored(running, ack)).urgency is models.Urgency.EMERGENCY

        await wait_for(raised, what="the safety net raising the report", timeout=20)
        incident = await stored(running, ack)
    assert first.triage.reasons[0].startswith("triage still starting")
    assert incident.category is models.Category.SUBSTANCE
    assert [(s.by, s.action) for s in incident.escalation] == [
        ("triage", "triage"),
        ("triage", "set_urgency"),
    ]


async def test_retry_with_the_same_client_id_returns_the_same_incident_and_receipt(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """A retry with the same client id and text, on another connection, gets the same
    incident and receipt and stores nothing more; the receipt opens that report."""
    async with serve(SlowModel(), prefix, tmp_path) as running:
        await ready(running)
        cid = client_id()
        first = await (await reporter(running, peers)).call(
            "report:create", {"text": CALM, "client_id": cid}
        )
        again = await (await reporter(running, peers)).call(
            "report:create", {"text": CALM, "client_id": cid}
        )
        other = await (await reporter(running, peers)).call(
            "report:create", {"text": CALM + " again", "client_id": cid}
        )
        incidents = await running.store.list_incidents(org_code=None, status=None)
        back = peers("/report")
        await back.connect(running.url, {"receipt": again["receipt"]})
        own = await back.call("report:get", {})
    assert first["ok"], first
    assert again == first
    assert other["ok"] is False
    assert other["error"]["code"] == "bad_request"
    assert [i.incident_id for i in incidents] == [first["incident_id"]]
    assert own["incident_id"] == first["incident_id"]


async def test_two_tries_at_once_store_one_incident(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """Two tries of one report sent at the same moment get one incident and one receipt."""
    async with serve(SlowModel(), prefix, tmp_path) as running:
        await ready(running)
        cid = client_id()
        peers_ = [await reporter(running, peers) for _ in range(4)]
        acks = await asyncio.gather(
            *(p.call("report:create", {"text": CALM, "client_id": cid}) for p in peers_)
        )
        incidents = await running.store.list_incidents(org_code=None, status=None)
    assert all(a["ok"] for a in acks), acks
    assert len({(a["incident_id"], a["receipt"]) for a in acks}) == 1
    assert len(incidents) == 1


async def test_reporter_who_left_before_the_answer_is_no_error(
    prefix: str,
    tmp_path: Path,
    redis_client: aioredis.Redis,
    peers: Peers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reporter who disconnects while the report is being filed: it is stored, and the
    server logs no failure ('Session not found')."""
    model = SlowModel()
    async with serve(model, prefix, tmp_path) as running:
        await ready(running)
        model.reading.clear()  # the model is busy: the report waits for it (a bounded wait)
        peer = await reporter(running, peers)
        await peer.sio.emit("report:create", {"text": CALM}, namespace="/report")

        async def asked() -> bool:
            return CALM in model.asked

        await wait_for(asked, what="the report reaching the model")
        await peer.close()
        model.reading.set()

        async def stored() -> bool:
            return bool(await running.store.list_incidents(org_code="DEMO", status=None))

        await wait_for(stored, what="the report stored")
        await model_reads(model, CALM)
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failed] == []


async def test_lone_surrogate_in_a_report_and_a_message_is_replaced_not_refused(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """A text with half an emoji (a lone UTF-16 surrogate) is stored with U+FFFD in its
    place, for `report:create` and `message:send` alike."""
    async with serve(SlowModel(), prefix, tmp_path) as running:
        await ready(running)
        peer = await reporter(running, peers)
        ack = await peer.call("report:create", {"text": "they took my phone \ud83d"})
        half = {"text": "\ud83d\ude00 and \ude00", "client_id": "m1"}
        sent = await peer.call("message:send", half)
        incident = await only_incident(running)
        messages = await running.store.since(incident.incident_id, 0)
    assert ack["ok"], ack
    assert sent["ok"], sent
    assert incident.text == "they took my phone \ufffd"
    assert [m.text for m in messages] == ["\U0001f600 and \ufffd"]


async def test_a_flood_to_one_school_does_not_hold_up_another_schools_report(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """50 reports to one school, then one to another: that one is answered and read by
    the model before most of the flood (the model's queue is fair between schools)."""
    model = SlowModel(per_text_s=0.05)
    flood = [f"flood report {i}: they take our food at lunch and call us names" for i in range(50)]
    async with serve(model, prefix, tmp_path) as running:
        await ready(running)
        flooders = [await reporter(running, peers) for _ in range(10)]
        sending = [
            asyncio.create_task(flooders[i % 10].call("report:create", {"text": t}, 30))
            for i, t in enumerate(flood)
        ]

        async def busy() -> bool:
            return len(model.read) > 0

        await wait_for(busy, what="the model busy with the flood")
        other = await reporter(running, peers, OTHER_ORG)
        ack = await other.call("report:create", {"text": CALM}, 5)
        await model_reads(model, CALM)
        read_before = model.read.index(CALM)

        async def model_triaged() -> bool:
            incident = await stored(running, ack)
            return "model: routine (88%)" in incident.triage.reasons

        await wait_for(model_triaged, what="the other school's report triaged by the model")
        flood_acks = await asyncio.gather(*sending)
    assert ack["ok"], ack
    assert read_before <= 32, f"{read_before} flood reports were read before it"
    assert all(a["ok"] for a in flood_acks)
