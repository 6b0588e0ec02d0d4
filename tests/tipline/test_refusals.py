"""An admin's refusal for another school's incident takes the same store calls as for an id
that does not exist, and never reads the incident (issue #19, item 10): nothing in the
answer's timing tells that another school's incident exists."""

from __future__ import annotations

import collections
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

# Imported here, at collection: on a loaded machine the import alone can outlast the 10 s
# that start_server waits for triage.
import classifiers.rules  # noqa: F401
from adapters.embedded_redis import EmbeddedRedis
from tests.conftest import Peer, Server, start_server, wait_for

MADE_UP = "TL-ZZZZZZZZZZ"
# What a connection does on its own (handshake, idle health checks), and our measuring.
IGNORED = {"info", "ping", "auth", "hello", "select", "client|setinfo", "client", "monitor"}
ARCHIVE = ":archive"  # the archive stream's key suffix (adapters/redis_keys.py)
EVENTS: dict[str, dict[str, Any]] = {
    "messages:since": {"after_seq": 0},
    "incident:join": {},
    "incident:step": {"action": "law_enforcement"},
    "incident:claim": {},
    "message:send": {"text": "are you there?", "client_id": "probe"},
}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test alone, so that its command counts are this server's only."""
    redis = EmbeddedRedis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
async def server(
    prefix: str, tmp_path: Path, private_redis: EmbeddedRedis
) -> AsyncIterator[Server]:
    # No sweeper turn during the test: its reads would count.
    async with start_server(
        prefix, tmp_path, redis_url=private_redis.url, sweep_interval_s=3600
    ) as running:
        yield running


async def store_calls(client: aioredis.Redis, peer: Peer, event: str, incident_id: str) -> Any:
    """The Redis commands (name -> count) that answering `event` on `incident_id` took, as
    MONITOR sees them; the archive worker's own reads of its stream (a connection of the
    same server, polling) are not the answer's and are left out by their key."""
    marker = f"end-of-{uuid.uuid4().hex}"
    counts: collections.Counter[str] = collections.Counter()
    async with client.monitor() as monitor:
        ack = await peer.call(event, {"incident_id": incident_id, **EVENTS[event]})
        await client.echo(marker)
        while marker not in (command := (await monitor.next_command())["command"]):
            name = command.split(" ", 1)[0].lower()
            if name not in IGNORED and ARCHIVE not in command:
                counts[name] += 1
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_found"
    return dict(counts)


async def archive_drained(client: aioredis.Redis, prefix: str) -> None:
    """Wait until the archive has written what the set-up did (its acks would count)."""

    async def empty() -> bool:
        return int(await client.xlen(f"{prefix}{ARCHIVE}")) == 0

    await wait_for(empty, what="the archive drained", timeout=10)


async def test_another_schools_incident_and_a_made_up_id_cost_the_same_store_calls(
    server: Server, private_redis: EmbeddedRedis
) -> None:
    """For each event, an admin of OTHER asking about a DEMO incident (one an agent has
    joined, so its school is known to the process) and about a made-up id: the same Redis
    commands, none of which reads the incident."""
    reporter, agent, other = Peer("/report"), Peer("/respond"), Peer("/respond")
    client = aioredis.Redis.from_url(private_redis.url)
    try:
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "a boy brought a knife to school"})
        await agent.connect(server.url, {"token": server.agent_token})
        assert (await agent.call("incident:join", {"incident_id": filed["incident_id"]}))["ok"]
        await other.connect(server.url, {"token": server.other_admin_token})
        await archive_drained(client, server.prefix)
        for event in EVENTS:
            await store_calls(client, other, event, MADE_UP)  # warm: connections open
            real = await store_calls(client, other, event, filed["incident_id"])
            made_up = await store_calls(client, other, event, MADE_UP)
            assert real, event  # the refusal is answered from the store: it is seen
            assert real == made_up, event
            assert not {"hgetall", "lrange", "hget", "get", "exec"} & set(real), (event, real)
    finally:
        await client.aclose()
        for peer in (reporter, agent, other):
            await peer.close()
