"""A message reaches every other connection of its conversation, on both sides, and never
comes back to the connection that sent it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, start_server

Peers = Callable[[str], Peer]


@pytest.mark.parametrize("fanout", ["local", "redis"])
async def test_message_reaches_every_other_connection_of_the_conversation(
    fanout: str, prefix: str, tmp_path: Path, redis_client: aioredis.Redis, peers: Peers
) -> None:
    """Two agents and two reporter tabs in one incident, with either fan-out: each message
    reaches the connections that did not send it, on both namespaces, and not its sender."""
    async with start_server(prefix, tmp_path, fanout=fanout) as tipline_server:
        await _conversation(tipline_server.url, tipline_server.agent_token, peers)


async def _conversation(url: str, agent_token: str, peers: Peers) -> None:
    reporter = peers("/report")
    await reporter.connect(url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": "a fight is planned after school"})
    assert filed["ok"], filed
    incident_id = filed["incident_id"]
    tab = peers("/report")
    await tab.connect(url, {"receipt": filed["receipt"]})
    agents = [peers("/respond"), peers("/respond")]
    for agent in agents:
        await agent.connect(url, {"token": agent_token})
        assert (await agent.call("incident:join", {"incident_id": incident_id}))["ok"]
    # The claim says "a responder joined" (opening the incident says nothing).
    assert (await agents[0].call("incident:claim", {"incident_id": incident_id}))["ok"]
    await reporter.received("message")
    await tab.received("message")
    await agents[0].received("message")
    await agents[1].received("message")
    baseline = {id(p): len(p.events.get("message", [])) for p in (reporter, tab, *agents)}

    sent = await reporter.call("message:send", {"text": "it is by the gym", "client_id": "r1"})
    assert sent["ok"], sent
    reply = await agents[0].call(
        "message:send", {"incident_id": incident_id, "text": "thank you", "client_id": "a1"}
    )
    assert reply["ok"], reply

    def texts(peer: Peer) -> list[str]:
        return [m["text"] for m in peer.events.get("message", [])[baseline[id(peer)] :]]

    await tab.received("message", baseline[id(tab)] + 2)
    await agents[1].received("message", baseline[id(agents[1])] + 2)
    await agents[0].received("message", baseline[id(agents[0])] + 1)
    await reporter.received("message", baseline[id(reporter)] + 1)
    assert texts(tab) == ["it is by the gym", "thank you"]
    assert texts(agents[1]) == ["it is by the gym", "thank you"]
    assert texts(agents[0]) == ["it is by the gym"]
    assert texts(reporter) == ["thank you"]
