"""Two servers on one Redis with fan-out through Redis pub/sub: a reporter connected to one
and a responder connected to the other chat as if both were on one server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from tests.conftest import RING_LINE, Peer, Server, start_server

Peers = Callable[[str], Peer]
ROUNDS = 15


@contextlib.asynccontextmanager
async def two_servers(prefix: str, tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    async with (
        start_server(prefix, tmp_path / "a", fanout="redis", data_key=RING_LINE) as one,
        start_server(prefix, tmp_path / "b", fanout="redis", data_key=RING_LINE) as two,
    ):
        assert one.url != two.url
        yield one, two


def texts(peer: Peer) -> list[str]:
    return [m["text"] for m in peer.events.get("message", [])]


async def test_reporter_and_responder_on_two_processes_chat_both_ways(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Every message crosses between the processes exactly once, in order, with its seq."""
    async with two_servers(prefix, tmp_path) as (one, two):
        agent = peers("/respond")
        await agent.connect(two.url, {"token": two.agent_token})
        reporter = peers("/report")
        await reporter.connect(one.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "they push me in the hallway"})
        incident_id = filed["incident_id"]
        (new,) = await agent.received("incident:new")
        assert new["incident_id"] == incident_id
        joined = await agent.call("incident:join", {"incident_id": incident_id})
        assert joined["ok"], joined
        claimed = await agent.call("incident:claim", {"incident_id": incident_id})
        assert claimed["ok"], claimed
        await reporter.received("message")  # the system notice of the claim: a responder joined

        sent_by_reporter: list[str] = []
        sent_by_agent: list[str] = []
        for n in range(ROUNDS):
            text = f"reporter {n}"
            ack = await reporter.call("message:send", {"text": text, "client_id": f"r{n}"})
            assert ack["ok"], ack
            sent_by_reporter.append(text)
            text = f"agent {n}"
            payload: dict[str, Any] = {"incident_id": incident_id, "text": text}
            ack = await agent.call("message:send", payload | {"client_id": f"a{n}"})
            assert ack["ok"], ack
            sent_by_agent.append(text)
        # A resend must not reach the other side a second time.
        again = await reporter.call("message:send", {"text": "reporter 0", "client_id": "r0"})
        assert again["ok"]
        ack = await reporter.call("message:send", {"text": "last", "client_id": "last"})
        assert ack["ok"], ack
        sent_by_reporter.append("last")
        # Pub/sub keeps order on one channel: once the last message is in, every earlier
        # one (and a duplicate of the resend) would have arrived too.
        await agent.received("message", count=ROUNDS + 2)  # with the claim's system line
        await reporter.received("message", count=ROUNDS + 1)
        assert texts(agent)[1:] == sent_by_reporter
        assert texts(reporter)[1:] == sent_by_agent
        seqs = [m["seq"] for m in reporter.events["message"] + agent.events["message"][1:]]
        assert sorted(seqs) == list(range(1, 2 * ROUNDS + 3))


async def test_new_report_reaches_each_agent_once_whichever_process_it_is_on(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """`incident:new` from one process reaches agents on both processes, once each."""
    async with two_servers(prefix, tmp_path) as (one, two):
        local, remote = peers("/respond"), peers("/respond")
        await local.connect(one.url, {"token": one.agent_token})
        await remote.connect(two.url, {"token": two.agent_token})
        reporter = peers("/report")
        await reporter.connect(one.url, {"org_code": "DEMO"})
        first = await reporter.call("report:create", {"text": "someone took my phone"})
        second = await reporter.call("report:create", {"text": "someone took my bike"})
        for agent in (local, remote):
            await agent.received("incident:new", count=2)
        # The second report's event came after the first on the same channel, so a
        # duplicate of the first would already be here.
        for agent in (local, remote):
            ids = [i["incident_id"] for i in agent.events["incident:new"]]
            assert ids == [first["incident_id"], second["incident_id"]]


async def test_a_message_reaches_every_other_connection_on_both_processes_once(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Reporter tabs and agents spread over both processes: each message reaches every
    connection of the conversation but its sender, once, on both sides."""
    async with two_servers(prefix, tmp_path) as (one, two):
        reporter = peers("/report")
        await reporter.connect(one.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "a fight is planned after school"})
        incident_id = filed["incident_id"]
        tab = peers("/report")
        await tab.connect(two.url, {"receipt": filed["receipt"]})
        near, far = peers("/respond"), peers("/respond")
        await near.connect(one.url, {"token": one.agent_token})
        await far.connect(two.url, {"token": two.agent_token})
        for agent in (near, far):
            assert (await agent.call("incident:join", {"incident_id": incident_id}))["ok"]
        assert (await near.call("incident:claim", {"incident_id": incident_id}))["ok"]
        for peer in (reporter, tab):  # the system line of the claim
            await peer.received("message")
        everyone = (reporter, tab, near, far)
        before = {id(p): len(p.events.get("message", [])) for p in everyone}

        ack = await reporter.call("message:send", {"text": "it is by the gym", "client_id": "r1"})
        assert ack["ok"], ack
        payload = {"incident_id": incident_id, "text": "thank you", "client_id": "a1"}
        assert (await far.call("message:send", payload))["ok"]
        ack = await tab.call("message:send", {"text": "last", "client_id": "t1"})
        assert ack["ok"], ack
        expected = {
            id(reporter): ["thank you", "last"],
            id(tab): ["it is by the gym", "thank you"],
            id(near): ["it is by the gym", "thank you", "last"],
            id(far): ["it is by the gym", "last"],
        }
        for peer in everyone:
            await peer.received("message", count=before[id(peer)] + len(expected[id(peer)]))
        # Pub/sub keeps order on one channel: after "last", a duplicate would be here too.
        await near.received("message", count=before[id(near)] + 3)
        for peer in everyone:
            assert texts(peer)[before[id(peer)] :] == expected[id(peer)]
