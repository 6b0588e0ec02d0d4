"""The Slack outbox in Redis: one FIFO per incident, retried with backoff, once across processes.

Layout under `P:slack:{outbox}` (`P` the key prefix). Every key carries the same hash tag
`{outbox}`, so on a Redis Cluster they share a slot and each script below stays one atomic
step; Slack traffic is a few calls per emergency, far below what one slot serves.

- `...:q:<incident id>`  list of jobs (JSON), delivered head first, in order
- `...:due`              sorted set, incident id -> when its head may be tried (ms)
- `...:lease`            sorted set, incident id -> when the worker holding it gives up (ms)
- `...:holder`           hash, incident id -> the lease token of the worker holding it
- `...:tries`            hash, incident id -> failed tries of its current head
- `...:once`             hash, `<incident id>:<key>` -> when first enqueued (the once-only post)
- `...:ts`               hash, incident id -> JSON `[channel, ts]` of the posted message;
  `remember` also adds `{i, sc: channel, st: ts}` to the archive stream (adapters/archive.py)

An incident is either waiting (`due`) or held (`lease`), never both: a job enqueued while a
worker holds the incident waits until `done` puts the incident back in `due`. A worker that
dies leaves its lease to expire, and the head is handed out again (a late duplicate, never a
lost post).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import redis.asyncio as aioredis

from adapters import lease, reach
from adapters.redis_keys import Keys
from tipline.ports import OutboxJob

# KEYS: due, lease, once, queue. ARGV: incident id, once field ('' = none), now ms, bodies...
_ENQUEUE = """
if ARGV[2] ~= '' and redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3]) == 0 then return 0 end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
end
return 1
"""

# KEYS: due, lease, tries, holder. ARGV: now ms, limit, lease ms, queue key prefix, token.
# The lease claim of adapters/lease.py over incidents; returns id, head, tries...
_CLAIM = lease.claim_script("""
local tries, holder = KEYS[3], KEYS[4]
local function take(id, expired)
  local head = redis.call('LINDEX', ARGV[4] .. id, 0)
  if not head then
    redis.call('ZREM', lease, id)
    redis.call('HDEL', holder, id)
    return false
  end
  redis.call('HSET', holder, id, ARGV[5])
  out[#out + 1] = id
  out[#out + 1] = head
  out[#out + 1] = redis.call('HGET', tries, id) or '0'
  return true
end
""")

# KEYS: due, lease, tries, holder, queue. ARGV: incident id, body, token, now ms.
_DONE = """
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[3] then return 0 end
if redis.call('LINDEX', KEYS[5], 0) == ARGV[2] then redis.call('LPOP', KEYS[5]) end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('LLEN', KEYS[5]) > 0 then redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1]) end
return 1
"""

# KEYS: due, lease, tries, holder. ARGV: incident id, token, due ms.
_RETRY = """
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


@reach.translated
class RedisSlackOutbox:
    """Implements the SlackOutbox port on one Redis (one deployment = one key prefix)."""

    def __init__(self, client: aioredis.Redis, *, prefix: str, lease_s: float = 60.0) -> None:
        self._r = client
        base = f"{prefix}:slack:{{outbox}}"
        self._due, self._lease = f"{base}:due", f"{base}:lease"
        self._holder, self._tries = f"{base}:holder", f"{base}:tries"
        self._once, self._ts = f"{base}:once", f"{base}:ts"
        self._queue = f"{base}:q:"
        self._archive = Keys(prefix).archive()  # adapters/archive.py
        self._lease_ms = int(lease_s * 1000)
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._done = client.register_script(_DONE)
        self._retry = client.register_script(_RETRY)

    async def enqueue(
        self, incident_id: str, bodies: Sequence[str], *, once: str | None, now_ms: int
    ) -> bool:
        field = f"{incident_id}:{once}" if once else ""
        keys = [self._due, self._lease, self._once, self._queue + incident_id]
        written = await self._enqueue(keys=keys, args=[incident_id, field, now_ms, *bodies])
        return bool(written)

    async def claim(self, now_ms: int, limit: int) -> list[OutboxJob]:
        token = uuid.uuid4().hex
        keys = [self._due, self._lease, self._tries, self._holder]
        flat = await self._claim(
            keys=keys, args=[now_ms, limit, self._lease_ms, self._queue, token]
        )
        return [
            OutboxJob(
                incident_id=_text(flat[i]),
                body=_text(flat[i + 1]),
                attempts=int(flat[i + 2]),
                lease=token,
            )
            for i in range(0, len(flat), 3)
        ]

    async def done(self, job: OutboxJob, now_ms: int) -> None:
        keys = [self._due, self._lease, self._tries, self._holder, self._queue + job.incident_id]
        await self._done(keys=keys, args=[job.incident_id, job.body, job.lease, now_ms])

    async def retry(self, job: OutboxJob, due_ms: int) -> None:
        keys = [self._due, self._lease, self._tries, self._holder]
        await self._retry(keys=keys, args=[job.incident_id, job.lease, due_ms])

    async def remember(self, incident_id: str, channel: str, ts: str) -> None:
        """Keep where the incident's message is, and tell the archive in the same MULTI, so
        the record has it too (`slack_messages`: rebuilding Redis from the record needs it)."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(self._ts, incident_id, json.dumps([channel, ts]))
            pipe.xadd(self._archive, {"i": incident_id, "sc": channel, "st": ts})
            await pipe.execute()

    async def posted(self, incident_id: str) -> tuple[str, str] | None:
        raw = await self._r.hget(self._ts, incident_id)
        if raw is None:
            return None
        channel, ts = json.loads(raw)
        return str(channel), str(ts)

    async def pending(self) -> int:
        """How many incidents have jobs waiting or in delivery (for tests and /healthz)."""
        return int(await self._r.zcard(self._due)) + int(await self._r.zcard(self._lease))
