"""What a reporter writes after the report can raise its incident, and the ack never waits on
the classifier for it: the real server, real Socket.IO clients, real Redis, and a real (slow on
purpose) engine injected through the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import redis.asyncio as aioredis

from tests.conftest import Peer, Server, wait_for
from tests.realtime.slow_model import ALARM, SlowModel, serve
from tipline import models

Peers = Callable[[str], Peer]
ROUTINE = "someone keeps taking my lunch money in the cafeteria"
NOW = "he has the gun with him NOW"


async def test_a_life_threat_in_a_message_raises_an_open_routine_case(
    tipline_server: Server, peers: Peers
) -> None:
    """A routine report, then the reporter writes "he has the gun with him NOW": the case is
    an emergency (set_urgency by triage) and the agents get the emergency alert."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    ack = await reporter.call("report:create", {"text": ROUTINE})
    agent = peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    assert (await reporter.call("message:send", {"text": NOW, "client_id": "c1"}))["ok"]

    async def raised() -> bool:
        incident = await tipline_server.running.store.get(ack["incident_id"])
        return incident is not None and incident.urgency is models.Urgency.EMERGENCY

    await wait_for(raised, what="the message raising the case")
    incident = await tipline_server.running.store.get(ack["incident_id"])
    assert incident is not None
    assert (incident.escalation[-1].action, incident.escalation[-1].by) == (
        "set_urgency",
        "triage",
    )
    alerts = await agent.received("incident:alert")
    assert "emergency" in {a["reason"] for a in alerts if a["incident_id"] == ack["incident_id"]}


async def test_messages_on_many_cases_at_once_raise_exactly_the_threatened_ones(
    tipline_server: Server, peers: Peers
) -> None:
    """Eight reporters on eight routine cases write at the same moment, three of them a life
    threat among ordinary lines: the net's batched reading raises those three cases, each
    once, and none of the others."""
    reporters, incident_ids = [], []
    for _ in range(8):
        reporter = peers("/report")
        await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
        ack = await reporter.call("report:create", {"text": ROUTINE})
        reporters.append(reporter)
        incident_ids.append(ack["incident_id"])
    threatened = {1, 4, 6}
    sends = []
    for n, reporter in enumerate(reporters):
        lines = ["it was near the lockers", NOW if n in threatened else "thanks for listening"]
        sends += [
            reporter.call("message:send", {"text": t, "client_id": f"c{n}-{i}"})
            for i, t in enumerate(lines)
        ]
    assert all(ack["ok"] for ack in await asyncio.gather(*sends))

    async def urgencies() -> list[models.Urgency]:
        found = [await tipline_server.running.store.get(i) for i in incident_ids]
        return [i.urgency for i in found if i is not None]

    async def raised() -> bool:
        return sum(u is models.Urgency.EMERGENCY for u in await urgencies()) == len(threatened)

    await wait_for(raised, what="the three threatened cases raised")
    await asyncio.sleep(0.3)  # and nothing more
    assert [n for n, u in enumerate(await urgencies()) if u is models.Urgency.EMERGENCY] == [
        1,
        4,
        6,
    ]
    for n in threatened:
        incident = await tipline_server.running.store.get(incident_ids[n])
        assert incident is not None
        raises = [s for s in incident.escalation if (s.action, s.by) == ("set_urgency", "triage")]
        assert len(raises) == 1


async def test_a_message_on_a_resolved_case_is_acked_while_the_model_is_stuck(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """The model holds every batch: the reporter back on a resolved case still gets the ack
    and the reopen at once, and the model's later verdict raises the case."""
    model = SlowModel()
    async with serve(model, prefix, tmp_path) as running:

        async def loaded() -> bool:
            return running.triage.ready

        await wait_for(loaded, what="the model loaded", timeout=30)
        reporter = peers("/report")
        await reporter.connect(running.url, {"org_code": "DEMO"})
        ack = await reporter.call("report:create", {"text": ROUTINE}, 5)
        agent = peers("/respond")
        await agent.connect(running.url, {"token": "agent-token-" + prefix})
        incident_id = ack["incident_id"]
        await agent.call("incident:claim", {"incident_id": incident_id})
        done = await agent.call(
            "incident:step",
            {"incident_id": incident_id, "action": "resolve", "resolution": "no_action"},
        )
        assert done["ok"], done
        model.reading.clear()  # from now on the model holds every batch
        back = peers("/report")
        await back.connect(running.url, {"receipt": ack["receipt"]})
        # Before: the ack waited for the model (here: for ever; the page gives up at 10 s).
        sent = await back.call("message:send", {"text": f"he is back {ALARM}", "client_id": "x"}, 5)
        assert sent["ok"], sent
        reopened = await running.store.get(incident_id)
        assert reopened is not None
        assert reopened.status is models.Status.OPEN
        model.reading.set()

        async def raised() -> bool:
            incident = await running.store.get(incident_id)
            return incident is not None and incident.urgency is models.Urgency.EMERGENCY

        await wait_for(raised, what="the model's verdict raising the reopened case", timeout=20)
