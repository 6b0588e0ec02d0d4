"""Redis through Sentinel: the primary killed with SIGKILL mid-chat, the replica promoted, and
two servers on a `redis+sentinel://` URL carry on by themselves (tests/redis_sentinels.py
starts real `redis-server` processes: a primary, a replica and three Sentinels)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Peer, Server, start_server, wait_for
from tests.redis_sentinels import Group, replication_health, sentinel_group, until
from tipline.limits import Limits

Peers = Callable[[str], Peer]
# How long the servers may take to carry on after the kill: the failover (about 2-4 s with
# the group's 1 s down-after) and a margin for two loaded CPUs.
CARRY_ON_S = 30.0


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    async with sentinel_group(tmp_path / "redis") as started:
        yield started


async def send_until_acked(peer: Peer, payload: dict[str, Any], refused: list[str]) -> int:
    """Send until the message is acknowledged, as a client does: the same `client_id` each
    time; every refusal must be `unavailable`. The acknowledged seq."""
    loop = asyncio.get_running_loop()
    gives_up = loop.time() + CARRY_ON_S
    while True:
        ack = await peer.call("message:send", payload)
        if ack["ok"]:
            return int(ack["seq"])
        assert ack["error"]["code"] == "unavailable", ack
        refused.append(payload["client_id"])
        if loop.time() > gives_up:
            pytest.fail(f"still refused {CARRY_ON_S} s after the primary was killed")
        await asyncio.sleep(0.05)


async def test_killed_primary_is_followed_and_no_acknowledged_message_is_lost(
    prefix: str, tmp_path: Path, peers: Peers, group: Group
) -> None:
    """SIGKILL of the primary: `unavailable` until the replica is promoted, then both servers
    carry on; every acknowledged message is there once with gapless seqs, and the fan-out
    between the servers follows the new primary."""
    roomy = Limits(messages_per_connection=5000, messages_per_incident=5000)
    one: Server
    two: Server
    async with (
        start_server(prefix, tmp_path, redis_url=group.url, fanout="redis", limits=roomy) as one,
        start_server(prefix, tmp_path, redis_url=group.url, fanout="redis", limits=roomy) as two,
    ):
        agent = peers("/respond")
        await agent.connect(two.url, {"token": two.agent_token})
        reporter = peers("/report")
        await reporter.connect(one.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "a boy has a knife in his bag"})
        assert filed["ok"], filed
        joined = await agent.call("incident:join", {"incident_id": filed["incident_id"]})
        assert joined["ok"], joined

        acked: list[tuple[int, str]] = []
        refused: list[str] = []
        for n in range(10):
            text = f"before {n}"
            seq = await send_until_acked(reporter, {"text": text, "client_id": text}, refused)
            acked.append((seq, text))
        assert refused == []
        await wait_for(
            lambda: _got(agent, "before 9"), what="the fan-out before the kill", timeout=10
        )

        await asyncio.to_thread(group.primary.kill)
        n = 0
        while not await _promoted(group) or n < 10:
            text = f"after {n}"
            seq = await send_until_acked(reporter, {"text": text, "client_id": text}, refused)
            acked.append((seq, text))
            n += 1
        assert refused, "the kill was never seen: no message was refused"
        await until(group.promoted, what="the replica promoted")

        # The fan-out subscribed again on the new primary: a message sent now reaches the
        # agent on the other server.
        async def crosses() -> bool:
            text = f"probe {len(acked)}"
            seq = await send_until_acked(reporter, {"text": text, "client_id": text}, refused)
            acked.append((seq, text))
            await asyncio.sleep(0.2)
            return await _got(agent, text)

        await wait_for(crosses, what="the fan-out on the new primary", timeout=CARRY_ON_S)

        history = await reporter.call("messages:since", {"after_seq": 0})
        assert history["ok"], history
        mine = [(m["seq"], m["text"]) for m in history["messages"] if m["from"] == "reporter"]
        assert mine == acked  # every acknowledged message once, in order
        seqs = [m["seq"] for m in history["messages"]]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate

        # /healthz names the new primary, found through the Sentinels.
        async def names_new_primary() -> bool:
            health = await replication_health(one)
            return bool(health["primary"] == group.replica.address and health["role"] == "primary")

        await wait_for(names_new_primary, what="/healthz on the new primary", timeout=10)
        assert (await replication_health(one))["via"] == "sentinel"


async def _got(peer: Peer, text: str) -> bool:
    return any(m.get("text") == text for m in peer.events.get("message", []))


async def _promoted(group: Group) -> bool:
    try:
        return await group.promoted()
    except Exception:
        return False
