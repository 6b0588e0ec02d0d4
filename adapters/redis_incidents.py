"""The incidents in Redis (the IncidentStore port): create, read, list in pages, claim and
update by compare-and-set. Keys: adapters/redis_keys.py; what is written: redis_codec.py.

Creating, creating once and claiming or updating an incident are single Lua scripts, below,
so a crash can never leave a retry record that points at no incident or a half-applied claim.

Each write is applied once even when redis-py sends it twice (its retry of a command whose
answer was lost): it carries an operation token (adapters/redis_once.py), and the incident
hash's field `ops` keeps the last few with the version each made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from adapters import effects_outbox, reach, redis_codec, redis_once, redis_pages
from adapters.redis_base import RedisPart, StoreError
from adapters.sealing import KeyRing
from tipline import models
from tipline.ports import Claimed, IncidentPage

# KEYS: incident hash, steps list, then the index keys: open all, open org, resolved all,
# resolved org, then the archive stream, then the effects outbox's due and data.
# ARGV: expected version ("" = any), claim holder ("" = not a claim), doc, new status,
# created score, incident id, the holder a plain update writes (a take-over, or "" when a
# reporter's message reopens it unclaimed), the new version's effects ("" = none), when the
# sweeper may re-run them (ms), the write's token, then the steps.
# Returns {'ok', version}, {'claimed', holder}, {'conflict', version} or {'missing'}; a
# re-send of a write that was stored returns {'ok', the version it made} and writes nothing.
_UPDATE = (
    effects_outbox.WRITE_LUA
    + redis_once.LUA
    + """
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {'missing'} end
local made = once_find(KEYS[1], 'ops', ARGV[10])
if made then return {'ok', made} end
if ARGV[2] ~= '' then
  local holder = redis.call('HGET', KEYS[1], 'claimed_by')
  if holder and holder ~= '' then return {'claimed', holder} end
end
if ARGV[1] ~= '' and ARGV[1] ~= version then return {'conflict', version} end
local old_status = redis.call('HGET', KEYS[1], 'status')
if old_status ~= ARGV[4] then
  for i = 3, 6 do redis.call('ZREM', KEYS[i], ARGV[6]) end
  local first = 3
  if ARGV[4] ~= 'open' then first = 5 end
  redis.call('ZADD', KEYS[first], ARGV[5], ARGV[6])
  redis.call('ZADD', KEYS[first + 1], ARGV[5], ARGV[6])
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'claimed_by', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'claimed_by', ARGV[7])
end
redis.call('HSET', KEYS[1], 'doc', ARGV[3], 'status', ARGV[4])
for i = 11, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('XADD', KEYS[7], '*', 'i', ARGV[6])
local new_version = redis.call('HINCRBY', KEYS[1], 'version', 1)
once_keep(KEYS[1], 'ops', ARGV[10], new_version)
effects_write(KEYS[8], KEYS[9], ARGV[6], new_version, ARGV[8], ARGV[9])
return {'ok', new_version}
"""
)

# KEYS: incident hash, steps list, index all, index org, pinned all, pinned org, receipt
# key, the archive stream, the effects outbox's due and data. ARGV: doc, status,
# claimed_by, created score, incident id, the receipt hash as the receipt key names it (for
# the archive), "1" when pinned, the effects of version 1 ("" = none), their re-run time,
# the write's token, then the steps. Returns 1 when created now, 0 for a re-send of this
# create (stored already: nothing written), or an error for an id that is taken.
_CREATE = (
    effects_outbox.WRITE_LUA
    + redis_once.LUA
    + """
if redis.call('EXISTS', KEYS[1]) == 1 then
  if once_find(KEYS[1], 'ops', ARGV[10]) then return 0 end
  return redis.error_reply('incident ' .. ARGV[5] .. ' exists')
end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'claimed_by', ARGV[3],
           'version', 1, 'last_seq', 0)
once_keep(KEYS[1], 'ops', ARGV[10], 1)
for i = 11, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
if ARGV[7] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
  redis.call('ZADD', KEYS[6], ARGV[4], ARGV[5])
