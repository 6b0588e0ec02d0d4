"""Durable deadlines in Redis, swept by every server process.

Layout under `prefix`:
- `{prefix}:deadlines:due`   sorted set, key -> due time (ms since the epoch)
- `{prefix}:deadlines:data`  hash, key -> the pending Deadline as JSON
- `{prefix}:deadlines:lease` sorted set, key -> lease expiry (ms) of a claimed deadline
- `{prefix}:deadlines:held`  hash, key -> the claimed Deadline as JSON

`claim_due` is one Lua script, the lease claim of `adapters.lease`: it moves due entries
from pending to held under a lease and returns them, so across any number of sweepers each
entry is handed out once. `ack` drops a handled entry. A process that dies between claim and
ack leaves the lease to expire, and the entry is handed out again: a crash costs a late
duplicate (the engine ignores deadlines whose incident moved on), never a lost escalation.
Everything lives in Redis, so a restart loses nothing; production runs Redis with AOF.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

from adapters import lease, reach
from tipline.errors import Unavailable
from tipline.models import Deadline
from tipline.ports import Clock

log = logging.getLogger("tipline.deadlines")

# KEYS: due, lease, data, held, the claim's own key. Returns the JSON of the deadlines claimed
# (adapters/lease.py): an expired one is still in `held`; a due one moves from `data` to
# `held`. A re-send of the claim (its answer lost) gets the same deadlines again.
_CLAIM = lease.claim_script(lease.hash_take(), resend=True)

# Drops a held entry only if it is still the one this sweeper handled (same JSON): a newer
# deadline with the same key, claimed meanwhile, stays.
_ACK = """
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _encode(deadline: Deadline) -> str:
    # Sorted keys: the JSON is the identity that `ack` compares.
    return json.dumps(deadline.to_wire(), sort_keys=True, separators=(",", ":"))


@reach.translated
class DeadlineStore:
    """Pending and claimed deadlines of one Tipline deployment (one key prefix)."""

    def __init__(self, redis: aioredis.Redis, prefix: str, *, lease_s: float = 60.0) -> None:
        self._redis = redis
        base = f"{prefix}:deadlines"
        self._due, self._data = f"{base}:due", f"{base}:data"
        self._lease, self._held = f"{base}:lease", f"{base}:held"
        self._lease_ms = int(lease_s * 1000)
        self._claim = redis.register_script(_CLAIM)
        self._ack = redis.register_script(_ACK)
        self._release = redis.register_script(lease.HASH_RELEASE)
        self._tokens = lease.ClaimTokens()

    async def schedule(self, deadline: Deadline) -> None:
        """Store `deadline`, replacing a pending one with the same key."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._due, {deadline.key: _ms(deadline.due)})
            pipe.hset(self._data, deadline.key, _encode(deadline))
            await pipe.execute()

    async def cancel(self, key: str) -> None:
        """Forget the pending deadline `key` (one already claimed is left to its handler)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._due, key)
            pipe.hdel(self._data, key)
            await pipe.execute()

    async def claim_due(self, now: dt.datetime, limit: int = 100) -> list[Deadline]:
        """Take up to `limit` deadlines due at `now`; no other caller gets the same ones.
        After a claim that raised, the next one gets what that one took, if it ran."""
        with self._tokens.token() as token:
            again = lease.claim_key(self._lease, token)
            keys = [self._due, self._lease, self._data, self._held, again]
            bodies = await self._claim(keys=keys, args=[_ms(now), limit, self._lease_ms])
        return [Deadline.from_wire(json.loads(body)) for body in bodies]

    async def release(self, deadline: Deadline, now: dt.datetime) -> bool:
        """Hand a claimed deadline out again from `now` on, not after its whole lease (its
        handler found a store away); False if it was no longer held as claimed."""
        done = await self._release(
            keys=[self._lease, self._held], args=[deadline.key, _encode(deadline), _ms(now)]
        )
        return bool(done)

    async def ack(self, deadline: Deadline) -> bool:
        """Mark a claimed deadline handled; False if it was no longer held as claimed."""
        done = await self._ack(
            keys=[self._lease, self._held], args=[deadline.key, _encode(deadline)]
        )
        return bool(done)

    async def pending(self) -> int:
        """How many deadlines wait to come due."""
        return int(await self._redis.zcard(self._due))

    async def next_due(self) -> dt.datetime | None:
        """When the earliest pending deadline is due."""
        first = await self._redis.zrange(self._due, 0, 0, withscores=True)
        if not first:
            return None
        return dt.datetime.fromtimestamp(float(first[0][1]) / 1000, dt.UTC)


Handler = Callable[[Deadline], Awaitable[None]]


async def sweep_once(
    store: DeadlineStore, clock: Clock, handler: Handler, *, limit: int = 100, late_ms: int = 5000
) -> int:
    """Claim what is due, run `handler` on each, ack the ones it handled; how many claimed.

    A handler that raises is logged and not acked: the lease runs out and it is retried.
    One that finds a store away (`Unavailable`: Redis failing over, a replica slow to
    confirm) is handed out again at the next sweep instead, once the batch is through.
    """
    now = clock.now()
    claimed = await store.claim_due(now, limit)
    away: list[Deadline] = []
    for deadline in claimed:
        lateness_ms = max(0, _ms(now) - _ms(deadline.due))
        fields = {
            "deadline_key": deadline.key,
            "incident_id": deadline.incident_id,
            "deadline_kind": deadline.kind.value,
            "lateness_ms": lateness_ms,
        }
        # The overdue auditor: every fire is logged with its lateness; a late one warns.
        level = logging.WARNING if lateness_ms > late_ms else logging.DEBUG
        log.log(
            level,
            "deadline.fired_late" if level > logging.DEBUG else "deadline.fired",
            extra=fields,
        )
        try:
            await handler(deadline)
        except Unavailable:
            log.warning("deadline.handler_unavailable", extra=fields)
            away.append(deadline)
            continue
        except Exception:
            log.exception("deadline.handler_failed", extra=fields)
            continue
        try:
            await store.ack(deadline)
        except Unavailable:
            # Handled, not acknowledged: handed out again, the engine finds it done.
            log.warning("deadline.ack_unavailable", extra=fields)
            away.append(deadline)
    for deadline in away:
        with contextlib.suppress(Unavailable):  # still away: its lease runs out instead
            await store.release(deadline, now)
    return len(claimed)


async def run_sweeper(
    store: DeadlineStore,
    clock: Clock,
    handler: Handler,
    interval_s: float,
    stop_event: asyncio.Event,
    *,
    limit: int = 100,
    late_ms: int = 5000,
) -> None:
    """Sweep every `interval_s` until `stop_event` is set; a full batch sweeps again at once."""
    while not stop_event.is_set():
        try:
            claimed = await sweep_once(store, clock, handler, limit=limit, late_ms=late_ms)
        except Unavailable:
            # Redis away for a moment: keep the loop alive, the deadlines wait in Redis.
            log.warning("deadline.sweep_unavailable")
            claimed = 0
        except Exception:
            log.exception("deadline.sweep_failed")
            claimed = 0
        if claimed >= limit:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=interval_s)
