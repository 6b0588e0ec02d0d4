"""End to end over Socket.IO: a 2 a.m. emergency worked through the whole escalation list,
and durable deadlines that fire once across restarts and across two processes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from tests.clock import FakeClock
from tests.conftest import RING_LINE, Peer, start_server, wait_for

Peers = Callable[[str], Peer]
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# 02:00 on a Tuesday at the demo school (Chicago), long before it opens.
TWO_AM = dt.datetime(2026, 12, 1, 2, 0, tzinfo=CHICAGO).astimezone(dt.UTC)
EMERGENCY = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"


async def step(agent: Peer, incident_id: str, action: str, **fields: Any) -> dict[str, Any]:
    ack: dict[str, Any] = await agent.call(
        "incident:step", {"incident_id": incident_id, "action": action, **fields}
    )
    return ack


async def test_night_emergency_escalates_through_every_contact_to_police(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Claimed at 02:00, three contacts without answer, police, resolved: all in the trail."""
    clock = FakeClock(TWO_AM)
    async with start_server(prefix, tmp_path, clock=clock) as server:
        agent = peers("/respond")
        await agent.connect(server.url, {"token": server.agent_token})
        reporter = peers("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": EMERGENCY})
        incident_id = filed["incident_id"]
        (new,) = await agent.received("incident:new")
        assert new["urgency"] == "emergency"
        assert [c["role"] for c in new["contacts"]] == ["Principal", "Counselor", "Safety officer"]

        too_early = await step(agent, incident_id, "next_contact")
        assert too_early["error"]["code"] == "invalid_transition"

        clock.advance(60)
        claimed = await agent.call("incident:claim", {"incident_id": incident_id})
        assert claimed["ok"]
        for n in range(3):
            clock.advance(120)
            ack = await step(agent, incident_id, "contact_outcome", outcome="no_answer",
                             note=f"rang out {n}")  # fmt: skip
            assert ack["ok"], ack
            clock.advance(30)
            ack = await step(agent, incident_id, "next_contact")
            if n < 2:
                assert ack["ok"], ack
            else:
                assert ack["error"]["code"] == "invalid_transition"
        clock.advance(60)
        police = await step(agent, incident_id, "law_enforcement", note="officers dispatched")
        assert police["ok"], police
        clock.advance(600)
        done = await step(agent, incident_id, "resolve", resolution="referred_to_police")
        assert done["ok"], done
        assert done["incident"]["status"] == "resolved"
        again = await step(agent, incident_id, "contact_outcome", outcome="reached")
        assert again["error"]["code"] == "invalid_transition"

        trail = done["incident"]["escalation"]
        actions = [s["action"] for s in trail]
        # Each call that reached nobody is followed by the engine's offer of whom to call next.
        assert actions == [
            "triage", "claim",
            "contact_outcome", "suggest_next_contact", "next_contact",
            "contact_outcome", "suggest_next_contact", "next_contact",
            "contact_outcome", "suggest_next_contact", "law_enforcement", "resolve",
        ]  # fmt: skip
        offered = [s["contact"]["name"] for s in trail if s["action"] == "suggest_next_contact"]
        assert offered == ["Sam Counselor", "Alex Safety", "Demo City Police"]
        called = [s["contact"]["name"] for s in trail if s["action"] == "contact_outcome"]
        assert called == ["Dana Principal", "Sam Counselor", "Alex Safety"]
        assert [s["outcome"] for s in trail if s["action"] == "contact_outcome"] == [
            "no_answer"
        ] * 3
        assert trail[-2]["contact"]["name"] == "Demo City Police"
        assert trail[-1]["outcome"] == "referred_to_police"
        assert all(
            s["by"] == "demo-agent" for s in trail[1:] if s["action"] != "suggest_next_contact"
        )
        times = [dt.datetime.fromisoformat(s["at"].replace("Z", "+00:00")) for s in trail]
        assert times == sorted(times)
        assert times[0] == TWO_AM
        assert times[-1] == clock.now()
        updates = await agent.received("incident:updated", 8)
        assert updates[-1]["status"] == "resolved"


async def test_unclaimed_emergency_repages_once_after_restart(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """A re-page deadline set before a stop fires once in the next process, not before."""
    clock = FakeClock(TWO_AM)
    async with start_server(prefix, tmp_path, clock=clock, sweep_interval_s=0.05) as first:
        reporter = Peer("/report")
        await reporter.connect(first.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": EMERGENCY})
        await reporter.close()
        assert await first.running.deadlines.pending() >= 1
    incident_id = filed["incident_id"]
    async with start_server(prefix, tmp_path, clock=clock, sweep_interval_s=0.05) as second:
        agent = Peer("/respond")
        await agent.connect(second.url, {"token": second.agent_token})
        clock.advance(181)  # past the demo school's 180 s claim timeout
        (alert,) = await agent.received("incident:alert")
        assert {k: alert[k] for k in ("incident_id", "reason", "urgency")} == {
            "incident_id": incident_id,
            "reason": "repage",
            "urgency": "emergency",
        }
        assert alert["org_name"] == "Demo High School"
        await agent.close()
        incident = await second.running.store.get(incident_id)
        assert incident is not None
        assert [s.action for s in incident.escalation].count("repage") == 1


async def test_two_processes_fire_each_deadline_once(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """Two servers sweep the same Redis: each of five re-pages happens exactly once."""
    clock = FakeClock(TWO_AM)
    async with (
        # One deployment: both processes hold the same data key (texts in Redis are sealed).
        start_server(
            prefix, tmp_path / "a", clock=clock, sweep_interval_s=0.02, data_key=RING_LINE
        ) as one,
        start_server(
            prefix, tmp_path / "b", clock=clock, sweep_interval_s=0.02, data_key=RING_LINE
        ) as two,
    ):
        ids = []
        for server in (one, two, one, two, one):
            reporter = Peer("/report")
            await reporter.connect(server.url, {"org_code": "DEMO"})
            ids.append((await reporter.call("report:create", {"text": EMERGENCY}))["incident_id"])
            await reporter.close()
        clock.advance(181)

        async def all_repaged() -> bool:
            for incident_id in ids:
                incident = await one.running.store.get(incident_id)
                assert incident is not None
                if "repage" not in [s.action for s in incident.escalation]:
                    return False
            return True

        await wait_for(all_repaged, what="five re-pages", timeout=10)
        # Let both sweepers run a few more rounds: nothing may fire twice.
        rounds = 0

        async def swept_more() -> bool:
            nonlocal rounds
            rounds += 1
            return rounds > 20

        await wait_for(swept_more, what="more sweeps")
        for incident_id in ids:
            incident = await one.running.store.get(incident_id)
            assert incident is not None
            assert [s.action for s in incident.escalation].count("repage") == 1
