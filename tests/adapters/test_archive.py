"""The archive worker: what the stream's entries point at reaches PostgreSQL once, durably."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis

from adapters import archive, sealing
from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from tests import pg_cut
from tests.conftest import wait_for
from tests.escalation import factories
from tests.postgres import schema
from tipline import models
from tipline.errors import Unavailable

T0 = factories.SCHOOL_HOURS
RING = sealing.parse(sealing.new_key_line("k-test"))


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    async with schema() as url:
        yield url


@pytest.fixture
async def record(database_url: str) -> AsyncIterator[PostgresRecord]:
    connections = await pool.open_migrated(database_url)
    implementation = PostgresRecord(connections, RING)
    await implementation.upsert_organization(factories.org())
    yield implementation
    await connections.close()


@pytest.fixture
def stream(redis_client: aioredis.Redis, prefix: str) -> archive.ArchiveStream:
    return archive.ArchiveStream(redis_client, prefix=prefix)


def worker(
    stream: archive.ArchiveStream,
    live: RedisStore,
    record: PostgresRecord,
    name: str = "w1",
    *,
    block_ms: int = 1000,
    claim_idle_ms: int = archive.CLAIM_IDLE_MS,
) -> archive.ArchiveWorker:
    return archive.ArchiveWorker(
        stream,
        incidents=live,
        messages=live,
        record=record,
        consumer=name,
        block_ms=block_ms,
        claim_idle_ms=claim_idle_ms,
    )


async def _scenario(live: RedisStore) -> None:
    """An incident with a two-step trail and four messages: five writes, five entries."""
    steps = (
        models.Step(at=T0, by="triage", action="triage"),
        models.Step(at=T0 + dt.timedelta(minutes=1), by="agent-7", action="claim"),
    )
    incident = factories.incident(escalation=steps)
    await live.create(incident, receipt_hash="sealed-receipt")
    for n in range(4):
        sender = models.Sender.REPORTER if n % 2 == 0 else models.Sender.RESPONDER
        await live.append(
            incident.incident_id,
            sender=sender,
            text=f"message {n + 1}",
            at=T0 + dt.timedelta(seconds=n),
            dedupe_key=None,
        )


async def _stored(url: str) -> tuple[list[int], list[int], str | None]:
    conn = await asyncpg.connect(url)
    try:
        seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM messages ORDER BY seq")]
        steps = [
            r["step_index"]
            for r in await conn.fetch("SELECT step_index FROM escalation_steps ORDER BY 1")
        ]
        receipt = await conn.fetchval("SELECT receipt_hash FROM incidents")
    finally:
        await conn.close()
    return seqs, steps, receipt


async def test_an_incident_its_trail_and_messages_reach_the_record_once(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """Five entries of one incident: one write of it, every message and step, stream emptied."""
    await stream.ensure_group()
    await _scenario(store)
    one = worker(stream, store, record)
    entries = await stream.read("w1", count=100, block_ms=0, own=False)
    assert len(entries) == 5
    await one.archive(entries)
    assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")
    assert (await stream.lag()).backlog == 0
    stored = await record.incident("inc-1")
    assert stored is not None
    assert [s.action for s in stored.escalation] == ["triage", "claim"]
    assert next(m.text for m in await record.messages("inc-1")) == "message 1"


async def test_a_batch_delivered_again_writes_nothing_twice(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """The same entries archived twice, with the watermark lost between: rows stored once."""
    await stream.ensure_group()
    await _scenario(store)
    one = worker(stream, store, record)
    entries = await stream.read("w1", count=100, block_ms=0, own=False)
    await one.archive(entries)
    await redis_client.delete(stream.key + ":wm")
    await one.archive(entries)
    assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")


async def test_a_dead_workers_entries_are_taken_over(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """Entries read by a worker that died before its ack are archived by another one."""
    await stream.ensure_group()
    await _scenario(store)
    read = await stream.read("dead", count=100, block_ms=0, own=False)
    assert len(read) == 5  # ... and then the process is killed: nothing acknowledged
    other = worker(stream, store, record, "w2", claim_idle_ms=0)
    assert await other.step() == 5
    assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")
    assert (await stream.lag()).backlog == 0


async def test_with_the_record_away_entries_wait_and_drain_afterwards(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    database_url: str,
) -> None:
    """A failed write acknowledges nothing; the same worker writes all once the record is back."""
    await stream.ensure_group()
    await _scenario(store)
    closed = await pool.open_migrated(database_url)
    away = PostgresRecord(closed, RING)
    await away.upsert_organization(factories.org())
    await closed.close()  # the record is away
    first = worker(stream, store, away)
    with pytest.raises(asyncpg.InterfaceError):
        await first.step()
    lag = await stream.lag()
    assert lag.backlog == 5
    assert lag.oldest_s >= 0
    connections = await pool.open_migrated(database_url)
    try:
        back = worker(stream, store, PostgresRecord(connections, RING))  # same consumer name
        assert await back.step() == 5  # its own pending entries first
    finally:
        await connections.close()
    assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")


async def test_later_writes_add_only_what_is_new(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """After a first archive, a new message and a new step arrive with the next entry."""
    await stream.ensure_group()
    await _scenario(store)
    one = worker(stream, store, record)
    assert await one.step() == 5
    current = await store.get("inc-1")
    assert current is not None
    resolved = dataclasses.replace(
        current,
        status=models.Status.RESOLVED,
        escalation=(*current.escalation, models.Step(at=T0, by="agent-7", action="resolve")),
    )
    assert await store.update(
        resolved, expected_version=current.version, steps=resolved.escalation[-1:]
    )
    await store.append(
        "inc-1", sender=models.Sender.REPORTER, text="thanks", at=T0, dedupe_key=None
    )
    assert await one.step() == 2  # the update's entry and the message's
    assert await _stored(database_url) == ([1, 2, 3, 4, 5], [0, 1, 2], "sealed-receipt")
    stored = await record.incident("inc-1")
    assert stored is not None
    assert stored.status is models.Status.RESOLVED


async def _row_version(url: str) -> str:
    """The incident row's transaction id (xmin): it changes whenever the row is written."""
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SELECT xmin::text FROM incidents"))
    finally:
        await conn.close()