end
redis.call('SET', KEYS[7], ARGV[5])
redis.call('XADD', KEYS[8], '*', 'i', ARGV[5], 'r', ARGV[6])
effects_write(KEYS[9], KEYS[10], ARGV[5], 1, ARGV[8], ARGV[9])
return 1
"""
)

# KEYS: incident hash, steps list, index all, index org, receipt key, retry record, the
# archive stream, the effects outbox's due and data. ARGV: doc, status, claimed_by, created
# score, incident id, sealed receipt, window in ms, the receipt hash as the receipt key names
# it (for the archive), the effects of version 1 ("" = none), their re-run time, the steps.
# Returns the incident id that holds the retry record: this one, created now, or the one an
# earlier try created (then nothing is written). One script, so a crash can never leave a
# retry record that points at no incident, nor an incident the archive never hears of.
_CREATE_ONCE = (
    effects_outbox.WRITE_LUA
    + """
local held = redis.call('HGET', KEYS[6], 'incident_id')
if held then return held end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'claimed_by', ARGV[3],
           'version', 1, 'last_seq', 0)
for i = 11, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
redis.call('SET', KEYS[5], ARGV[5])
redis.call('HSET', KEYS[6], 'incident_id', ARGV[5], 'sealed', ARGV[6])
redis.call('PEXPIRE', KEYS[6], ARGV[7])
redis.call('XADD', KEYS[7], '*', 'i', ARGV[5], 'r', ARGV[8])
effects_write(KEYS[8], KEYS[9], ARGV[5], 1, ARGV[9], ARGV[10])
return ARGV[5]
"""
)

# Pinned incidents (open emergencies, unclaimed urgent ones) on a first page at most: past
# that many at once the oldest of them are on later pages, in time order, like any other.
MAX_PINNED = 1000


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisIncidents(RedisPart):
    """Implements the IncidentStore port."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "tl",
        key: bytes | None = None,
        ring: KeyRing | None = None,
    ) -> None:
        super().__init__(client, prefix=prefix, key=key, ring=ring)
        self._effects = effects_outbox.Keys.of(prefix)
        self._update = client.register_script(_UPDATE)
        self._create = client.register_script(_CREATE)
        self._create_once = client.register_script(_CREATE_ONCE)

    async def create(
        self, incident: models.Incident, *, receipt_hash: str, effects: str | None = None
    ) -> None:
        """Store a new incident (one Lua script: a re-send of it writes nothing). Its id
        must be new: an id that is taken raises StoreError and changes nothing."""
        k = self._keys
        incident_id = incident.incident_id
        keys = [
            k.incident(incident_id),
            k.steps(incident_id),
            k.index(incident.status, None),
            k.index(incident.status, incident.org_code),
            k.pinned(None),
            k.pinned(incident.org_code),
            k.receipt(receipt_hash),
            k.archive(),
            self._effects.due,
            self._effects.data,
        ]
        args: list[str | int | float] = [
            redis_codec.incident_doc(incident, self._ring),
            incident.status.value,
            incident.claimed_by or "",
            incident.created_at.timestamp(),
            incident_id,
            k.seal(receipt_hash),
            "1" if incident.pinned else "",
            effects or "",
            _due_ms(),
            redis_once.token(),
            *self._steps_json(incident_id, incident.escalation),
        ]
        try:
            await self._create(keys=keys, args=args)
        except ResponseError as exc:
            if "exists" not in str(exc):
                raise
            raise StoreError(f"incident {incident_id} exists already") from None

    async def create_once(
        self,
        incident: models.Incident,
        *,
        receipt_hash: str,
        client_key: str,
        sealed_receipt: str,
        window_s: float,
        effects: str | None = None,
    ) -> str:
        """Create `incident` unless a report was already filed under `client_key`; the id of
        the incident that holds the key (this one when it was created now)."""
        k = self._keys
        incident_id = incident.incident_id
        keys = [
            k.incident(incident_id),
            k.steps(incident_id),
            k.index(incident.status, None),
            k.index(incident.status, incident.org_code),
            k.receipt(receipt_hash),
            k.retry(client_key),
            k.archive(),
            self._effects.due,
            self._effects.data,
        ]
        args: list[str | int | float] = [
            redis_codec.incident_doc(incident, self._ring),
            incident.status.value,
            incident.claimed_by or "",
            incident.created_at.timestamp(),
            incident_id,
            sealed_receipt,
            int(window_s * 1000),
            k.seal(receipt_hash),
            effects or "",
            _due_ms(),
            *self._steps_json(incident_id, incident.escalation),
        ]
        await self._pin(incident)
        held = await self._create_once(keys=keys, args=args)
        return redis_codec.text(held)

    async def filed_with(self, client_key: str) -> tuple[str, str] | None:
        """The incident id and sealed receipt filed under `client_key`, within its window."""
        found = await self._r.hmget(self._keys.retry(client_key), ["incident_id", "sealed"])
        if found[0] is None or found[1] is None:
            return None
        return redis_codec.text(found[0]), redis_codec.text(found[1])

    async def get(self, incident_id: str) -> models.Incident | None:
        async with self._r.pipeline(transaction=True) as pipe:  # the hash and trail as one
            self._read(pipe, incident_id)
            fields, steps = await pipe.execute()
        return redis_codec.incident_from(fields, steps, self._ring) if fields else None

    async def in_org(self, incident_id: str, org_code: str) -> bool:
        """Whether the incident is one of `org_code`'s, from that school's own indexes: the
        same two commands whether it belongs to another school or does not exist."""
        async with self._r.pipeline(transaction=False) as pipe:
            for status in models.Status:
                pipe.zscore(self._keys.index(status, org_code), incident_id)
            scores: list[float | None] = await pipe.execute()
        return any(score is not None for score in scores)

    async def by_receipt(self, receipt_hash: str) -> str | None:
        raw = await self._r.get(self._keys.receipt(receipt_hash))
        return redis_codec.text(raw) if raw else None

    async def list_incidents(
        self, *, org_code: str | None, status: models.Status | None, limit: int = 500
    ) -> list[models.Incident]:
        page = await self.page_incidents(org_code=org_code, status=status, limit=limit, before=None)
        return page.incidents

    async def page_incidents(
        self,
        *,
        org_code: str | None,
        status: models.Status | None,
        limit: int,
        before: str | None,
    ) -> IncidentPage:
        """A page newest first (adapters/redis_pages.py); the first one also holds the pinned.
        Two round trips however long the page: the indexes, then every incident of the page
        in one pipeline (was one read per incident); a third only to prune stale pins."""
        edge = redis_pages.parse(before) if before is not None else None
        statuses = [status] if status else list(models.Status)
        with_pinned = edge is None and status in (None, models.Status.OPEN)
        async with self._r.pipeline(transaction=False) as pipe:
            for s in statuses:
                key = self._keys.index(s, org_code)
                top = "+inf" if edge is None else f"({edge[0]!r}"
                pipe.zrevrangebyscore(key, top, "-inf", start=0, num=limit + 1, withscores=True)
                if edge is not None:  # the cursor's own score: ties sort by id
                    pipe.zrangebyscore(key, edge[0], edge[0], withscores=True)
            if with_pinned:
                pipe.zrevrange(self._keys.pinned(org_code), 0, MAX_PINNED - 1, withscores=True)
            ranges: list[list[tuple[bytes, float]]] = await pipe.execute()
        pinned = (
            {redis_codec.text(raw): score for raw, score in ranges.pop()} if with_pinned else {}
        )
        entries = [(score, redis_codec.text(raw)) for found in ranges for raw, score in found]
        page, next_cursor = redis_pages.take(redis_pages.after(entries, edge), limit)
        ids = {incident_id for _, incident_id in page} | set(pinned)
        found_by_id = dict(zip(ids, await self.get_many(list(ids)), strict=True))
        stale = [i for i in pinned if not _still_pinned(found_by_id[i])]
        if stale:
            await self._unpin(stale, org_code, found_by_id)
        listed = set(page) | {(pinned[i], i) for i in pinned if i not in stale}
        incidents = [found_by_id[i] for _, i in sorted(listed, reverse=True)]
        return IncidentPage([i for i in incidents if i is not None], next_cursor)

    async def claim(
        self,
        incident: models.Incident,
        *,
        holder: str,
        expected_version: int,
        steps: Sequence[models.Step],
        effects: str | None = None,
    ) -> Claimed | None:
        """Store a claimed incident if nobody holds it; a loser learns who does."""
        result = await self._run_update(
            incident, expected=expected_version, holder=holder, steps=steps, effects=effects
        )
        if result[0] == b"claimed":
            current = await self.get(incident.incident_id)
            if current is None:
                return None
            return Claimed(incident=current, holder=redis_codec.text(result[1]), taken=False)
        if result[0] != b"ok":
            return None
        stored = dataclasses.replace(incident, version=int(result[1]))
        return Claimed(incident=stored, holder=holder, taken=True)

    async def update(
        self,
        incident: models.Incident,
        *,
        expected_version: int,
        steps: Sequence[models.Step],
        effects: str | None = None,
    ) -> models.Incident | None:
        result = await self._run_update(
            incident, expected=expected_version, holder=None, steps=steps, effects=effects
        )
        if result[0] != b"ok":
            return None
        return dataclasses.replace(incident, version=int(result[1]))

    # -- inside ----------------------------------------------------------------------------
    def _steps_json(self, incident_id: str, steps: Sequence[models.Step]) -> list[str]:
        return [redis_codec.step_json(s, incident_id, self._ring) for s in steps]

    def _read(self, pipe: Any, incident_id: str) -> None:
        """Queue the reads of one incident: its hash, then its trail."""
        pipe.hgetall(self._keys.incident(incident_id))
        pipe.lrange(self._keys.steps(incident_id), 0, -1)

    async def get_many(self, ids: Sequence[str]) -> list[models.Incident | None]:
        """Incidents by id in one round trip."""
        if not ids:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for incident_id in ids:
                self._read(pipe, incident_id)
            raw = await pipe.execute()
        pairs = zip(raw[0::2], raw[1::2], strict=True)
        return [
            redis_codec.incident_from(f, steps, self._ring) if f else None for f, steps in pairs
        ]

    async def _pin(self, incident: models.Incident) -> None:
        """Index an incident that must be on the first page, before it is stored: a crash in
        between leaves an extra entry (dropped when read), never a pinned one missing."""
        if incident.pinned:
            score = incident.created_at.timestamp()
            async with self._r.pipeline(transaction=False) as pipe:
                for scope in (None, incident.org_code):
                    pipe.zadd(self._keys.pinned(scope), {incident.incident_id: score})
                await pipe.execute()

    async def _unpin(
        self,
        ids: list[str],
        org_code: str | None,
        found: dict[str, models.Incident | None],
    ) -> None:
        """Drop entries whose incident is no longer pinned (resolved, claimed) or gone."""
        async with self._r.pipeline(transaction=False) as pipe:
            for incident_id in ids:
                incident = found[incident_id]
                for scope in {org_code, None, incident.org_code if incident else None}:
                    pipe.zrem(self._keys.pinned(scope), incident_id)
            await pipe.execute()

    async def _run_update(
        self,
        incident: models.Incident,
        *,
        expected: int | None,
        holder: str | None,
        steps: Sequence[models.Step],
        effects: str | None,
    ) -> list[Any]:
        k = self._keys
        keys = [k.incident(incident.incident_id), k.steps(incident.incident_id)]
        for status in (models.Status.OPEN, models.Status.RESOLVED):
            keys += [k.index(status, None), k.index(status, incident.org_code)]
        keys += [k.archive(), self._effects.due, self._effects.data]
        args: list[str | int | float] = [
            "" if expected is None else str(expected),
            holder or "",
            redis_codec.incident_doc(incident, self._ring),
            incident.status.value,
            incident.created_at.timestamp(),
            incident.incident_id,
            incident.claimed_by or "",
            effects or "",
            _due_ms(),
            redis_once.token(),  # made once here: redis-py's re-send of this call carries the same
            *self._steps_json(incident.incident_id, steps),
        ]
        await self._pin(incident)
        result: list[Any] = await self._update(keys=keys, args=args)
        return result


def _still_pinned(incident: models.Incident | None) -> bool:
    return incident is not None and incident.pinned


def _due_ms() -> int:
    """When the sweeper may re-run effects written now (adapters/effects_outbox.py)."""
    return effects_outbox.wall_ms() + effects_outbox.GRACE_MS
