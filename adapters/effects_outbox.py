"""The effects outbox in Redis: the durable effects of a change, written with the change.

The incident scripts (adapters/redis_incidents.py) that store a new version of an incident
also write that version's durable effects (its deadlines, its Slack jobs; tipline/effects.py
says which) as one record here, in the same Lua call or MULTI. The process that stored the
change runs the effects and then drops the record (`done`). A record still here past its
grace was left behind (the process died, or Redis failed between the two steps): a sweeper
claims it under a lease (adapters/lease.py, as deadlines do) and runs it again. So a crash
or a Redis error at any point leaves either no change, or a change with its effects due.

Layout under `prefix`:
- `{prefix}:effects:due`    sorted set, `<incident id>:<version>` -> when it may be re-run (ms)
- `{prefix}:effects:data`   hash, the same field -> the record (JSON, tipline/effects.py)
- `{prefix}:effects:lease`  sorted set, field -> lease expiry (ms) of a record being re-run
- `{prefix}:effects:held`   hash, field -> the record being re-run
"""

from __future__ import annotations

import dataclasses
import time

import redis.asyncio as aioredis

from adapters import lease, reach, redis_codec
from tipline.ports import PendingEffects

# How long the process that stored a change has to run its effects before the sweeper may.
GRACE_MS = 5000

# Lua that writes the record of version `version` of an incident, to paste in a script
# that stores the change: `effects_write(due, data, incident_id, version, body, due_ms)`.
# A record of the version before still pending (its process died, or is still running it)
# is carried forward into this one, its lines first, so that the effects of one incident
# run in the order of its versions: the one who runs this record runs those lines first.
WRITE_LUA = """
local function effects_write(due, data, incident_id, version, body, due_ms)
  local before = incident_id .. ':' .. (tonumber(version) - 1)
  local left = redis.call('HGET', data, before)
  if left then
    redis.call('HDEL', data, before)
    redis.call('ZREM', due, before)
    if body == '' then body = left else body = left .. '\\n' .. body end
  end
  if body == '' then return end
  local name = incident_id .. ':' .. version
  redis.call('HSET', data, name, body)
  redis.call('ZADD', due, due_ms, name)
end
"""

# KEYS: due, lease, data, held, the claim's own key. The lease claim, as the deadlines' (a
# due record moves from `data` to `held`; an expired one is still in `held`; a re-send of
# the claim gets the same records). Returns field, body, ...
_CLAIM = lease.claim_script(lease.hash_take(names=True), resend=True)


def field(incident_id: str, version: int) -> str:
    """The record's name: one per stored version of an incident."""
    return f"{incident_id}:{version}"


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclasses.dataclass(frozen=True, slots=True)
class Lag:
    """How far the outbox is behind: the records waiting or being re-run, and the age of
    the oldest (seconds since it was written; for one being re-run, at least since its
    claim plus the grace)."""

    pending: int
    oldest_s: float


@dataclasses.dataclass(frozen=True, slots=True)
class Keys:
    due: str
    data: str
    lease: str
    held: str

    @classmethod
    def of(cls, prefix: str) -> Keys:
        base = f"{prefix}:effects"
        return cls(f"{base}:due", f"{base}:data", f"{base}:lease", f"{base}:held")


@reach.translated
class RedisEffectsOutbox:
    """Implements the EffectsOutbox port (one deployment = one key prefix)."""

    def __init__(self, client: aioredis.Redis, *, prefix: str, lease_s: float = 60.0) -> None:
        self._r = client
        self._keys = Keys.of(prefix)
        self._lease_ms = int(lease_s * 1000)
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(lease.HASH_RELEASE)
        self._tokens = lease.ClaimTokens()

    async def claim(self, now_ms: int, limit: int) -> list[PendingEffects]:
        k = self._keys
        with self._tokens.token() as token:  # after one that raised, what it took
            again = lease.claim_key(k.lease, token)
            flat = await self._claim(
                keys=[k.due, k.lease, k.data, k.held, again],
                args=[now_ms, limit, self._lease_ms],
            )
        found = []
        for i in range(0, len(flat), 2):
            incident_id, _, version = redis_codec.text(flat[i]).rpartition(":")
            found.append(PendingEffects(incident_id, int(version), redis_codec.text(flat[i + 1])))
        return found

    async def release(self, pending: PendingEffects, now_ms: int) -> bool:
        k = self._keys
        done = await self._release(
            keys=[k.lease, k.held],
            args=[field(pending.incident_id, pending.version), pending.body, now_ms],
        )
        return bool(done)

    async def record(self, incident_id: str, version: int) -> str | None:
        raw = await self._r.hget(self._keys.data, field(incident_id, version))
        return None if raw is None else redis_codec.text(raw)

    async def done(self, incident_id: str, version: int) -> None:
        k, name = self._keys, field(incident_id, version)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hdel(k.data, name)
            pipe.zrem(k.due, name)
            pipe.hdel(k.held, name)
            pipe.zrem(k.lease, name)
            await pipe.execute()

    async def lag(self, now_ms: int) -> Lag:
        """The records left and the oldest's age at `now_ms` (for /healthz). A record's due
        score is when it was written plus GRACE_MS; a held one's lease score is its claim
        plus the lease, and it was written at least GRACE_MS before its claim."""
        k = self._keys
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.hlen(k.data)
            pipe.hlen(k.held)
            pipe.zrange(k.due, 0, 0, withscores=True)
            pipe.zrange(k.lease, 0, 0, withscores=True)
            waiting, held, first_due, first_lease = await pipe.execute()
        written = [int(score) - GRACE_MS for _, score in first_due]
        written += [int(score) - self._lease_ms - GRACE_MS for _, score in first_lease]
        oldest_s = max(0.0, (now_ms - min(written)) / 1000) if written else 0.0
        return Lag(pending=int(waiting) + int(held), oldest_s=oldest_s)

    async def pending(self) -> int:
        """How many records wait or are being re-run (for tests and /healthz)."""
        k = self._keys
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.hlen(k.data)
            pipe.hlen(k.held)
            waiting, held = await pipe.execute()
        return int(waiting) + int(held)