async def test_messages_alone_do_not_write_the_incident_again(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """A batch of message appends (the incident's version unchanged since its mark) writes
    the messages and leaves the incident row as it was; a mark without a version (as the
    live rebuild writes it) writes the row once more; an update writes it again."""
    await stream.ensure_group()
    await _scenario(store)
    one = worker(stream, store, record)
    assert await one.step() == 5
    assert await redis_client.hget(stream.wm_key, "inc-1") == b"4,2,1"
    written = await _row_version(database_url)
    await store.append("inc-1", sender=models.Sender.REPORTER, text="m5", at=T0, dedupe_key=None)
    assert await one.step() == 1
    assert await _stored(database_url) == ([1, 2, 3, 4, 5], [0, 1], "sealed-receipt")
    assert await _row_version(database_url) == written
    await redis_client.hset(stream.wm_key, "inc-1", "5,2")
    await store.append("inc-1", sender=models.Sender.REPORTER, text="m6", at=T0, dedupe_key=None)
    assert await one.step() == 1
    rewritten = await _row_version(database_url)
    assert rewritten != written
    assert await redis_client.hget(stream.wm_key, "inc-1") == b"6,2,1"
    current = await store.get("inc-1")
    assert current is not None
    claimed = dataclasses.replace(current, claimed_by="agent-9")
    assert await store.update(claimed, expected_version=current.version, steps=())
    assert await one.step() == 1
    assert await _row_version(database_url) != rewritten
    stored = await record.incident("inc-1")
    assert stored is not None
    assert (stored.claimed_by, stored.version) == ("agent-9", 2)
    assert [m.text for m in await record.messages("inc-1")][4:] == ["m5", "m6"]


async def test_a_stopped_worker_ends_within_a_read_even_while_blocked(
    store: RedisStore, stream: archive.ArchiveStream, record: PostgresRecord
) -> None:
    """run() blocked on an empty stream ends within its block time once stop is set (not
    cancelled: redis-py could retry a cancelled blocking read, and the stop hung)."""
    stop = asyncio.Event()
    running = asyncio.create_task(worker(stream, store, record, block_ms=500).run(stop))
    await asyncio.sleep(0.3)  # inside the blocking read now
    stop.set()
    await asyncio.wait_for(running, timeout=2)


async def test_an_incident_the_record_refuses_is_set_aside_and_the_rest_archived(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """An incident of a school the record does not know (a foreign-key refusal) goes to the
    dead letters with its error code; the good incident of the same batch is archived, the
    stream empties, and the refused one stays in Redis."""
    await stream.ensure_group()
    await _scenario(store)
    stray = factories.incident(incident_id="inc-stray", org_code="NOPE")
    await store.create(stray, receipt_hash="stray-receipt")
    one = worker(stream, store, record)
    assert await one.step() == 6
    assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")
    lag = await stream.lag()
    assert (lag.backlog, lag.dead) == (0, 1)
    dead: Any = await redis_client.xrange(stream.key + ":dead")
    assert [fields for _, fields in dead] == [{b"i": b"inc-stray", b"error": b"23503"}]
    assert await store.get("inc-stray") is not None


async def test_the_slack_reference_reaches_the_record(
    store: RedisStore,
    redis_client: aioredis.Redis,
    *,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
    prefix: str,
) -> None:
    """Where the incident's Slack message is (the outbox's `remember`) is archived; a newer
    reference replaces it."""
    await stream.ensure_group()
    await _scenario(store)
    outbox = RedisSlackOutbox(redis_client, prefix=prefix)
    await outbox.remember("inc-1", "C1", "1.0001")
    one = worker(stream, store, record, block_ms=10)
    while await one.step():
        pass
    await outbox.remember("inc-1", "C2", "2.0002")
    while await one.step():
        pass
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT incident_id, channel, ts FROM slack_messages")
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [("inc-1", "C2", "2.0002")]
    assert await outbox.posted("inc-1") == ("C2", "2.0002")


async def test_a_worker_backing_off_resumes_once_a_probe_finds_the_record_back(
    store: RedisStore,
    stream: archive.ArchiveStream,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The record cut: the batch fails and the worker waits out a 60 s backoff while it
    probes the record; a probe failed, the record comes back, and the next probe ends the
    wait (`archive.record_back`): everything is archived long before the 60 s are over."""
    caplog.set_level(logging.INFO, logger="tipline.archive")
    await stream.ensure_group()
    await _scenario(store)
    proxy, through = await pg_cut.started(database_url)
    connections = await pool.open_migrated(through)
    record = PostgresRecord(connections, RING)
    await record.upsert_organization(factories.org())
    probes: list[bool] = []

    async def probe() -> bool:  # the real ping through the proxy, its answers kept
        try:
            up = await record.ping()
        except Unavailable:
            up = False
        probes.append(up)
        return up

    stop = asyncio.Event()
    one = archive.ArchiveWorker(
        stream,
        incidents=store,
        messages=store,
        record=record,
        consumer="w1",
        probe=probe,
        backoff_s=(60.0, 60.0),
    )
    await proxy.cut()
    running = asyncio.create_task(one.run(stop))
    try:

        async def probed_away() -> bool:
            return False in probes

        await wait_for(probed_away, what="a probe of the record while it is away")
        assert one.archived == 0
        await proxy.restore()

        async def drained() -> bool:
            return (await stream.lag()).backlog == 0

        await wait_for(drained, what="the backlog archived after the record came back")
        assert await _stored(database_url) == ([1, 2, 3, 4], [0, 1], "sealed-receipt")
        logged = [r.getMessage() for r in caplog.records]
        assert "archive.retry" in logged
        assert "archive.record_back" in logged
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=5)
        await connections.close()
        await proxy.cut()


async def test_a_failure_that_is_not_the_records_waits_its_whole_backoff(
    store: RedisStore, stream: archive.ArchiveStream, record: PostgresRecord
) -> None:
    """Probes that answer from the start (Redis was what failed) do not cut the wait
    short: the batch is not retried faster than its backoff."""
    probes: list[bool] = []

    async def probe() -> bool:
        probes.append(await record.ping())
        return probes[-1]

    one = archive.ArchiveWorker(
        stream, incidents=store, messages=store, record=record, consumer="w1", probe=probe
    )
    assert not await one._pause(asyncio.Event(), 1.5)
    assert probes
    assert all(probes)


async def test_a_batch_of_many_incidents_reaches_the_record_whole(
    store: RedisStore,
    redis_client: aioredis.Redis,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
) -> None:
    """Sixty incidents of three messages each in one batch (the marks in one reply, the
    messages in slices of one script call): every message once, every mark moved; a mark of
    an incident no longer in Redis reads with no live version."""
    await stream.ensure_group()
    ids = [f"inc-{n:02d}" for n in range(60)]
    for incident_id in ids:
        await store.create(factories.incident(incident_id=incident_id), receipt_hash=incident_id)
        for m in range(3):
            await store.append(
                incident_id, sender=models.Sender.REPORTER, text=f"m{m}", at=T0, dedupe_key=None
            )
    one = worker(stream, store, record)
    assert await one.step() == 60 * 4
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT incident_id, count(*) AS n FROM messages GROUP BY 1")
    finally:
        await conn.close()
    assert {r["incident_id"]: r["n"] for r in rows} == dict.fromkeys(ids, 3)
    marks = await stream.marks([*ids[:2], "inc-gone"])
    assert (marks["inc-00"].seq, marks["inc-00"].version, marks["inc-00"].live) == (3, 1, 1)
    assert marks["inc-gone"] == archive.Mark(0, 0, 0, None)


class _CountedRecord:
    """The real record, counting the worker's batch transactions."""

    def __init__(self, record: PostgresRecord) -> None:
        self._record = record
        self.batches = 0

    async def write_batch(self, *columns: Any) -> None:
        self.batches += 1
        await self._record.write_batch(*columns)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record, name)


@pytest.mark.parametrize("pace_s", [0.1, 0.0])
async def test_a_steady_trickle_goes_in_few_batches(
    store: RedisStore,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    database_url: str,
    pace_s: float,
) -> None:
    """60 messages 10 ms apart are archived one batch for each 0.1 s they took to write (a
    worker without the rest takes a batch for nearly every message), every one once."""
    counted = _CountedRecord(record)
    incident = factories.incident()
    await store.create(incident, receipt_hash="sealed-receipt")
    one = archive.ArchiveWorker(
        stream, incidents=store, messages=store, record=counted, consumer="w1", pace_s=pace_s
    )
    stop = asyncio.Event()
    running = asyncio.create_task(one.run(stop))
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        for n in range(60):
            await store.append(
                incident.incident_id,
                sender=models.Sender.REPORTER,
                text=f"message {n + 1}",
                at=T0,
                dedupe_key=None,
            )
            await asyncio.sleep(0.01)
        took = loop.time() - started

        async def drained() -> bool:
            return (await stream.lag()).backlog == 0

        await wait_for(drained, what="every message archived")
        assert (await _stored(database_url))[0] == list(range(1, 61))
        if pace_s:
            assert counted.batches <= took / pace_s + 2
        else:  # what the rest saves: without it, a batch for nearly every message
            assert counted.batches > 30
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=5)
