"""The Redis store: organisations, responders, incidents, receipts, claims and messages.

Keys (prefix `P`, default `tl`; `{id}` is a hash tag so one incident's keys share a cluster slot):

- `P:org:<code>`: JSON of an organisation; `P:orgs`: set of codes.
- `P:resp:<id>`: JSON of a responder with its sealed token hash; `P:responders`: set of ids;
  `P:tokh:<sealed>`: responder id.
- `P:slack:<Slack user id>`: responder id, for responders mapped to a Slack user.
- `P:keycheck`: the fingerprint of the server key that sealed the hashes (`credentials`).
- `P:inc:{<id>}`: hash with `doc` (JSON), `status`, `claimed_by`, `version`, `last_seq`.
- `P:inc:{<id>}:steps`: list of JSON steps, the append-only audit trail.
- `P:inc:{<id>}:msgs`: stream of messages whose entry id is `<seq>-0`; `...:cids`: hash
  dedupe key -> seq.
- `P:idx:<scope>:<status>`: sorted sets of incident ids by creation time, scope `all` or
  `org:<code>`; `P:idx:<scope>:pinned`: a superset of the open emergencies and unclaimed
  urgent ones (`Incident.pinned`), added before each write, pruned when read.
- `P:rcpt:<sealed>`: incident id.
- `P:rclient:<sha256>`: hash `incident_id`, `sealed` (the receipt sealed for a retry,
  `tipline.report_client`), for one retry window after `report:create` with a `client_id`.

"Sealed" is `credentials.keyed_hash(server key, the SHA-256 the caller passes)`: without the
key, nobody who can read or write Redis can test a receipt or token, or plant one. Stores of
older versions kept the plain digests (`P:receipt:<sha256>`, `P:tok:<sha256>`); `seal_legacy`
moves them under the key once.

Appending a message and claiming or updating an incident are single Lua scripts, so a crash
can never leave a dedupe record without its message, a gap in `seq`, or a half-applied claim.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from adapters import reach, redis_pages
from adapters.redis_batch import ScriptBatcher
from tipline import credentials, models
from tipline.ports import Appended, Budget, BudgetSpent, Claimed, IncidentPage

# KEYS: incident hash, messages stream, dedupe hash, the sender's budget counter.
# ARGV: dedupe key or "", from, text, at, budget limit or "", budget window in ms, the
# responder's id or "", the responder's name.
# Returns {1, seq, status} when written, {0, seq, status} for a duplicate (not counted against
# the budget), {-1, 0} for an unknown incident, {-2, 0} when the sender's budget is spent;
# `status` is the incident's (a reporter writing on a resolved case reopens it). One script:
# the budget and the status cost no extra round trip on the hottest path.
_APPEND = """
if ARGV[1] ~= '' then
  local seen = redis.call('HGET', KEYS[3], ARGV[1])
  if seen then return {0, tonumber(seen), redis.call('HGET', KEYS[1], 'status')} end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
if ARGV[5] ~= '' then
  local used = redis.call('INCR', KEYS[4])
  if used == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[6]) end
  if used > tonumber(ARGV[5]) then return {-2, 0} end
end
local seq = redis.call('HINCRBY', KEYS[1], 'last_seq', 1)
if ARGV[7] ~= '' then
  redis.call('XADD', KEYS[2], seq .. '-0', 'from', ARGV[2], 'text', ARGV[3], 'at', ARGV[4],
    'by', ARGV[7], 'by_name', ARGV[8])
else
  redis.call('XADD', KEYS[2], seq .. '-0', 'from', ARGV[2], 'text', ARGV[3], 'at', ARGV[4])
