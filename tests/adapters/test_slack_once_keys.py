"""The Slack outbox's once keys (adapters/slack_outbox.py) do not grow for ever: they are
kept per incident and go, with where its message was posted, when the live window takes the
incident out of Redis; the shared hash of versions before is honoured and emptied."""

from __future__ import annotations

import datetime as dt

import redis.asyncio as aioredis

from adapters import archive
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from tests.adapters.test_live_window import (
    RESOLVED_AT,
    WINDOW,
    archive_all,
    connections,
    evictor,
    record,
    resolved_case,
    stream,
)

__all__ = ["connections", "record", "stream"]  # fixtures of the live window's tests, used here too


def shared(prefix: str) -> str:
    return f"{prefix}:slack:{{outbox}}:once"


async def test_once_keys_are_kept_per_incident(redis_client: aioredis.Redis, prefix: str) -> None:
    """A job's once key lives in its incident's own hash; the same key refuses a second job
    of that incident only, and every other incident may use it too."""
    box = RedisSlackOutbox(redis_client, prefix=prefix)
    assert await box.enqueue("TL-A", ["post"], once="post", now_ms=1)
    assert not await box.enqueue("TL-A", ["post"], once="post", now_ms=2)
    assert await box.enqueue("TL-B", ["post"], once="post", now_ms=3)
    assert await redis_client.hkeys(box.once_key("TL-A")) == [b"post"]
    assert not await redis_client.exists(shared(prefix))


async def test_once_keys_of_the_shared_hash_of_before_still_refuse(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """An incident posted by a version that kept its once keys in the shared hash is not
    posted again."""
    await redis_client.hset(shared(prefix), "TL-A:post", 1)
    box = RedisSlackOutbox(redis_client, prefix=prefix)
    assert not await box.enqueue("TL-A", ["post"], once="post", now_ms=2)
    assert await box.pending() == 0
    assert await box.enqueue("TL-AB", ["post"], once="post", now_ms=2)  # another incident


async def test_forget_drops_the_incidents_once_keys_and_message_only(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """`forget` in a MULTI: the incident's once hash, its fields of the shared one and its
    `ts` go; another incident's (one whose id starts the same, too) stay."""
    box = RedisSlackOutbox(redis_client, prefix=prefix)
    for incident_id in ("TL-A", "TL-AB"):
        await box.enqueue(incident_id, ["post"], once="post", now_ms=1)
        await box.remember(incident_id, "C1", f"1.{incident_id}")
        await redis_client.hset(shared(prefix), f"{incident_id}:fx:2:0", 1)
    older = await box.older_once("TL-A")
    assert older == ["TL-A:fx:2:0"]
    async with redis_client.pipeline(transaction=True) as pipe:
        box.forget(pipe, "TL-A", older)
        await pipe.execute()
    assert not await redis_client.exists(box.once_key("TL-A"))
    assert await box.posted("TL-A") is None
    assert await redis_client.hkeys(shared(prefix)) == [b"TL-AB:fx:2:0"]
    assert await redis_client.exists(box.once_key("TL-AB"))
    assert await box.posted("TL-AB") == ("C1", "1.TL-AB")


async def test_an_evicted_incident_leaves_no_slack_key_behind(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """A resolved incident that was posted and updated: when the live window takes it out
    of Redis, its once keys (new and old layout) and its message's address go with it."""
    incident = await resolved_case(store)
    incident_id = incident.incident_id
    box = RedisSlackOutbox(redis_client, prefix=prefix)
    assert await box.enqueue(incident_id, ["post"], once="post", now_ms=1)
    assert await box.enqueue(incident_id, ["update"], once="fx:2:0", now_ms=2)
    for _ in range(2):
        (taken,) = await box.claim(10, 10)
        await box.done(taken, 10)
    await box.remember(incident_id, "C1", "1.1")
    await redis_client.hset(shared(prefix), f"{incident_id}:fx:1:3", 1)
    await archive_all(stream, store, record)
    job = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW + dt.timedelta(1))
    assert await job.round() == [incident_id]
    left = [k async for k in redis_client.scan_iter(match=f"{prefix}:slack:*")]
    assert [k for k in left if incident_id.encode() in k] == []
    assert await box.posted(incident_id) is None
    assert not await redis_client.exists(shared(prefix))
