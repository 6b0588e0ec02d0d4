"""/healthz's `effects`: the effects outbox's records left for the sweeper, in the running
service (tipline/app.py), on the real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters import effects_outbox, redis_health
from tests.conftest import Server, healthz, wait_for


async def test_healthz_says_effects_ok_then_behind_and_stays_200(
    tipline_server: Server, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Nothing left: `ok`, 0 pending. A record a sweeper took 30 s ago and still holds (its
    lease runs 30 s more): `behind`, 1 pending, at least 35 s old; /healthz still 200."""
    status, body = await healthz(tipline_server)
    assert (status, body["effects"]) == (200, {"state": "ok", "pending": 0, "oldest_s": 0.0})
    keys = effects_outbox.Keys.of(prefix)
    now = effects_outbox.wall_ms()
    await redis_client.hset(keys.held, "TL-GONE:1", '{"op":"cancel","key":"k","v":1,"i":0}')
    await redis_client.zadd(keys.lease, {"TL-GONE:1": now + 30_000})  # 60 s lease, 30 s in

    async def behind() -> bool:
        return bool((await healthz(tipline_server))[1]["effects"]["state"] == "behind")

    await wait_for(behind, what="effects behind", timeout=redis_health.PROBE_S * 3)
    status, body = await healthz(tipline_server)
    assert (status, body["ok"], body["effects"]["pending"]) == (200, True, 1)
    assert body["effects"]["oldest_s"] >= 35.0
