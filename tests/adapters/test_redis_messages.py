"""The message log's read of many incidents at once (`since_many`, one Lua call for a slice of
them), against the one-incident read it must agree with, on the real Redis."""

from __future__ import annotations

import datetime as dt

import redis.asyncio as aioredis

from adapters import redis_messages
from adapters.redis_store import RedisStore
from tests.escalation import factories
from tipline import models

T0 = factories.SCHOOL_HOURS


async def _incidents(store: RedisStore, count: int, messages: int) -> list[str]:
    """`count` incidents with `messages` messages each, every third one by a responder."""
    ids = []
    for n in range(count):
        incident = factories.incident(incident_id=f"inc-{n:03d}")
        await store.create(incident, receipt_hash=f"receipt-{n}")
        for m in range(messages):
            author = models.Author("agent-7", "Dana") if m % 3 == 2 else None
            await store.append(
                incident.incident_id,
                sender=models.Sender.RESPONDER if author else models.Sender.REPORTER,
                text=f"incident {n} message {m + 1} 🙂",
                at=T0 + dt.timedelta(seconds=m),
                dedupe_key=None,
                author=author,
            )
        ids.append(incident.incident_id)
    return ids


async def test_many_incidents_read_as_each_alone_across_several_script_calls(
    store: RedisStore,
) -> None:
    """More incidents than one call takes, each from its own mark: every list equals what
    `since` reads for that incident (texts unsealed, authors, times, seqs in order)."""
    per_call = redis_messages.SINCE_MANY_ENTRIES // 200
    ids = await _incidents(store, per_call + 5, messages=4)
    after = {incident_id: n % 5 for n, incident_id in enumerate(ids)}  # marks 0..4
    many = await store.since_many(after, limit=200)
    assert list(many) == ids
    for incident_id, mark in after.items():
        alone = await store.since(incident_id, mark)
        assert many[incident_id] == alone
        assert [m.seq for m in alone] == list(range(mark + 1, 5))
    assert many[ids[2]][0].author == models.Author("agent-7", "Dana")
    assert many[ids[0]][0].text == "incident 0 message 1 🙂"


async def test_the_limit_is_per_incident_and_an_unknown_incident_reads_empty(
    store: RedisStore, redis_client: aioredis.Redis
) -> None:
    """`limit` caps each incident's list (the next page starts after its last seq); an
    incident with no stream, and an empty request, read as nothing."""
    ids = await _incidents(store, 2, messages=5)
    page = await store.since_many({ids[0]: 0, ids[1]: 3, "inc-none": 0}, limit=2)
    assert [m.seq for m in page[ids[0]]] == [1, 2]
    assert [m.seq for m in page[ids[1]]] == [4, 5]
    assert page["inc-none"] == []
    following = await store.since_many({ids[0]: page[ids[0]][-1].seq}, limit=2)
    assert [m.seq for m in following[ids[0]]] == [3, 4]
    assert await store.since_many({}) == {}
