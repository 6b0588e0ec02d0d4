"""A school's admins see when things happened to the minute, agents to the millisecond
(issue #19, item 11): every path a time reaches an admin by, over real Socket.IO against the
real server and Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from realtime import coarse
from tests.conftest import Peer, Server, wait_for
from tipline import models

Peers = Callable[[str], Peer]
REPORT = "someone keeps taking my lunch money in the cafeteria"


def on_the_minute(iso: str) -> bool:
    return iso.endswith(":00.000Z")


def incident_on_the_minute(wire: dict[str, Any]) -> bool:
    times = [wire["created_at"], *(step["at"] for step in wire["escalation"])]
    return all(on_the_minute(t) for t in times)


def test_minute_cuts_seconds_and_keeps_the_format() -> None:
    """`minute` keeps ISO-8601 UTC with a Z and drops the seconds and milliseconds."""
    assert coarse.minute("2026-12-01T23:46:44.123Z") == "2026-12-01T23:46:00.000Z"
    assert coarse.minute("2026-12-01T23:46:00.000Z") == "2026-12-01T23:46:00.000Z"


async def test_admins_get_minutes_and_agents_the_exact_time(
    tipline_server: Server, peers: Peers
) -> None:
    """The list, the join, live messages, messages:since, incident:updated and a step's ack:
    an admin's times are on the minute; an agent's are the stored ones."""
    admin, agent = peers("/respond"), peers("/respond")
    await admin.connect(tipline_server.url, {"token": tipline_server.admin_token})
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    ack = await reporter.call("report:create", {"text": REPORT})
    incident_id = ack["incident_id"]
    stored = await tipline_server.running.store.get(incident_id)
    assert stored is not None
    exact = models.iso(stored.created_at)

    (listed,) = (await admin.call("incident:list", {}))["incidents"]
    assert incident_on_the_minute(listed)
    assert listed["created_at"] == coarse.minute(exact)
    (seen,) = (await agent.call("incident:list", {}))["incidents"]
    assert seen["created_at"] == exact

    joined = await admin.call("incident:join", {"incident_id": incident_id})
    assert incident_on_the_minute(joined["incident"])
    assert (await agent.call("incident:join", {"incident_id": incident_id}))["ok"]
    sent = await reporter.call("message:send", {"text": "it was at lunch", "client_id": "c1"})
    assert sent["ok"], sent
    (live,) = await admin.received("message")
    (also,) = await agent.received("message")
    assert (live["seq"], live["text"]) == (also["seq"], also["text"])
    assert live["at"] == coarse.minute(also["at"])
    since = await admin.call("messages:since", {"incident_id": incident_id, "after_seq": 0})
    assert all(on_the_minute(m["at"]) for m in since["messages"])

    claimed = await agent.call("incident:claim", {"incident_id": incident_id})
    assert claimed["ok"], claimed

    async def updated() -> bool:
        return bool(admin.events.get("incident:updated"))

    await wait_for(updated, what="incident:updated at the admin")
    assert all(incident_on_the_minute(u) for u in admin.events["incident:updated"])
    taken = await admin.call("incident:step", {"incident_id": incident_id, "action": "take_over"})
    assert taken["ok"], taken
    assert incident_on_the_minute(taken["incident"])
