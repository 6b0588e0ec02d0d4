"""Refilling Redis from the record (adapters/live_rebuild.py): real PostgreSQL, real Redis."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters import live_rebuild, redis_codec, sealing
from adapters.deadlines import DeadlineStore
from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from escalation import engine, recovery
from tests.escalation import factories
from tests.postgres import schema
from tipline import models

RING = sealing.parse(sealing.new_key_line("k-test"))
AGENT = models.Author("agent-7", "Alex Agent")


@pytest.fixture
async def record() -> AsyncIterator[PostgresRecord]:
    async with schema() as url:
        connections = await pool.open_migrated(url)
        implementation = PostgresRecord(connections, RING)
        await implementation.upsert_organization(factories.org())
        yield implementation
        await connections.close()


def message(seq: int, incident_id: str = "inc-1") -> models.Message:
    responder = seq % 2 == 0
    return models.Message(
        incident_id=incident_id,
        seq=seq,
        sender=models.Sender.RESPONDER if responder else models.Sender.REPORTER,
        text=f"message {seq}",
        at=factories.NIGHT + dt.timedelta(seconds=seq),
        author=AGENT if responder else None,
    )


async def _filed(record: PostgresRecord) -> models.Incident:
    """An open, unclaimed emergency of 3 messages with its receipt and Slack message, and a
    resolved incident beside it."""
    triaged = engine.triaged(factories.incident(), factories.org(), factories.NIGHT).incident
    incident = dataclasses.replace(triaged, version=3)
    await record.upsert_incident(incident, receipt_hash="sealed-receipt")
    await record.add_steps("inc-1", incident.escalation, start=0)
    await record.add_messages([message(n) for n in (1, 2, 3)])
    await record.put_slack_message("inc-1", channel="C1", ts="1.0001")
    done = dataclasses.replace(incident, incident_id="inc-2", status=models.Status.RESOLVED)
    await record.upsert_incident(done, receipt_hash="other-receipt")
    return incident


def rebuild(record: PostgresRecord, client: aioredis.Redis, prefix: str) -> Any:
    return live_rebuild.LiveRebuild(
        record,
        client,
        prefix=prefix,
        deadlines_of=lambda incident: recovery.pending(incident, factories.org()),
        ring=RING,
    )


async def _dump(client: aioredis.Redis, prefix: str) -> dict[str, Any]:
    """Every key of `prefix` with its content, but the archive stream (new entries each run);
    the incident's own keys hold sealed texts (a new nonce each time): what they open to."""
    live = RedisStore(client, prefix=prefix, ring=RING)
    incident = f"{prefix}:inc:{{inc-1}}"
    out: dict[str, Any] = {
        "incident": await live.get("inc-1"),
        "messages": await live.since("inc-1", 0),
    }
    async for raw in client.scan_iter(match=f"{prefix}:*", count=1000):
        key = raw.decode()
        kind = redis_codec.text(await client.type(key))
        if key == f"{prefix}:archive":
            continue
        if key.startswith(incident):
            out[key] = kind  # opened above
            continue
        if kind == "string":
            out[key] = await client.get(key)
        elif kind == "hash":
            out[key] = await client.hgetall(key)
        elif kind == "list":
            out[key] = await client.lrange(key, 0, -1)
        elif kind == "zset":
            out[key] = await client.zrange(key, 0, -1, withscores=True)
        else:
            entries: Any = await client.xrange(key)
            out[key] = [fields for _, fields in entries]
    return out


