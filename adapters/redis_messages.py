"""The chat in Redis (the MessageLog port): one stream per incident, `seq` per incident,
`client_id` deduplicated, a message budget per sender. Keys: adapters/redis_keys.py.

Appending is one Lua script, below, so a crash can never leave a dedupe record without its
message or a gap in `seq` (ARCHITECTURE.md); it is the hottest call and auto-pipelined
(adapters/redis_batch.py).

A message is stored once even when redis-py sends the script twice (its retry of a command
whose answer was lost), and that re-send is answered as written, not as a duplicate (a
duplicate is neither pushed to the other side nor read by the safety net): each call
carries an operation token (adapters/redis_once.py), kept with its seq in its dedupe record
(`<seq>:<token>`) or, for an append without a dedupe key (the live rebuild's), in the
incident hash's field `mops`. A client's own resend (another call) is still a duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import redis.asyncio as aioredis

from adapters import reach, redis_codec, redis_once
from adapters.redis_base import RedisPart, StoreError
from adapters.redis_batch import ScriptBatcher
from adapters.sealing import KeyRing
from tipline import models
from tipline.ports import Appended, Budget, BudgetSpent

# KEYS: incident hash, messages stream, dedupe hash, the sender's budget counter, the
# archive stream. ARGV: dedupe key or "", from, text, at, budget limit or "", budget window
# in ms, the responder's id or "", the responder's name, the incident id (for the archive),
# the key id of the sealed text ("" = plain; adapters/redis_codec.py), the call's token (in
# the dedupe record `<seq>:<token>`, or without a dedupe key in the incident's `mops`).
# Returns {1, seq, status} when written, {0, seq, status} for a duplicate (not counted against
# the budget), {2, seq, status} for a re-send of this very call (written by its first send),
# {-1, 0} for an unknown incident, {-2, 0} when the sender's budget is spent;
# `status` is the incident's (a reporter writing on a resolved case reopens it). One script:
# the budget and the status cost no extra round trip on the hottest path.
_APPEND = (
    redis_once.LUA
    + """
if ARGV[1] ~= '' then
  local seen = redis.call('HGET', KEYS[3], ARGV[1])
  if seen then
    local seq, token = string.match(seen, '^(%d+):?(%x*)$')
    local own = token == ARGV[11] and 2 or 0
    return {own, tonumber(seq), redis.call('HGET', KEYS[1], 'status')}
  end
else
  local mine = once_find(KEYS[1], 'mops', ARGV[11])
  if mine then return {2, mine, redis.call('HGET', KEYS[1], 'status')} end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
if ARGV[5] ~= '' then
  local used = redis.call('INCR', KEYS[4])
  if used == 1 then redis.call('PEXPIRE', KEYS[4], ARGV[6]) end
  if used > tonumber(ARGV[5]) then return {-2, 0} end
end
local seq = redis.call('HINCRBY', KEYS[1], 'last_seq', 1)
local entry = {'from', ARGV[2], 'text', ARGV[3], 'at', ARGV[4]}
if ARGV[7] ~= '' then
  entry[7], entry[8], entry[9], entry[10] = 'by', ARGV[7], 'by_name', ARGV[8]
end
if ARGV[10] ~= '' then
  entry[#entry + 1] = 'k'
  entry[#entry + 1] = ARGV[10]
end
redis.call('XADD', KEYS[2], seq .. '-0', unpack(entry))
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], seq .. ':' .. ARGV[11])
else
  once_keep(KEYS[1], 'mops', ARGV[11], seq)
end
redis.call('XADD', KEYS[5], '*', 'i', ARGV[9])
return {1, seq, redis.call('HGET', KEYS[1], 'status')}
"""
)


# KEYS: messages streams. ARGV: how many entries at most from each, then for each stream the
# first entry id to read. Returns, per stream, its entries as XRANGE gives them. One call for
# many incidents: redis-py spends ~25 us of the caller's CPU on each reply of a pipeline
# (a timeout context, the reply callback's parse) and ~3.5 us a stream in one script reply
# (docs/performance.md: the archive reads each incident's new messages at every batch).
_SINCE_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('XRANGE', key, ARGV[i + 1], '+', 'COUNT', ARGV[1])
end
return out
"""
# What one `_SINCE_MANY` call may read at most (streams x limit): the script runs alone in
# Redis, so a backlog's drain reads in slices that hold every other client a moment only.
SINCE_MANY_ENTRIES = 8192
SINCE_MANY_STREAMS = 128


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisMessages(RedisPart):
    """Implements the MessageLog port."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "tl",
        key: bytes | None = None,
        ring: KeyRing | None = None,
    ) -> None:
        super().__init__(client, prefix=prefix, key=key, ring=ring)
        self._append = ScriptBatcher(client, _APPEND)  # the hottest call: auto-pipelined
        self._since_many = client.register_script(_SINCE_MANY)

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
        k = self._keys
        keys = [
            k.incident(incident_id),
            k.messages(incident_id),
            k.dedupe(incident_id),
            k.budget(incident_id, sender),
            k.archive(),
        ]
        stored, key_id = redis_codec.message_text(incident_id, text, self._ring)
        args: list[str | bytes | int] = [dedupe_key or "", sender.value, stored, models.iso(at)]
        args += [budget.limit, int(budget.window_s * 1000)] if budget else ["", 0]
        args += [author.responder_id, author.name] if author else ["", ""]
        args += [
            incident_id,
            key_id,
            redis_once.short_token() if dedupe_key else redis_once.token(),
        ]
        status, seq, *rest = await self._append(keys=keys, args=args)
        incident_status = models.Status(redis_codec.text(rest[0])) if rest and rest[0] else None
        if status == -2:
            raise BudgetSpent(f"the {sender.value}'s message budget of {incident_id} is spent")
        if status == -1:
            raise StoreError(f"unknown incident {incident_id}")
        # 2 (this call's own re-send) is what this call wrote: answered as written, below.
        if status == 0:
            original = await self.since(incident_id, int(seq) - 1, limit=1)
            if not original:
                raise StoreError(f"dedupe record of {incident_id} points at no message")
            return Appended(message=original[0], duplicate=True, status=incident_status)
        message = models.Message(
            incident_id=incident_id, seq=int(seq), sender=sender, text=text, at=at, author=author
        )
        return Appended(message=message, duplicate=False, status=incident_status)

    async def since_many(
        self, after: Mapping[str, int], limit: int = 1000
    ) -> dict[str, list[models.Message]]:
        ids = list(after)
        per_call = max(1, min(SINCE_MANY_STREAMS, SINCE_MANY_ENTRIES // max(limit, 1)))
        out: dict[str, list[models.Message]] = {}
        for start in range(0, len(ids), per_call):
            chunk = ids[start : start + per_call]
            replies: list[Any] = await self._since_many(
                keys=[self._keys.messages(i) for i in chunk],
                args=[limit, *(f"{max(after[i], 0) + 1}-0" for i in chunk)],
            )
            for incident_id, entries in zip(chunk, replies, strict=True):
                out[incident_id] = [
                    redis_codec.message_from(
                        incident_id, eid, dict(zip(flat[::2], flat[1::2], strict=True)), self._ring
                    )
                    for eid, flat in entries
                ]
        return out

    async def since(
        self, incident_id: str, after_seq: int, limit: int = 1000
    ) -> list[models.Message]:
        entries: Any = await self._r.xrange(
            self._keys.messages(incident_id), min=f"{max(after_seq, 0) + 1}-0", count=limit
        )
        return [
            redis_codec.message_from(incident_id, eid, fields, self._ring)
            for eid, fields in entries
        ]
