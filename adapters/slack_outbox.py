"""The Slack outbox in Redis: one FIFO per incident, retried with backoff, once across processes.

Layout under `P:slack:{outbox}` (`P` the key prefix). Every key carries the same hash tag
`{outbox}`, so on a Redis Cluster they share a slot and each script below stays one atomic
step; Slack traffic is a few calls per emergency, far below what one slot serves.

- `...:q:<incident id>`  list of jobs (JSON), delivered head first, in order
- `...:due`              sorted set, incident id -> when its head may be tried (ms)
- `...:lease`            sorted set, incident id -> when the worker holding it gives up (ms)
- `...:holder`           hash, incident id -> the lease token of the worker holding it
- `...:tries`            hash, incident id -> failed tries of its current head
- `...:once:<incident id>` hash, `<key>` -> when first enqueued (the once-only post, each
  effect's job `fx:<version>:<index>`; an enqueue without a key is under `call:<its token>`,
  so a re-send queues nothing again)
- `...:ts`               hash, incident id -> JSON `[channel, ts]` of the posted message;
  `remember` also adds `{i, sc: channel, st: ts}` to the archive stream (adapters/archive.py)
- `...:once`             hash, `<incident id>:<key>`: the once keys as versions before kept
  them, all incidents in one hash; read by `enqueue` too, so nothing they queued is queued
  again, and emptied incident by incident as incidents leave Redis

An incident's once keys and its `ts` go when the live window takes the incident out of
Redis (`forget`, in the evictor's MULTI, adapters/live_window.py): a once key refuses a
second job of a change of the incident, and an incident out of Redis takes no change (its
writes are refused `archived`; one brought back from the record has its `ts` again, and
posted incidents are never posted twice: bot/delivery.py). So nothing here grows with
the incidents ever handled, only with those in Redis.

A job holds a step's note, which a person wrote: with a data key ring each body is stored
sealed (`sealed:<key id>:<base64>`, bound to its incident, adapters/redis_codec.py) and
handed out opened; a worker's `lease` names its hold and the SHA-1 of the head as stored, so
`done` pops that head and no other. A body stored plain (JSON, by an older version) is read as
it is.

An incident is either waiting (`due`) or held (`lease`), never both: a job enqueued while a
worker holds the incident waits until `done` puts the incident back in `due`. A worker that
dies leaves its lease to expire, and the head is handed out again (a late duplicate, never a
lost post).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
import redis.exceptions

from adapters import lease, reach, redis_codec, redis_once
from adapters.redis_keys import Keys
from adapters.sealing import KeyRing, SealedError
from tipline.ports import OutboxJob

# KEYS: due, lease, the incident's once hash, queue, the older shared once hash. ARGV:
# incident id, once field ('' = none), now ms, bodies...
_ENQUEUE = """
if ARGV[2] ~= '' then
  if redis.call('HEXISTS', KEYS[5], ARGV[1] .. ':' .. ARGV[2]) == 1 then return 0 end
  if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3]) == 0 then return 0 end
end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
end
return 1
"""

# KEYS: due, lease, tries, holder, the claim's own key. ARGV: now ms, limit, lease ms, queue
# key prefix, token. The lease claim of adapters/lease.py over incidents; returns id, head,
# tries... A re-send of the claim (its answer lost) gets the same heads under the same token.
_CLAIM = lease.claim_script(
    """
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
""",
    resend=True,
)

# KEYS: due, lease, tries, holder, queue. ARGV: incident id, SHA-1 of the head as claimed,
# token, now ms.
_DONE = """
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[3] then return 0 end
local head = redis.call('LINDEX', KEYS[5], 0)
if head and redis.sha1hex(head) == ARGV[2] then redis.call('LPOP', KEYS[5]) end
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


_SEALED = "sealed:"


def _context(incident_id: str) -> str:
    return f"redis:slack:{incident_id}"


def _seal(ring: KeyRing | None, incident_id: str, body: str) -> str:
    if ring is None:
        return body
    key_id, data = ring.seal(body, context=_context(incident_id))
    return f"{_SEALED}{key_id}:{base64.b64encode(data).decode()}"


def _open(ring: KeyRing | None, incident_id: str, stored: str) -> str:
    if not stored.startswith(_SEALED):
        return stored  # plain JSON, as every version before sealing wrote it
    if ring is None:
        raise SealedError("a sealed Slack job and no data key ring to open it")
    key_id, _, encoded = stored.removeprefix(_SEALED).partition(":")
    return ring.unseal(key_id, base64.b64decode(encoded), context=_context(incident_id))