async def test_an_open_incident_comes_back_whole(
    record: PostgresRecord, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Document, trail, messages with their seq, receipt, Slack message and re-page are back;
    the next message is seq 4; the resolved incident stays in the record, its receipt key not."""
    incident = await _filed(record)
    counts = await rebuild(record, redis_client, prefix).run(dry_run=False, progress=print)
    assert counts == live_rebuild.Counts(incidents=1, messages=3, receipts=2, deadlines=1, slack=1)
    live = RedisStore(redis_client, prefix=prefix, ring=RING)
    assert await live.get("inc-1") == incident
    assert await live.get("inc-2") is None
    assert await live.by_receipt("other-receipt") == "inc-2"  # read from the record
    assert await live.since("inc-1", 0) == [message(n) for n in (1, 2, 3)]
    raw: Any = await redis_client.xrange(f"{prefix}:inc:{{inc-1}}:msgs", count=1)
    assert b"message 1" not in repr(raw).encode()  # sealed in Redis as the service seals it
    assert incident.text.encode() not in await redis_client.hget(  # type: ignore[operator]
        f"{prefix}:inc:{{inc-1}}", "doc"
    )
    assert await live.by_receipt("sealed-receipt") == "inc-1"
    assert [i.incident_id for i in await live.list_incidents(org_code="LHS", status=None)] == [
        "inc-1"
    ]
    outbox = RedisSlackOutbox(redis_client, prefix=prefix)
    assert await outbox.posted("inc-1") == ("C1", "1.0001")
    timers = DeadlineStore(redis_client, prefix)
    assert await timers.pending() == 1
    # The archive's mark is what the record holds, version too: nothing is written again.
    mark = f"3,{len(incident.escalation)},{incident.version}".encode()
    assert await redis_client.hget(f"{prefix}:archive:wm", "inc-1") == mark
    assert await timers.next_due() == factories.NIGHT + dt.timedelta(
        seconds=factories.POLICY.claim_timeout_s
    )
    appended = await live.append(
        "inc-1",
        sender=models.Sender.REPORTER,
        text="still there?",
        at=factories.NIGHT,
        dedupe_key="c-1",
    )
    assert appended.message.seq == 4


async def test_a_second_run_gives_the_same_state(
    record: PostgresRecord, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Rebuilding twice leaves every key as the first run did (the archive stream aside)."""
    await _filed(record)
    await rebuild(record, redis_client, prefix).run(dry_run=False, progress=print)
    first = await _dump(redis_client, prefix)
    await rebuild(record, redis_client, prefix).run(dry_run=False, progress=print)
    assert await _dump(redis_client, prefix) == first
    assert f"{prefix}:archive:wm" in first  # nothing of the record is written again


async def test_a_dry_run_writes_nothing_and_says_what_it_would(
    record: PostgresRecord, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A dry run leaves Redis empty and names each incident with its counts, no text."""
    await _filed(record)
    said: list[str] = []
    counts = await rebuild(record, redis_client, prefix).run(
        dry_run=True, progress=print, say=said.append
    )
    assert counts.incidents == 1
    assert [k async for k in redis_client.scan_iter(match=f"{prefix}:*")] == []
    (line,) = said
    assert '"incident_id": "inc-1"' in line
    assert '"messages": 3' in line
    assert "message 1" not in line


async def test_a_gap_in_seq_is_refused_before_anything_is_written(
    record: PostgresRecord, redis_client: aioredis.Redis, prefix: str
) -> None:
    """An incident whose record lacks a message in its seq is refused, clearly, unwritten."""
    await _filed(record)
    await record.add_messages([message(5)])
    with pytest.raises(live_rebuild.RebuildError, match="no message 4"):
        await rebuild(record, redis_client, prefix).run(dry_run=False, progress=print)
    assert await live_rebuild.live_incidents(redis_client, prefix) == 0


async def test_incidents_resolved_within_the_live_window_come_back_too(
    record: PostgresRecord, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Given the window's start, an incident resolved after it is rebuilt (with no deadline),
    one resolved before it is not (its receipt key is); without it, only open incidents are."""
    base = engine.triaged(factories.incident(), factories.org(), factories.NIGHT).incident
    for incident_id, hours in (("before", 1), ("within", 100)):  # the window opens at 50 h
        resolve = models.Step(
            at=factories.NIGHT + dt.timedelta(hours=hours), by="agent-7", action="resolve"
        )
        done = dataclasses.replace(
            base,
            incident_id=incident_id,
            status=models.Status.RESOLVED,
            state="resolved",
            escalation=(*base.escalation, resolve),
        )
        await record.upsert_incident(done, receipt_hash=f"receipt-{incident_id}")
        await record.add_steps(incident_id, done.escalation, start=0)
    window = live_rebuild.LiveRebuild(
        record,
        redis_client,
        prefix=prefix,
        deadlines_of=lambda incident: recovery.pending(incident, factories.org()),
        ring=RING,
        resolved_since=factories.NIGHT + dt.timedelta(hours=50),
    )
    open_only = await rebuild(record, redis_client, prefix).run(dry_run=True, progress=print)
    assert (open_only.incidents, open_only.receipts) == (0, 2)
    counts = await window.run(dry_run=False, progress=print)
    assert (counts.incidents, counts.resolved, counts.deadlines) == (1, 1, 0)
    live = RedisStore(redis_client, prefix=prefix, ring=RING)
    assert [i.incident_id for i in await live.list_incidents(org_code=None, status=None)] == [
        "within"
    ]
    # The older one stays in the record only, but its receipt still leads to it.
    assert await live.by_receipt("receipt-before") == "before"
    assert counts.receipts == 2
