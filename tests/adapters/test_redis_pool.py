"""The store's bounded connection pool: waits for a free connection, never opens more."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
import redis.exceptions

from adapters.redis_pool import SemaphorePool
from tests.conftest import REDIS_URL


async def test_many_concurrent_commands_share_a_few_connections(prefix: str) -> None:
    """300 commands at once on a pool of 4 all succeed, and no fifth connection is opened."""
    pool = SemaphorePool.from_url(REDIS_URL, max_connections=4, timeout=5.0)
    client = aioredis.Redis.from_pool(pool)
    try:
        results = await asyncio.gather(*(client.incr(f"{prefix}:n") for _ in range(300)))
        assert sorted(results) == list(range(1, 301))
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 4
    finally:
        await client.delete(f"{prefix}:n")
        await client.aclose()


async def test_a_full_pool_fails_after_its_timeout_then_serves_again() -> None:
    """With every connection held, a command fails with ConnectionError after the timeout;
    a command queued for a slot gets the connection as soon as it is released."""
    pool = SemaphorePool.from_url(REDIS_URL, max_connections=1, timeout=0.2)
    client = aioredis.Redis.from_pool(pool)
    try:
        held = await pool.get_connection()
        with pytest.raises(redis.exceptions.ConnectionError, match="No connection available"):
            await client.ping()

        async def ping() -> bool:
            return bool(await client.ping())

        waiting = asyncio.create_task(ping())
        await asyncio.sleep(0)  # one turn of the loop: the task is now queued for a slot
        assert not waiting.done()
        await pool.release(held)
        assert await waiting
    finally:
        await client.aclose()


async def test_a_failed_connect_gives_its_slot_back() -> None:
    """When Redis cannot be reached, each command fails on the connect itself, not on a
    pool left full by the failures before it."""
    pool = SemaphorePool.from_url(
        "redis://127.0.0.1:1/0", max_connections=1, timeout=0.2, socket_connect_timeout=0.5
    )
    client = aioredis.Redis.from_pool(pool)
    try:
        for _ in range(3):
            with pytest.raises(redis.exceptions.ConnectionError) as failed:
                await client.ping()
            assert "No connection available" not in str(failed.value)
        assert not pool._slots.locked()
    finally:
        await client.aclose()


def test_connections_pack_commands_with_hiredis_into_the_same_bytes() -> None:
    """The pool's connections pack through hiredis, byte for byte what redis-py's Python
    packer writes, the command name split on spaces, memoryview and bytearray accepted."""
    pool = SemaphorePool.from_url(REDIS_URL, max_connections=1)
    ours = pool.make_connection()  # type: ignore[no-untyped-call]
    assert type(ours).__name__ == "HiredisPackingConnection"
    stock = aioredis.Connection()
    args = ("EVALSHA", "a" * 40, 2, "k:1", "k:2", b"\x00\xffsealed", 100, 1.5, "é", "")
    for command in (args, ("CLIENT SETNAME", "x"), ("SET", memoryview(b"k"), bytearray(b"v"))):
        assert b"".join(ours.pack_command(*command)) == b"".join(stock.pack_command(*command))
    pipeline = [("SET", "k", "v"), ("GET", "k")]
    assert b"".join(ours.pack_commands(pipeline)) == b"".join(stock.pack_commands(pipeline))


async def test_a_value_hiredis_cannot_pack_is_refused_and_sends_nothing(prefix: str) -> None:
    """A bool or None as an argument raises redis-py's DataError, as its own encoder does,
    and the connection stays usable: nothing half-written reached Redis."""
    pool = SemaphorePool.from_url(REDIS_URL, max_connections=1)
    client = aioredis.Redis.from_pool(pool)
    try:
        for bad in (True, None):
            with pytest.raises(redis.exceptions.DataError):
                await client.set(f"{prefix}:k", bad)  # type: ignore[arg-type]
        assert await client.exists(f"{prefix}:k") == 0
        assert await client.set(f"{prefix}:k", "v") is True
        assert await client.get(f"{prefix}:k") == b"v"
    finally:
        await client.delete(f"{prefix}:k")
        await client.aclose()