@reach.translated
class RedisSlackOutbox:
    """Implements the SlackOutbox port on one Redis (one deployment = one key prefix)."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        lease_s: float = 60.0,
        ring: KeyRing | None = None,
    ) -> None:
        self._r = client
        self._ring = ring
        base = f"{prefix}:slack:{{outbox}}"
        self._due, self._lease = f"{base}:due", f"{base}:lease"
        self._holder, self._tries = f"{base}:holder", f"{base}:tries"
        self._once, self._ts = f"{base}:once:", f"{base}:ts"
        self._legacy_once = f"{base}:once"
        self._queue = f"{base}:q:"
        self._archive = Keys(prefix).archive()  # adapters/archive.py
        self._lease_ms = int(lease_s * 1000)
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._done = client.register_script(_DONE)
        self._retry = client.register_script(_RETRY)
        self._tokens = lease.ClaimTokens()

    async def enqueue(
        self, incident_id: str, bodies: Sequence[str], *, once: str | None, now_ms: int
    ) -> bool:
        # Without a once key of its own, the call's token (adapters/redis_once.py): redis-py's
        # re-send of an enqueue whose answer was lost then finds it and queues nothing twice.
        field = once or f"call:{redis_once.token()}"
        keys = [self._due, self._lease, self.once_key(incident_id), self._queue + incident_id]
        keys.append(self._legacy_once)
        sealed = [_seal(self._ring, incident_id, body) for body in bodies]
        written = await self._enqueue(keys=keys, args=[incident_id, field, now_ms, *sealed])
        return bool(written)

    async def claim(self, now_ms: int, limit: int) -> list[OutboxJob]:
        # After a claim that raised, the same token: what it took, held under it.
        with self._tokens.token() as token:
            keys = [self._due, self._lease, self._tries, self._holder]
            keys.append(lease.claim_key(self._lease, token))
            flat = await self._claim(
                keys=keys, args=[now_ms, limit, self._lease_ms, self._queue, token]
            )
        jobs = []
        for i in range(0, len(flat), 3):
            incident_id, stored = _text(flat[i]), _text(flat[i + 1])
            digest = hashlib.sha1(stored.encode()).hexdigest()  # noqa: S324 - an identity
            jobs.append(
                OutboxJob(
                    incident_id=incident_id,
                    body=_open(self._ring, incident_id, stored),
                    attempts=int(flat[i + 2]),
                    lease=f"{token}:{digest}",
                )
            )
        return jobs

    async def done(self, job: OutboxJob, now_ms: int) -> None:
        keys = [self._due, self._lease, self._tries, self._holder, self._queue + job.incident_id]
        token, _, digest = job.lease.partition(":")
        await self._done(keys=keys, args=[job.incident_id, digest, token, now_ms])

    async def retry(self, job: OutboxJob, due_ms: int) -> None:
        keys = [self._due, self._lease, self._tries, self._holder]
        token = job.lease.partition(":")[0]
        await self._retry(keys=keys, args=[job.incident_id, token, due_ms])

    def queue_pattern(self) -> str:
        """A SCAN MATCH pattern of every incident's queue."""
        return "".join(f"\\{c}" if c in "*?[]\\" else c for c in self._queue) + "*"

    async def reseal_queue(self, key: str) -> int:
        """Seal the jobs of one queue (`key`) again under the ring's current key, those stored
        plain too (adapters/redis_reseal.py); 1 when it was written again. A worker holding
        its head then finds another head at `done` and pops nothing: the job is delivered
        again (a late duplicate, as after a lease that expired; never a lost post)."""
        ring = self._ring
        if ring is None:
            raise SealedError("resealing needs the data key ring")
        incident_id = key.removeprefix(self._queue)
        current = f"{_SEALED}{ring.current}:"
        while True:
            async with self._r.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    bodies = [_text(b) for b in await pipe.lrange(key, 0, -1)]
                    if all(b.startswith(current) for b in bodies):
                        return 0
                    again = [
                        b
                        if b.startswith(current)
                        else _seal(ring, incident_id, _open(ring, incident_id, b))
                        for b in bodies
                    ]
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.delete(key)
                    pipe.rpush(key, *again)
                    await pipe.execute()
                    return 1
                except redis.exceptions.WatchError:
                    continue  # a job was queued or popped meanwhile: read it again

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

    async def release(self, incident_id: str, once: str) -> None:
        """Forget one once key of the incident (a purged incident's scrub, once the record
        has it queued: adapters/retention.py), so nothing stays for an incident not in Redis."""
        await self._r.hdel(self.once_key(incident_id), once)

    def once_key(self, incident_id: str) -> str:
        """The hash of the incident's once keys."""
        return self._once + incident_id

    async def older_once(self, incident_id: str) -> list[str]:
        """The incident's fields in the shared once hash of versions before (`forget`)."""
        if not await self._r.exists(self._legacy_once):
            return []
        match = "".join(f"\\{c}" if c in "*?[]\\" else c for c in incident_id) + ":*"
        found = self._r.hscan_iter(self._legacy_once, match=match, count=1000)
        return [redis_codec.text(name) async for name, _ in found]

    def forget(self, pipe: Any, incident_id: str, older: Sequence[str]) -> None:
        """Queue on `pipe` (a MULTI) the removal of what is kept here for an incident that
        leaves Redis: its once keys (`older`: its fields of the shared hash, `older_once`)
        and where its message is. Its queue is left: a job still waiting goes out, or is
        dropped when it finds no incident."""
        pipe.delete(self.once_key(incident_id))
        pipe.hdel(self._ts, incident_id)
        if older:
            pipe.hdel(self._legacy_once, *older)

    async def pending(self) -> int:
        """How many incidents have jobs waiting or in delivery (for tests and /healthz)."""
        return int(await self._r.zcard(self._due)) + int(await self._r.zcard(self._lease))