end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], seq) end
return {1, seq, redis.call('HGET', KEYS[1], 'status')}
"""

# KEYS: incident hash, steps list, then the index keys: open all, open org, resolved all,
# resolved org. ARGV: expected version ("" = any), claim holder ("" = not a
# claim), doc, new status, created score, incident id, the holder a plain update writes
# (a take-over, or "" when a reporter's message reopens it unclaimed), then the steps.
# Returns {'ok', version}, {'claimed', holder}, {'conflict', version} or {'missing'}.
_UPDATE = """
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {'missing'} end
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
for i = 8, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return {'ok', redis.call('HINCRBY', KEYS[1], 'version', 1)}
"""


# Pinned incidents (open emergencies, unclaimed urgent ones) on a first page at most: past
# that many at once the oldest of them are on later pages, in time order, like any other.
MAX_PINNED = 1000


# KEYS: incident hash, steps list, index all, index org, receipt key, retry record.
# ARGV: doc, status, claimed_by, created score, incident id, sealed receipt, window in ms,
# then the steps. Returns the incident id that holds the retry record: this one, created
# now, or the one an earlier try created (then nothing is written). One script, so a crash
# can never leave a retry record that points at no incident.
_CREATE_ONCE = """
local held = redis.call('HGET', KEYS[6], 'incident_id')
if held then return held end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'claimed_by', ARGV[3],
           'version', 1, 'last_seq', 0)
