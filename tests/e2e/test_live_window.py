"""Issue #21, reads: an incident resolved longer ago than the live window is gone from Redis
and still shown in full (report, chat, audit trail) to a responder, from PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import redis.asyncio as aioredis

from tests.clock import FakeClock
from tests.conftest import Peers, file_report, responder, start_server, wait_for

REPORT = "an older student keeps taking my lunch money behind the gym"
OPEN_REPORT = "someone scratched words into my locker door"


async def test_an_incident_resolved_before_the_window_is_read_in_full_from_the_record(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Resolved, archived, then the clock passes the 72 h window: its keys leave Redis (an
    open incident of the same time stays), and incident:join still shows the report, every
    message with its seq and the whole trail, and the list of resolved incidents holds it; a
    responder's step or message is refused `archived`. Then the reporter comes back with the
    receipt: the history reads from the record (Redis gets nothing back for a read), and
    their message is heard: seq n + 1, the incident back in Redis and reopened, live to
    responders (open list, join, their reply), and archived."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with start_server(prefix, tmp_path, clock=clock, sweep_interval_s=0.05) as server:
        assert server.running.settings.live_window_hours == 72
        reporter, ack = await file_report(server, peers, REPORT)
        incident_id = ack["incident_id"]
        _, still_open = await file_report(server, peers, OPEN_REPORT)
        agent = await responder(server, peers, server.agent_token)
        assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
        sent: dict[int, str] = {}
        for i in range(3):
            mine = await reporter.call(
                "message:send", {"text": f"reporter {i}", "client_id": f"r{i}"}
            )
            sent[mine["seq"]] = f"reporter {i}"
            reply = {"incident_id": incident_id, "text": f"agent {i}", "client_id": f"a{i}"}
            sent[(await agent.call("message:send", reply))["seq"]] = f"agent {i}"
        for step in (
            {"action": "contact_outcome", "outcome": "reached", "note": "principal has it"},
            {"action": "resolve", "resolution": "handled_by_school", "note": "all settled"},
        ):
            done = await agent.call("incident:step", {"incident_id": incident_id, **step})
            assert done["ok"], done
        live = await agent.call("incident:join", {"incident_id": incident_id})
        assert live["ok"], live
        key = f"{prefix}:inc:{{{incident_id}}}"
        assert await redis_client.exists(key)

        clock.advance(73 * 3600)

        async def evicted() -> bool:
            return not await redis_client.exists(key)

        await wait_for(evicted, what="the incident gone from Redis", timeout=30)
        assert not await redis_client.exists(key + ":msgs")
        assert await redis_client.exists(f"{prefix}:inc:{{{still_open['incident_id']}}}")

        later = await responder(server, peers, server.agent_token)
        listed = await later.call("incident:list", {"status": "resolved"})
        assert [i["incident_id"] for i in listed["incidents"]] == [incident_id], listed
        everything = await later.call("incident:list", {})
        ids = {i["incident_id"] for i in everything["incidents"]}
        assert ids == {incident_id, still_open["incident_id"]}
        shown = await later.call("incident:join", {"incident_id": incident_id})
        assert shown["ok"], shown
        assert shown["incident"]["text"] == REPORT
        assert shown["incident"]["status"] == "resolved"
        trail = shown["incident"]["escalation"]
        assert [s["action"] for s in trail] == [s["action"] for s in live["incident"]["escalation"]]
        assert [s.get("note") for s in trail if s.get("note")] == [
            "principal has it",
            "all settled",
        ]
        assert [(m["seq"], m["text"]) for m in shown["messages"]] == [
            (m["seq"], m["text"]) for m in live["messages"]
        ]
        assert {m["seq"]: m["text"] for m in shown["messages"] if m["seq"] in sent} == sent

        step = {"action": "reopen", "note": "one more look"}  # allowed once resolved
        refused = await later.call("incident:step", {"incident_id": incident_id, **step})
        assert refused["error"]["code"] == "archived", refused
        payload = {"incident_id": incident_id, "text": "one more", "client_id": "late"}
        refused = await later.call("message:send", payload)
        assert refused["error"]["code"] == "archived", refused
        assert not await redis_client.exists(key)

        # The reporter returns with the receipt after the window: heard as inside it.
        back = peers("/report")
        await back.connect(server.url, {"receipt": ack["receipt"]})
        history = await back.call("messages:since", {"after_seq": 0})
        assert history["ok"], history
        seqs = [m["seq"] for m in history["messages"]]
        assert seqs == [m["seq"] for m in live["messages"]]
        assert not await redis_client.exists(key)  # a read brings nothing back
        again = {"text": "it is happening again, behind the gym", "client_id": "back-1"}
        heard = await back.call("message:send", again)
        assert heard["ok"], heard
        assert heard["seq"] == seqs[-1] + 1
        assert await redis_client.exists(key)
        assert await redis_client.exists(key + ":restored")  # the evictor's hold
        opened = await later.call("incident:list", {"status": "open"})
        assert incident_id in [i["incident_id"] for i in opened["incidents"]], opened
        joined = await later.call("incident:join", {"incident_id": incident_id})
        assert joined["ok"], joined
        assert joined["incident"]["status"] == "open"
        since_return = joined["incident"]["escalation"][len(trail) :]
        assert "reopen" in [s["action"] for s in since_return], since_return
        assert {m["seq"]: m["text"] for m in joined["messages"]}[heard["seq"]] == again["text"]
        reply = {"incident_id": incident_id, "text": "we hear you", "client_id": "after"}
        answered = await later.call("message:send", reply)
        assert answered["ok"], answered
        assert answered["seq"] > heard["seq"]  # after the reopen's line to the reporter
        database = server.running.database
        assert database is not None
        record = database.record

        async def archived() -> bool:
            stored = [m.seq for m in await record.messages(incident_id)]
            return stored == list(range(1, answered["seq"] + 1))

        await wait_for(archived, what="the messages after the return in the record")
