"""Issue #21, retention over the real server: a case resolved and evicted, then past its
period, is purged; the console shows it as purged with its figures and trail but no text,
and the reporter's receipt no longer opens it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import socketio

from adapters import retention
from adapters.record import purge
from tests.clock import FakeClock
from tests.conftest import Peer, Peers, file_report, responder, start_server, wait_for

REPORT = "a boy in my class says he will hurt himself after school"


async def test_a_case_past_its_period_is_shown_purged_and_its_receipt_opens_nothing(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Resolved, archived and evicted after 73 h; 5 days on (retention 4 days) the purge
    removes it: incident:join shows `purged_at`, the status, urgency, category and every
    step's action but no report, note or message; the receipt is refused."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(
        prefix, tmp_path, clock=clock, sweep_interval_s=0.05, retention_days=4
    ) as server:
        reporter, ack = await file_report(server, peers, REPORT)
        incident_id, receipt = ack["incident_id"], ack["receipt"]
        agent = await responder(server, peers, server.agent_token)
        assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
        await reporter.call("message:send", {"text": "please be quick", "client_id": "r1"})
        reply = {"incident_id": incident_id, "text": "we are on it", "client_id": "a1"}
        assert (await agent.call("message:send", reply))["ok"]
        resolve = {"action": "resolve", "resolution": "handled_by_school", "note": "counsellor"}
        assert (await agent.call("incident:step", {"incident_id": incident_id, **resolve}))["ok"]
        live = await agent.call("incident:join", {"incident_id": incident_id})
        key = f"{prefix}:inc:{{{incident_id}}}"

        clock.advance(73 * 3600)

        async def evicted() -> bool:
            return not await redis_client.exists(key)

        await wait_for(evicted, what="the incident gone from Redis", timeout=30)
        database = server.running.database
        assert database is not None
        job = retention.Purger(
            database.pool,
            redis_client,
            prefix=prefix,
            periods=purge.Periods(server.running.settings.retention_days),
            clock=clock,
        )
        assert await job.purge() == {}  # 73 h is not 4 days
        evicted_but_kept = Peer("/report")  # the receipt still opens it, from the record
        await evicted_but_kept.connect(server.url, {"receipt": receipt})
        await evicted_but_kept.close()
        clock.advance(2 * 24 * 3600)
        assert (await job.purge())["DEMO"].incidents == 1

        later = await responder(server, peers, server.agent_token)
        shown = await later.call("incident:join", {"incident_id": incident_id})
        assert shown["ok"], shown
        incident = shown["incident"]
        assert incident["purged_at"]
        assert (incident["text"], incident["reasons"], shown["messages"]) == ("", [], [])
        kept = ("status", "urgency", "category", "created_at", "org_code", "claimed_by")
        assert {k: incident[k] for k in kept} == {k: live["incident"][k] for k in kept}
        assert [s["action"] for s in incident["escalation"]] == [
            s["action"] for s in live["incident"]["escalation"]
        ]
        assert [s for s in incident["escalation"] if "note" in s] == []
        back = Peer("/report")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await back.connect(server.url, {"receipt": receipt})
        await back.close()
