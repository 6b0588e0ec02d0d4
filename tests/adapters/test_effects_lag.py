"""How far the effects outbox is behind (adapters/effects_outbox.py `lag`) and what
/healthz's `effects` makes of it (adapters/redis_health.py `EffectsProbe`), on the real
Redis: records left waiting or held by a sweeper, and Redis away."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from adapters import effects_outbox
from adapters.effects_outbox import GRACE_MS, RedisEffectsOutbox
from adapters.redis_health import EffectsProbe
from tests.conftest import wait_for
from tests.procs import free_port

NOW = 1_800_000_000_000  # ms


async def leave(client: aioredis.Redis, prefix: str, name: str, written_ms: int) -> None:
    """A record left by a process that wrote it at `written_ms` and did not drop it."""
    keys = effects_outbox.Keys.of(prefix)
    await client.hset(keys.data, name, '{"op":"cancel","key":"k","v":1,"i":0}')
    await client.zadd(keys.due, {name: written_ms + GRACE_MS})


async def test_lag_counts_left_records_and_ages_the_oldest(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Two waiting records: both counted, the oldest's age from when it was written; a
    claimed one still counts, aged at least from its claim and the grace."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix, lease_s=60)
    assert await outbox.lag(NOW) == effects_outbox.Lag(pending=0, oldest_s=0.0)
    await leave(redis_client, prefix, "TL-A:1", NOW - 30_000)
    await leave(redis_client, prefix, "TL-B:2", NOW - 8_000)
    assert await outbox.lag(NOW) == effects_outbox.Lag(pending=2, oldest_s=30.0)
    (claimed, *_) = await outbox.claim(NOW - 20_000, 1)  # A: a sweeper took it 20 s ago
    assert claimed.incident_id == "TL-A"
    assert await outbox.lag(NOW) == effects_outbox.Lag(pending=2, oldest_s=25.0)
    await outbox.done("TL-A", 1)
    await outbox.done("TL-B", 2)
    assert await outbox.lag(NOW) == effects_outbox.Lag(pending=0, oldest_s=0.0)


async def test_probe_says_ok_then_behind_past_grace_sweep_and_margin(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """`ok` with nothing left or a record within grace, sweep and margin; `behind` once the
    oldest is older than that."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    probe = EffectsProbe(outbox, sweep_interval_s=1.0)
    assert probe.behind_after_s == 16.0  # 5 s grace, 1 s sweep, 10 s margin
    probe.last = await outbox.lag(NOW)
    assert probe.wire() == {"state": "ok", "pending": 0, "oldest_s": 0.0}
    await leave(redis_client, prefix, "TL-A:1", NOW - 15_000)
    probe.last = await outbox.lag(NOW)
    assert probe.wire() == {"state": "ok", "pending": 1, "oldest_s": 15.0}
    probe.last = await outbox.lag(NOW + 2_000)
    assert probe.wire() == {"state": "behind", "pending": 1, "oldest_s": 17.0}


async def test_probe_says_unknown_while_redis_does_not_answer() -> None:
    """No Redis on the port: the probe's round fails quietly and `effects` reads unknown."""
    client = aioredis.Redis(port=free_port(), socket_connect_timeout=0.5)
    probe = EffectsProbe(RedisEffectsOutbox(client, prefix="nowhere"), sweep_interval_s=1.0)
    probe.last = effects_outbox.Lag(pending=0, oldest_s=0.0)  # an earlier answer
    stop = asyncio.Event()
    task = asyncio.create_task(probe.probe(stop))

    async def forgot() -> bool:
        return probe.last is None

    try:
        await wait_for(forgot, what="the probe's failed round")
    finally:
        stop.set()
        await task
        await client.aclose()
    assert probe.wire() == {"state": "unknown", "pending": None, "oldest_s": None}


@pytest.mark.parametrize("written_s_ago", [0, 40])
async def test_a_record_just_written_is_young(
    redis_client: aioredis.Redis, prefix: str, written_s_ago: int
) -> None:
    """The age is measured from the writing, not from when the record may be re-run."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    await leave(redis_client, prefix, "TL-A:1", NOW - written_s_ago * 1000)
    assert (await outbox.lag(NOW)).oldest_s == written_s_ago