for i = 8, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[5])
redis.call('SET', KEYS[5], ARGV[5])
redis.call('HSET', KEYS[6], 'incident_id', ARGV[5], 'sealed', ARGV[6])
redis.call('PEXPIRE', KEYS[6], ARGV[7])
return ARGV[5]
"""


# Pinned incidents (open emergencies, unclaimed urgent ones) on a first page at most: past
# that many at once the oldest of them are on later pages, in time order, like any other.
MAX_PINNED = 1000


class StoreError(Exception):
    """The store refused an operation (unknown incident, lost race, ...)."""


class StoreKeyMismatchError(StoreError):
    """The server key differs from the one that sealed the store's hashes."""


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisStore:
    """Implements the Directory, IncidentStore and MessageLog ports on one Redis."""

    def __init__(
        self, client: aioredis.Redis, *, prefix: str = "tl", key: bytes | None = None
    ) -> None:
        """`key` seals receipt and token hashes; the composition root always passes it, None
        (hashes filed as given) is for tests that never meet a credential."""
        self._r = client
        self._p = prefix
        self._key = key
        self._append = ScriptBatcher(client, _APPEND)  # the hottest call: auto-pipelined
        self._update = client.register_script(_UPDATE)
        self._create_once = client.register_script(_CREATE_ONCE)

    # -- keys ------------------------------------------------------------------------------
    def _inc(self, incident_id: str) -> str:
        return f"{self._p}:inc:{{{incident_id}}}"

    def _idx(self, status: models.Status, org_code: str | None) -> str:
        scope = f"org:{org_code}" if org_code else "all"
        return f"{self._p}:idx:{scope}:{status.value}"

    def _pinned(self, org_code: str | None) -> str:
        scope = f"org:{org_code}" if org_code else "all"
        return f"{self._p}:idx:{scope}:pinned"

    # -- health ----------------------------------------------------------------------------
    async def ping(self) -> bool:
        return bool(await self._r.ping())

    def _seal(self, digest: str) -> str:
        return credentials.keyed_hash(self._key, digest) if self._key is not None else digest

    # -- directory -------------------------------------------------------------------------
    async def organization(self, code: str) -> models.Organization | None:
        raw = await self._r.get(f"{self._p}:org:{code}")
        return _org_from_json(_text(raw)) if raw else None

    async def organizations(self) -> list[models.Organization]:
        codes = sorted(await self._r.smembers(f"{self._p}:orgs"))
        orgs = [await self.organization(_text(c)) for c in codes]
        return [o for o in orgs if o is not None]

    async def put_organization(self, org: models.Organization, *, overwrite: bool) -> bool:
        key = f"{self._p}:org:{org.code}"
        written = await self._r.set(key, _org_to_json(org), nx=not overwrite)
        await self._r.sadd(f"{self._p}:orgs", org.code)
        return bool(written)

    async def responder_by_token_hash(self, token_hash: str) -> models.Responder | None:
        sealed = self._seal(token_hash)
        responder_id = await self._r.get(f"{self._p}:tokh:{sealed}")
        if responder_id is None:
            return None
        raw = await self._r.get(f"{self._p}:resp:{_text(responder_id)}")
        if raw is None:
            return None
        data = json.loads(raw)
        if data.get("token_hash") != sealed:  # a replaced token whose index lingers
            return None
        return _responder_from_dict(data)

    async def put_responder(self, responder: models.Responder, token_hash: str) -> None:
        key = f"{self._p}:resp:{responder.responder_id}"
        sealed = self._seal(token_hash)
        old = await self._r.get(key)
        async with self._r.pipeline(transaction=True) as pipe:
            if old is not None:
                _forget_indexes(pipe, self._p, json.loads(old), keep=(sealed, responder))
            pipe.set(key, json.dumps(_responder_to_dict(responder) | {"token_hash": sealed}))
            pipe.sadd(f"{self._p}:responders", responder.responder_id)
            pipe.set(f"{self._p}:tokh:{sealed}", responder.responder_id)
            if responder.slack_user_id:
                pipe.set(f"{self._p}:slack:{responder.slack_user_id}", responder.responder_id)
            await pipe.execute()

    async def responder_ids(self) -> set[str]:
        """Every responder the store knows (`seal_legacy` indexes those of older stores)."""
        return {_text(i) for i in await self._r.smembers(f"{self._p}:responders")}

    async def remove_responder(self, responder_id: str) -> None:
        """Forget a responder: their token and Slack user stop working at once."""
        key = f"{self._p}:resp:{responder_id}"
        old = await self._r.get(key)
        async with self._r.pipeline(transaction=True) as pipe:
            if old is not None:
                _forget_indexes(pipe, self._p, json.loads(old), keep=None)
            pipe.delete(key)
            pipe.srem(f"{self._p}:responders", responder_id)
            await pipe.execute()

    async def remove_organization(self, code: str) -> None:
        """A school no longer served: no new reports; its incidents stay in the record."""
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.delete(f"{self._p}:org:{code}")
            pipe.srem(f"{self._p}:orgs", code)
            await pipe.execute()

    async def organization_codes(self) -> set[str]:
        return {_text(c) for c in await self._r.smembers(f"{self._p}:orgs")}

    async def seal_legacy(self) -> None:
        """Check the server key against the one that sealed this store, and on a store that
        no key sealed yet move the plain receipt digests under the key, drop the plain token
        index (seeding writes every token again) and index the responders (seeding removes
        those no longer configured). Three SCANs of the keyspace, once per store. Safe to
        run by several processes at once: each step gives the same result however often."""
        if self._key is None:
            return
        check = credentials.key_check(self._key)
        stored = await self._r.get(f"{self._p}:keycheck")
        if stored is not None:
            if _text(stored) != check:
                raise StoreKeyMismatchError(
                    "the server key is not the one this store's receipts and tokens were "
                    "sealed with (demo mode keeps its key in <data dir>/secret.key); start "
                    "with that key, or on an empty store"
                )
            return
        async for raw in self._r.scan_iter(match=f"{_glob(self._p)}:receipt:*", count=1000):
            legacy = _text(raw)
            incident_id = await self._r.get(legacy)
            if incident_id is not None:
                digest = legacy.rsplit(":", 1)[1]
                await self._r.set(f"{self._p}:rcpt:{self._seal(digest)}", incident_id)
            await self._r.delete(legacy)
        async for raw in self._r.scan_iter(match=f"{_glob(self._p)}:tok:*", count=1000):
            await self._r.delete(raw)
        start = len(f"{self._p}:resp:")
        async for raw in self._r.scan_iter(match=f"{_glob(self._p)}:resp:*", count=1000):
            await self._r.sadd(f"{self._p}:responders", _text(raw)[start:])
        await self._r.set(f"{self._p}:keycheck", check, nx=True)

    async def responder_by_slack_user(self, slack_user_id: str) -> models.Responder | None:
        responder_id = await self._r.get(f"{self._p}:slack:{slack_user_id}")
        if responder_id is None:
            return None
        raw = await self._r.get(f"{self._p}:resp:{_text(responder_id)}")
        if raw is None:
            return None
        responder = _responder_from_dict(json.loads(raw))
        # An index left behind by a remapped responder must not let the old user act.
        return responder if responder.slack_user_id == slack_user_id else None

    # -- incidents -------------------------------------------------------------------------
    async def create(self, incident: models.Incident, *, receipt_hash: str) -> None:
        key = self._inc(incident.incident_id)
        score = incident.created_at.timestamp()
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "doc": _incident_doc(incident),
                    "status": incident.status.value,
                    "claimed_by": incident.claimed_by or "",
                    "version": 1,
                    "last_seq": 0,
                },
            )
            if incident.escalation:
                pipe.rpush(key + ":steps", *(_step_json(s) for s in incident.escalation))
            pipe.zadd(self._idx(incident.status, None), {incident.incident_id: score})
            pipe.zadd(self._idx(incident.status, incident.org_code), {incident.incident_id: score})
            if incident.pinned:
                pipe.zadd(self._pinned(None), {incident.incident_id: score})
                pipe.zadd(self._pinned(incident.org_code), {incident.incident_id: score})
            pipe.set(f"{self._p}:rcpt:{self._seal(receipt_hash)}", incident.incident_id)
            await pipe.execute()

    async def create_once(
        self,
        incident: models.Incident,
        *,
        receipt_hash: str,
        client_key: str,
        sealed_receipt: str,
        window_s: float,
    ) -> str:
        """Create `incident` unless a report was already filed under `client_key`; the id of
        the incident that holds the key (this one when it was created now)."""
        key = self._inc(incident.incident_id)
        keys = [
            key,
            key + ":steps",
            self._idx(incident.status, None),
            self._idx(incident.status, incident.org_code),
            f"{self._p}:rcpt:{self._seal(receipt_hash)}",
            f"{self._p}:rclient:{client_key}",
        ]
        args: list[str | int | float] = [
            _incident_doc(incident),
            incident.status.value,
            incident.claimed_by or "",
            incident.created_at.timestamp(),
            incident.incident_id,
            sealed_receipt,
            int(window_s * 1000),
            *(_step_json(s) for s in incident.escalation),
        ]
        await self._pin(incident)
        held = await self._create_once(keys=keys, args=args)
        return _text(held)

    async def filed_with(self, client_key: str) -> tuple[str, str] | None:
        """The incident id and sealed receipt filed under `client_key`, within its window."""
        found = await self._r.hmget(f"{self._p}:rclient:{client_key}", ["incident_id", "sealed"])
        if found[0] is None or found[1] is None:
            return None
        return _text(found[0]), _text(found[1])

    async def get(self, incident_id: str) -> models.Incident | None:
        key = self._inc(incident_id)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.lrange(key + ":steps", 0, -1)
            fields, steps = await pipe.execute()
        if not fields:
            return None
        return _incident_from(fields, steps)

    async def in_org(self, incident_id: str, org_code: str) -> bool:
        """Whether the incident is one of `org_code`'s, from that school's own indexes: the
        same two commands whether it belongs to another school or does not exist."""
        async with self._r.pipeline(transaction=False) as pipe:
            for status in models.Status:
                pipe.zscore(self._idx(status, org_code), incident_id)
            scores: list[float | None] = await pipe.execute()
        return any(score is not None for score in scores)

    async def by_receipt(self, receipt_hash: str) -> str | None:
        raw = await self._r.get(f"{self._p}:rcpt:{self._seal(receipt_hash)}")
        return _text(raw) if raw else None

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
        Two round trips: the indexes, then every incident of the page (was one per incident)."""
        edge = redis_pages.parse(before) if before is not None else None
        statuses = [status] if status else list(models.Status)
        with_pinned = edge is None and status in (None, models.Status.OPEN)
        async with self._r.pipeline(transaction=False) as pipe:
            for s in statuses:
                key = self._idx(s, org_code)
                top = "+inf" if edge is None else f"({edge[0]!r}"
                pipe.zrevrangebyscore(key, top, "-inf", start=0, num=limit + 1, withscores=True)
                if edge is not None:  # the cursor's own score: ties sort by id
                    pipe.zrangebyscore(key, edge[0], edge[0], withscores=True)
            if with_pinned:
                pipe.zrevrange(self._pinned(org_code), 0, MAX_PINNED - 1, withscores=True)
            ranges: list[list[tuple[bytes, float]]] = await pipe.execute()
        pinned = {_text(raw): score for raw, score in ranges.pop()} if with_pinned else {}
        entries = [(score, _text(raw)) for found in ranges for raw, score in found]
        page, next_cursor = redis_pages.take(redis_pages.after(entries, edge), limit)
        ids = {incident_id for _, incident_id in page} | set(pinned)
        found_by_id = dict(zip(ids, await self._get_many(list(ids)), strict=True))
        stale = [i for i in pinned if not _still_pinned(found_by_id[i])]
        if stale:
            await self._unpin(stale, org_code, found_by_id)
        listed = set(page) | {(pinned[i], i) for i in pinned if i not in stale}
        incidents = [found_by_id[i] for _, i in sorted(listed, reverse=True)]
        return IncidentPage([i for i in incidents if i is not None], next_cursor)

    async def _get_many(self, ids: list[str]) -> list[models.Incident | None]:
        """Incidents by id in one round trip."""
        if not ids:
            return []
        async with self._r.pipeline(transaction=False) as pipe:
            for incident_id in ids:
                pipe.hgetall(self._inc(incident_id))
                pipe.lrange(self._inc(incident_id) + ":steps", 0, -1)
            raw = await pipe.execute()
        pairs = zip(raw[0::2], raw[1::2], strict=True)
        return [_incident_from(fields, steps) if fields else None for fields, steps in pairs]

    async def _pin(self, incident: models.Incident) -> None:
        """Index an incident that must be on the first page, before it is stored: a crash in
        between leaves an extra entry (dropped when read), never a pinned one missing."""
        if incident.pinned:
            score = incident.created_at.timestamp()
            async with self._r.pipeline(transaction=False) as pipe:
                for scope in (None, incident.org_code):
                    pipe.zadd(self._pinned(scope), {incident.incident_id: score})
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
                    pipe.zrem(self._pinned(scope), incident_id)
            await pipe.execute()

    async def claim(
        self,
        incident: models.Incident,
        *,
        holder: str,
        expected_version: int,
        steps: Sequence[models.Step],
    ) -> Claimed | None:
        """Store a claimed incident if nobody holds it; a loser learns who does."""
        result = await self._run_update(
            incident, expected=expected_version, holder=holder, steps=steps
        )
        if result[0] == b"claimed":
            current = await self.get(incident.incident_id)
            if current is None:
                return None
            return Claimed(incident=current, holder=_text(result[1]), taken=False)
        if result[0] != b"ok":
            return None
        stored = _replace(incident, version=int(result[1]))
        return Claimed(incident=stored, holder=holder, taken=True)

    async def update(
        self,
        incident: models.Incident,
        *,
        expected_version: int,
        steps: Sequence[models.Step],
    ) -> models.Incident | None:
        result = await self._run_update(
            incident, expected=expected_version, holder=None, steps=steps
        )
        if result[0] != b"ok":
            return None
        return _replace(incident, version=int(result[1]))

    async def _run_update(
        self,
        incident: models.Incident,
        *,
        expected: int | None,
        holder: str | None,
        steps: Sequence[models.Step],
    ) -> list[Any]:
        key = self._inc(incident.incident_id)
        keys = [key, key + ":steps"]
        for status in (models.Status.OPEN, models.Status.RESOLVED):
            keys += [self._idx(status, None), self._idx(status, incident.org_code)]
        args: list[str | int | float] = [
            "" if expected is None else str(expected),
            holder or "",
            _incident_doc(incident),
            incident.status.value,
            incident.created_at.timestamp(),
            incident.incident_id,
            incident.claimed_by or "",
            *(_step_json(s) for s in steps),
        ]
        await self._pin(incident)
        result: list[Any] = await self._update(keys=keys, args=args)
        return result

    # -- messages --------------------------------------------------------------------------
    async def append(
        self,
        incident_id: str,
        *,
        sender: models.Sender,
        text: str,
        at: dt.datetime,
        dedupe_key: str | None,
        budget: Budget | None = None,
        author: models.Author | None = None,
    ) -> Appended:
        key = self._inc(incident_id)
        keys = [key, key + ":msgs", key + ":cids", f"{key}:rl:{sender.value}"]
        args: list[str | int] = [dedupe_key or "", sender.value, text, models.iso(at)]
        args += [budget.limit, int(budget.window_s * 1000)] if budget else ["", 0]
        args += [author.responder_id, author.name] if author else ["", ""]
        status, seq, *rest = await self._append(keys=keys, args=args)
        incident_status = models.Status(_text(rest[0])) if rest and rest[0] else None
        if status == -2:
            raise BudgetSpent(f"the {sender.value}'s message budget of {incident_id} is spent")
        if status == -1:
            raise StoreError(f"unknown incident {incident_id}")
        if status == 0:
            original = await self.since(incident_id, int(seq) - 1, limit=1)
            if not original:
                raise StoreError(f"dedupe record of {incident_id} points at no message")
            return Appended(message=original[0], duplicate=True, status=incident_status)
        message = models.Message(
            incident_id=incident_id, seq=int(seq), sender=sender, text=text, at=at, author=author
        )
        return Appended(message=message, duplicate=False, status=incident_status)

    async def since(
        self, incident_id: str, after_seq: int, limit: int = 1000
    ) -> list[models.Message]:
        entries: Any = await self._r.xrange(
            self._inc(incident_id) + ":msgs", min=f"{max(after_seq, 0) + 1}-0", count=limit
        )
        return [_message_from(incident_id, entry_id, fields) for entry_id, fields in entries]


def _still_pinned(incident: models.Incident | None) -> bool:
    return incident is not None and incident.pinned


# -- (de)serialisation ---------------------------------------------------------------------
def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _glob(prefix: str) -> str:
    """`prefix` as a literal inside a SCAN MATCH pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in prefix)


