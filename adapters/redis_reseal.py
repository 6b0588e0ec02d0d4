"""The data keys of the live copy: the start's check, and sealing it again under the first
key (`tipline db reseal`, docs/record.md).

`check_keys` does for Redis what `PostgresRecord.check_keys` does for the record: the hash
`P:datakeys` holds a known text sealed under every key that sealed values in Redis (each
process registers its current key at its start, before it writes); a start whose ring
misses one of them, or holds another key under its id, stops with a message naming it,
instead of failing later on each read. `reseal` forgets the ids no value uses any more.

Every incident Redis holds (the `all` indexes), its doc, its trail and its messages, and
every Slack job queued: a value under another key id, or stored plain by a version before
sealing, is sealed again under `ring.current` (adapters/redis_codec.py). One incident at a
time under WATCH (its hash, trail and stream): a write of the service in between retries
that incident, so nothing it writes is lost, and what it wrote is sealed already. A stream's
entries keep their ids (`<seq>-0`): the stream is written again whole, in one MULTI.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
import redis.exceptions

from adapters import redis_codec, slack_outbox
from adapters.redis_keys import Keys
from adapters.sealing import DataKeyError, KeyRing, SealedError
from tipline import models

CHECK_TEXT = "tipline: this data key sealed values in Redis"
_CHECK_CONTEXT = "redis:datakeys"


def _check_key(prefix: str) -> str:
    return f"{prefix}:datakeys"


async def check_keys(client: aioredis.Redis, prefix: str, ring: KeyRing) -> None:
    """Stop (DataKeyError) unless every key that sealed values in Redis is in the ring and is
    the same key; then register the ring's current key. Run at every start."""
    held: Any = await client.hgetall(_check_key(prefix))
    for raw_id, check in held.items():
        key_id = redis_codec.text(raw_id)
        try:
            opened = ring.unseal(key_id, check, context=_CHECK_CONTEXT)
        except SealedError as exc:
            raise DataKeyError(
                f"Redis holds values sealed with data key {key_id!r}, and "
                + (
                    "that key is not configured"
                    if key_id not in ring.key_ids
                    else "the key configured under that id is another one"
                )
                + ": set TIPLINE_DATA_KEY (or the data key file) to the keys it was sealed "
                "with, and run `tipline db reseal` before dropping one (docs/operations.md)"
            ) from exc
        if opened != CHECK_TEXT:
            raise DataKeyError(f"data key {key_id!r}: its check in Redis is not ours")
    _, check = ring.seal(CHECK_TEXT, context=_CHECK_CONTEXT)
    await client.hsetnx(_check_key(prefix), ring.current, check)


async def reseal(client: aioredis.Redis, prefix: str, ring: KeyRing) -> dict[str, int]:
    """How many incidents and Slack queues were written again (those already under the
    current key are left as they are)."""
    keys = Keys(prefix)
    incidents = 0
    for status in models.Status:
        ids: Any = await client.zrange(keys.index(status, None), 0, -1)
        for raw in ids:
            incidents += await _incident(client, keys, redis_codec.text(raw), ring)
    queues = 0
    outbox = slack_outbox.RedisSlackOutbox(client, prefix=prefix, ring=ring)
    async for key in client.scan_iter(match=outbox.queue_pattern(), count=500):
        queues += await outbox.reseal_queue(redis_codec.text(key))
    # Every value is under the current key now: the others may leave the ring.
    await check_keys(client, prefix, ring)
    held: Any = await client.hkeys(_check_key(prefix))
    retired = [k for k in held if redis_codec.text(k) != ring.current]
    if retired:
        await client.hdel(_check_key(prefix), *retired)
    return {"incidents": incidents, "slack queues": queues}


async def _incident(client: aioredis.Redis, keys: Keys, incident_id: str, ring: KeyRing) -> int:
    names = [keys.incident(incident_id), keys.steps(incident_id), keys.messages(incident_id)]
    while True:
        async with client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(*names)
                doc: Any = await pipe.hget(names[0], "doc")
                steps: Any = await pipe.lrange(names[1], 0, -1)
                entries: Any = await pipe.xrange(names[2])
                new_doc = redis_codec.resealed_doc(doc, ring) if doc else None
                new_steps = [redis_codec.resealed_step(s, incident_id, ring) for s in steps]
                new_entries = [
                    redis_codec.resealed_message(incident_id, f, ring) for _, f in entries
                ]
                if new_doc is None and not any(new_steps) and not any(new_entries):
                    return 0
                pipe.multi()  # type: ignore[no-untyped-call]
                if new_doc is not None:
                    pipe.hset(names[0], "doc", new_doc)
                if any(new_steps):
                    pipe.delete(names[1])
                    pipe.rpush(names[1], *[n or o for n, o in zip(new_steps, steps, strict=True)])
                if any(new_entries):
                    pipe.delete(names[2])
                    for (entry_id, old), new in zip(entries, new_entries, strict=True):
                        fields: Any = new or old
                        pipe.xadd(names[2], fields, id=entry_id)
                await pipe.execute()
                return 1
            except redis.exceptions.WatchError:
                continue  # the service wrote this incident meanwhile: read it again
