"""Seal the live copy again under the first data key (`tipline db reseal`, docs/record.md).

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
from adapters.sealing import KeyRing
from tipline import models


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
