"""Acknowledged means replicated: with `min_replicas`, a write comes back only once that many
replicas have it (Redis WAIT), else `NotReplicatedError`; reads never wait. On a real
primary and replica (tests/redis_sentinels.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters import reach
from adapters.redis_pool import NotReplicatedError, SemaphorePool
from tests.redis_sentinels import Group, replicated


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Group]:
    async with replicated(tmp_path / "redis") as group:
        yield group


def client_on(group: Group, min_replicas: int) -> aioredis.Redis:
    # WAIT gives up after 1 s: a replica in sync on a loaded machine (CI beside an apt
    # install once took over 200 ms) must not fail the first write.
    pool = SemaphorePool.from_url(
        group.primary.url, max_connections=4, min_replicas=min_replicas, replica_timeout_ms=1000
    )
    return aioredis.Redis.from_pool(pool)


async def test_a_write_is_back_only_once_the_replica_has_it(pair: Group) -> None:
    """A write returns once the replica has it; with the replica paused, writes (commands,
    scripts and pipelines) fail `NotReplicatedError`, which the adapters answer as
    `unavailable`, while reads go on; resumed, writes go through again on the same pool."""
    client = client_on(pair, min_replicas=1)
    replica = pair.replica.client()
    try:
        await client.set("k", "1")
        assert await replica.get("k") == b"1"  # already there: WAIT returned after it

        pair.replica.pause()
        try:
            with pytest.raises(NotReplicatedError, match="0 of 1 replicas"):
                await client.set("k", "2")
            with pytest.raises(NotReplicatedError):
                await client.eval("return redis.call('INCR', KEYS[1])", 1, "n")
            async with client.pipeline(transaction=True) as pipe:
                pipe.set("p", "1")
                pipe.incr("n")
                with pytest.raises(NotReplicatedError):
                    await pipe.execute()
            assert await client.get("k") == b"2"  # reads do not wait; the write is there
            assert isinstance(NotReplicatedError("x"), reach.UNREACHABLE)
        finally:
            pair.replica.resume()
        # A resumed replica takes a moment to acknowledge again (longer on a loaded machine
        # than the 1 s WAIT): the same pool's writes go through once it does.
        for _ in range(25):  # up to 1.2 s a try
            try:
                await client.set("k", "3")
                break
            except NotReplicatedError:
                await asyncio.sleep(0.2)
        else:
            pytest.fail("writes still not replicated 30 s after the replica resumed")
        assert await replica.get("k") == b"3"
    finally:
        await client.aclose()
        await replica.aclose()


async def test_more_replicas_than_there_are_refuse_every_write(pair: Group) -> None:
    """`min_replicas` 2 with one replica: no write is ever acknowledged; 0 never waits."""
    strict = client_on(pair, min_replicas=2)
    off = client_on(pair, min_replicas=0)
    try:
        with pytest.raises(NotReplicatedError, match="1 of 2 replicas"):
            await strict.set("k", "1")
        pair.replica.pause()
        try:
            assert await off.set("k", "2")  # no WAIT: the paused replica is not asked
        finally:
            pair.replica.resume()
    finally:
        await strict.aclose()
        await off.aclose()