def _forget_indexes(
    pipe: Any, prefix: str, old: dict[str, Any], *, keep: tuple[str, models.Responder] | None
) -> None:
    """Queue the deletion of the token and Slack indexes of a responder's old record that
    its new one (`keep`: sealed token hash and responder; None: removed) no longer has."""
    old_hash = old.get("token_hash")
    if old_hash and (keep is None or old_hash != keep[0]):
        pipe.delete(f"{prefix}:tokh:{old_hash}")
    old_slack = old.get("slack_user_id")
    if old_slack and (keep is None or old_slack != keep[1].slack_user_id):
        pipe.delete(f"{prefix}:slack:{old_slack}")


def _replace(incident: models.Incident, **changes: Any) -> models.Incident:
    import dataclasses  # noqa: PLC0415

    return dataclasses.replace(incident, **changes)


def _step_json(step: models.Step) -> str:
    return json.dumps(step.to_wire(), ensure_ascii=False)


def _incident_doc(incident: models.Incident) -> str:
    """Everything but the trail, the claim and the version, which have their own fields."""
    doc = {
        "incident_id": incident.incident_id,
        "org_code": incident.org_code,
        "text": incident.text,
        "channel": incident.channel.value,
        "created_at": models.iso(incident.created_at),
        "triage": incident.triage.to_wire(),
        "urgency": incident.urgency.value,
        "category": incident.category.value,
        "state": incident.state,
        "contact_index": incident.contact_index,
        "policy": incident.policy.to_wire() if incident.policy else None,
        "org_name": incident.org_name,
        "org_timezone": incident.org_timezone,
    }
    return json.dumps(doc, ensure_ascii=False)


