"""Fan-out choice and the pooled Redis manager: a bounded, blocking pool that closes."""

from __future__ import annotations

import asyncio

import pytest

from adapters import fanout
from adapters.redis_pool import SemaphorePool
from tests.conftest import REDIS_URL
from tipline import settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "local"),
        ({"TIPLINE_REDIS_URL": REDIS_URL}, "redis"),
        ({"TIPLINE_REDIS_URL": REDIS_URL, "TIPLINE_FANOUT": "local"}, "local"),
        ({"TIPLINE_FANOUT": "Redis"}, "redis"),
    ],
)
def test_fanout_defaults_to_redis_only_with_a_shared_redis(
    env: dict[str, str], expected: str
) -> None:
    """TIPLINE_FANOUT wins; unset, a Redis URL means "redis" and the embedded one "local"."""
    assert settings.load(config_path=None, env=env).fanout == expected


def test_unknown_fanout_is_a_config_error() -> None:
    """A misspelt fan-out stops start-up with a message naming the variable."""
    with pytest.raises(settings.ConfigError, match="TIPLINE_FANOUT"):
        settings.load(config_path=None, env={"TIPLINE_FANOUT": "kafka"})


async def test_manager_uses_a_bounded_pool_and_closes_it(prefix: str) -> None:
    """Publishing goes through a SemaphorePool of the configured size; close() ends the
    listener and drops every connection."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()  # what the manager does on first use
    pool = manager.redis.connection_pool
    assert isinstance(pool, SemaphorePool)
    assert pool.max_connections == 4
    assert manager.channel == f"{prefix}:socketio"
    await manager._publish({"method": "noop"})
    await manager.close()
    assert manager.redis is None
    assert not manager.connected


async def test_a_burst_of_publishes_waits_for_connections_and_none_fails(prefix: str) -> None:
    """200 concurrent publishes on a 4-connection pool all go out: a full pool queues them."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()
    try:
        results = await asyncio.gather(
            *(manager.redis.publish(manager.channel, "x") for _ in range(200)),
            return_exceptions=True,
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert manager.redis.connection_pool.max_connections == 4
    finally:
        await manager.close()


async def test_concurrent_publishes_reach_the_channel_in_call_order(prefix: str) -> None:
    """100 emits published at once by the manager arrive on its channel once each, in order."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()
    listener = manager.redis.pubsub(ignore_subscribe_messages=True)
    await listener.subscribe(manager.channel)
    try:
        await asyncio.gather(*(manager._publish({"method": "noop", "n": i}) for i in range(100)))
        got: list[int] = []
        deadline = asyncio.get_running_loop().time() + 10
        while len(got) < 100 and asyncio.get_running_loop().time() < deadline:
            message = await listener.get_message(timeout=1.0)
            if message is not None:
                got.append(manager.json.loads(message["data"])["n"])
        assert got == list(range(100))
    finally:
        await listener.aclose()
        await manager.close()
