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