def _incident_from(fields: dict[bytes, bytes], steps: list[bytes]) -> models.Incident:
    doc = json.loads(fields[b"doc"])
    triage = doc["triage"]
    return models.Incident(
        incident_id=doc["incident_id"],
        org_code=doc["org_code"],
        text=doc["text"],
        channel=models.Channel(doc["channel"]),
        created_at=models.parse_iso(doc["created_at"]),
        triage=models.Triage(
            urgency=models.Urgency(triage["urgency"]),
            category=models.Category(triage["category"]),
            language=triage["language"],
            confidence=float(triage["confidence"]),
            reasons=tuple(triage["reasons"]),
        ),
        urgency=models.Urgency(doc["urgency"]),
        category=models.Category(doc["category"]),
        status=models.Status(fields[b"status"].decode()),
        state=doc["state"],
        claimed_by=fields.get(b"claimed_by", b"").decode() or None,
        contact_index=int(doc["contact_index"]),
        policy=models.Policy.from_wire(doc["policy"]) if doc.get("policy") else None,
        escalation=tuple(models.Step.from_wire(json.loads(s)) for s in steps),
        version=int(fields[b"version"]),
        org_name=doc.get("org_name", ""),
        org_timezone=doc.get("org_timezone", ""),
    )


def _message_from(incident_id: str, entry_id: bytes, fields: dict[bytes, bytes]) -> models.Message:
    by = fields.get(b"by")
    author = models.Author(by.decode(), fields.get(b"by_name", b"").decode()) if by else None
    return models.Message(
        incident_id=incident_id,
        seq=int(entry_id.split(b"-")[0]),
        sender=models.Sender(fields[b"from"].decode()),
        text=fields[b"text"].decode(),
        at=models.parse_iso(fields[b"at"].decode()),
        author=author,
    )


def _org_to_json(org: models.Organization) -> str:
    return json.dumps(
        {
            "code": org.code,
            "name": org.name,
            "timezone": org.timezone,
            "hours": {
                str(day): [h.opens.isoformat("minutes"), h.closes.isoformat("minutes")]
                for day, h in sorted(org.hours.items())
            },
            "holidays": [d.isoformat() for d in org.holidays],
            "policy": org.policy.to_wire(),
            "languages": list(org.languages),
        }
    )


def _org_from_json(raw: str) -> models.Organization:
    data = json.loads(raw)
    return models.Organization(
        code=data["code"],
        name=data["name"],
        timezone=data["timezone"],
        hours={
            int(day): models.Hours(opens=dt.time.fromisoformat(o), closes=dt.time.fromisoformat(c))
            for day, (o, c) in data["hours"].items()
        },
        holidays=tuple(dt.date.fromisoformat(d) for d in data["holidays"]),
        policy=models.Policy.from_wire(data["policy"]),
        languages=tuple(data["languages"]),
    )


def _responder_to_dict(responder: models.Responder) -> dict[str, Any]:
    return {
        "responder_id": responder.responder_id,
        "name": responder.name,
        "role": responder.role.value,
        "org_code": responder.org_code,
        "slack_user_id": responder.slack_user_id,
    }


def _responder_from_dict(data: dict[str, Any]) -> models.Responder:
    return models.Responder(
        responder_id=data["responder_id"],
        name=data["name"],
        role=models.Role(data["role"]),
        org_code=data.get("org_code"),
        slack_user_id=data.get("slack_user_id"),
    )
