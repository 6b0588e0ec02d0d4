"""The live window: a resolved incident leaves Redis once it is past the window and the record
holds all of it, never before; then reads come from the record and writes are refused."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest
import redis.asyncio as aioredis

from adapters import archive, live_rebuild, live_window, sealing
from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from tests.clock import FakeClock
from tests.conftest import RING as LIVE_RING  # what the `store` fixture seals Redis with
from tests.escalation import factories
from tests.postgres import schema
from tipline import models
from tipline.errors import AppError

T0 = factories.SCHOOL_HOURS
WINDOW = dt.timedelta(hours=72)
RING = sealing.parse(sealing.new_key_line("k-test"))
RESOLVED_AT = T0 + dt.timedelta(minutes=5)


@pytest.fixture
async def connections() -> AsyncIterator[asyncpg.Pool]:
    async with schema() as url:
        opened = await pool.open_migrated(url)
        yield opened
        await opened.close()


@pytest.fixture
async def record(connections: asyncpg.Pool) -> PostgresRecord:
    implementation = PostgresRecord(connections, RING)
    await implementation.upsert_organization(factories.org())
    return implementation


@pytest.fixture
def stream(redis_client: aioredis.Redis, prefix: str) -> archive.ArchiveStream:
    return archive.ArchiveStream(redis_client, prefix=prefix)


def evictor(
    redis_client: aioredis.Redis,
    prefix: str,
    store: RedisStore,
    record: PostgresRecord,
    *,
    now: dt.datetime,
    consumer: str = "e1",
) -> live_window.Evictor:
    return live_window.Evictor(
        redis_client,
        prefix=prefix,
        incidents=store,
        record=record,
        clock=FakeClock(now),
        window=WINDOW,
        consumer=consumer,
    )


async def resolved_case(store: RedisStore) -> models.Incident:
    """A resolved incident with a three-step trail and two messages, in Redis."""
    steps = (
        models.Step(at=T0, by="triage", action="triage"),
        models.Step(at=T0 + dt.timedelta(minutes=1), by="agent-7", action="claim"),
        models.Step(at=RESOLVED_AT, by="agent-7", action="resolve", note="school has it"),
    )
    incident = factories.incident(
        status=models.Status.RESOLVED, state="resolved", claimed_by="agent-7", escalation=steps
    )
    await store.create(incident, receipt_hash="sealed-receipt")
    for n, sender in enumerate((models.Sender.REPORTER, models.Sender.RESPONDER)):
        await store.append(
            incident.incident_id,
            sender=sender,
            text=f"message {n + 1}",
            at=T0 + dt.timedelta(seconds=n),
            dedupe_key=f"c{n}",
        )
    found = await store.get(incident.incident_id)
    assert found is not None
    return found


async def archive_all(
    stream: archive.ArchiveStream, store: RedisStore, record: PostgresRecord
) -> None:
    await stream.ensure_group()
    worker = archive.ArchiveWorker(stream, incidents=store, messages=store, record=record)
    while await worker.step():
        pass


async def keys_of(redis_client: aioredis.Redis, prefix: str, incident_id: str) -> list[bytes]:
    """Every key of the incident, and every index that still names it."""
    found = [k async for k in redis_client.scan_iter(match=f"{prefix}:inc:{{{incident_id}}}*")]
    async for index in redis_client.scan_iter(match=f"{prefix}:idx:*"):
        if await redis_client.zscore(index, incident_id) is not None:
            found.append(index)
    return found


async def test_a_resolved_incident_leaves_redis_only_once_the_record_holds_it(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Past the window but not archived: kept. Archived: every key and index entry gone."""
    incident = await resolved_case(store)
    job = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW + dt.timedelta(1))
    assert await job.round() == []  # the record holds nothing of it yet
    assert await store.get(incident.incident_id) is not None
    await archive_all(stream, store, record)
    assert await job.round() == [incident.incident_id]
    assert await keys_of(redis_client, prefix, incident.incident_id) == []
    assert await redis_client.hget(f"{prefix}:archive:wm", incident.incident_id) is None
    kept = await record.incident(incident.incident_id)
    assert kept is not None
    assert [s.action for s in kept.escalation] == ["triage", "claim", "resolve"]


async def test_inside_the_window_or_behind_the_record_it_stays(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Resolved less than the window ago: kept. Past it with a message the archive has not
    written yet: kept until the archive has it."""
    incident = await resolved_case(store)
    await archive_all(stream, store, record)
    early = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW / 2)
    assert await early.round() == []
    await store.append(
        incident.incident_id,
        sender=models.Sender.SYSTEM,
        text="late line",
        at=T0 + dt.timedelta(hours=1),
        dedupe_key=None,
    )
    late = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW * 2)
    assert await late.round() == []
    assert await store.get(incident.incident_id) is not None
    await archive_all(stream, store, record)
    assert await late.round() == [incident.incident_id]


async def test_one_evictor_holds_the_lease_at_a_time(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str, record: PostgresRecord
) -> None:
    """The first process to ask holds the lease and keeps it; a second one is refused."""
    first = evictor(redis_client, prefix, store, record, now=T0, consumer="one")
    second = evictor(redis_client, prefix, store, record, now=T0, consumer="two")
    assert await first.holds_lease()
    assert not await second.holds_lease()
    assert await first.holds_lease()  # renewed, still its own


async def test_reads_of_an_evicted_incident_come_from_the_record_writes_are_refused(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """After eviction: the incident (report, trail) and its messages read from the record;
    a step, a claim or a message is `archived`, and Redis gets no key of it back."""
    incident = await resolved_case(store)
    await archive_all(stream, store, record)
    job = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW * 2)
    assert await job.round() == [incident.incident_id]
    incidents = live_window.IncidentsWithRecord(store, record)
    messages = live_window.MessagesWithRecord(store, incidents, record)

    read = await incidents.get(incident.incident_id)
    assert read is not None
    assert read.text == "report text"
    assert [s.note for s in read.escalation] == [None, None, "school has it"]
    assert await incidents.in_org(incident.incident_id, "LHS")
    assert not await incidents.in_org(incident.incident_id, "OTHER")
    history = await messages.since(incident.incident_id, 0)
    assert [(m.seq, m.text) for m in history] == [(1, "message 1"), (2, "message 2")]
    assert await incidents.get("inc-never") is None

    with pytest.raises(AppError) as refused:
        await incidents.update(read, expected_version=read.version, steps=())
    assert refused.value.code == "archived"
    with pytest.raises(AppError) as refused:
        await incidents.claim(read, holder="agent-8", expected_version=read.version, steps=())
    assert refused.value.code == "archived"
    with pytest.raises(AppError) as refused:
        await messages.append(
            incident.incident_id,
            sender=models.Sender.RESPONDER,
            text="too late",
            at=T0,
            dedupe_key="late",
        )
    assert refused.value.code == "archived"
    assert await keys_of(redis_client, prefix, incident.incident_id) == []
    assert len(await record.messages(incident.incident_id)) == 2


async def test_the_list_of_resolved_incidents_holds_the_evicted_ones_in_order(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """An evicted incident between two live resolved ones: the list, page by page (one a
    page), gives all three newest first, each once, whichever store holds it."""
    old = await resolved_case(store)
    await archive_all(stream, store, record)
    assert await evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW * 2).round()
    for n, hours in ((2, -1), (3, 1)):  # one created before the evicted one, one after
        newer = factories.incident(
            incident_id=f"inc-{n}",
            created_at=T0 + dt.timedelta(hours=hours),
            status=models.Status.RESOLVED,
            state="resolved",
        )
        await store.create(newer, receipt_hash=f"receipt-{n}")
    await archive_all(stream, store, record)
    incidents = live_window.IncidentsWithRecord(store, record)
    seen, before = [], None
    for _ in range(5):
        page = await incidents.page_incidents(
            org_code="LHS", status=models.Status.RESOLVED, limit=1, before=before
        )
        seen += [i.incident_id for i in page.incidents]
        before = page.next
        if before is None:
            break
    assert seen == ["inc-3", old.incident_id, "inc-2"]
    whole = await incidents.page_incidents(org_code=None, status=None, limit=10, before=None)
    assert [i.incident_id for i in whole.incidents] == ["inc-3", old.incident_id, "inc-2"]
    assert whole.next is None
    still_open = await incidents.page_incidents(
        org_code=None, status=models.Status.OPEN, limit=10, before=None
    )
    assert still_open.incidents == []


async def test_with_the_record_away_the_list_is_redis_alone(
    store: RedisStore, record: PostgresRecord
) -> None:
    """The record unreachable: `incident:list` still answers with what Redis holds."""
    live = factories.incident(status=models.Status.RESOLVED, state="resolved")
    await store.create(live, receipt_hash="receipt")
    incidents = live_window.IncidentsWithRecord(store, record)
    record.pool.terminate()  # every connection closed, no new one: the record is away
    page = await incidents.page_incidents(
        org_code=None, status=models.Status.RESOLVED, limit=10, before=None
    )
    assert [i.incident_id for i in page.incidents] == [live.incident_id]
    with pytest.raises(AppError) as away:
        await incidents.get("inc-gone")
    assert away.value.code == "unavailable"


def restorer(
    redis_client: aioredis.Redis, prefix: str, record: PostgresRecord
) -> live_rebuild.LiveRestore:
    return live_rebuild.LiveRestore(
        record, redis_client, prefix=prefix, deadlines_of=lambda _: (), ring=LIVE_RING
    )


async def evicted_case(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> models.Incident:
    """A resolved case, archived, then evicted: only the record has it (and its receipt key)."""
    incident = await resolved_case(store)
    await archive_all(stream, store, record)
    job = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW * 2)
    assert await job.round() == [incident.incident_id]
    return incident


async def staging_keys(redis_client: aioredis.Redis, prefix: str) -> list[bytes]:
    return [k async for k in redis_client.scan_iter(match=f"{prefix}:restore:*")]


async def test_an_evicted_incident_restored_is_whole_and_its_next_message_is_n_plus_1(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Restored from the record: the same incident (report, trail, version), its messages
    with their seq, indexed, its receipt leading to it, the archive's watermark at what the
    record has (nothing archived again), no staging key left; the next message is seq 3."""
    before = await evicted_case(store, redis_client, prefix, stream, record)
    incident_id = before.incident_id
    assert await restorer(redis_client, prefix, record).restore(incident_id)
    back = await store.get(incident_id)
    assert back == before
    history = await store.since(incident_id, 0)
    assert [(m.seq, m.text) for m in history] == [(1, "message 1"), (2, "message 2")]
    assert await store.by_receipt("sealed-receipt") == incident_id
    listed = await store.list_incidents(org_code="LHS", status=models.Status.RESOLVED)
    assert [i.incident_id for i in listed] == [incident_id]
    assert await redis_client.hget(stream.wm_key, incident_id) == f"2,3,{before.version}".encode()
    assert await staging_keys(redis_client, prefix) == []
    assert await redis_client.xlen(stream.key) == 0  # the restore itself archives nothing
    appended = await store.append(
        incident_id, sender=models.Sender.REPORTER, text="it is happening again", at=T0,
        dedupe_key="back",
    )  # fmt: skip
    assert appended.message.seq == 3
    assert appended.status is models.Status.RESOLVED  # the caller reopens it
    await archive_all(stream, store, record)
    assert [m.seq for m in await record.messages(incident_id)] == [1, 2, 3]


async def test_after_a_restore_the_archive_writes_only_the_new_message(
    store: RedisStore,
    *,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
    connections: asyncpg.Pool,
) -> None:
    """The restore leaves the watermark at the record's version too, so the next message
    archives as a message alone: the incident's row is not read and written again."""
    before = await evicted_case(store, redis_client, prefix, stream, record)
    incident_id = before.incident_id
    assert await restorer(redis_client, prefix, record).restore(incident_id)
    written = "SELECT updated_at FROM incidents WHERE incident_id = $1"
    updated = await connections.fetchval(written, incident_id)
    await store.append(
        incident_id, sender=models.Sender.REPORTER, text="again", at=T0, dedupe_key="again"
    )
    await archive_all(stream, store, record)
    assert [m.seq for m in await record.messages(incident_id)] == [1, 2, 3]
    assert await connections.fetchval(written, incident_id) == updated


async def test_two_restores_at_once_leave_one_copy(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Two processes bring the same incident back at the same moment: one moves its copy in,
    the other finds it there and drops its own; one copy, each message once."""
    incident = await evicted_case(store, redis_client, prefix, stream, record)
    results = await asyncio.gather(
        restorer(redis_client, prefix, record).restore(incident.incident_id),
        restorer(redis_client, prefix, record).restore(incident.incident_id),
    )
    assert sorted(results) == [False, True]
    assert [m.seq for m in await store.since(incident.incident_id, 0)] == [1, 2]
    assert await staging_keys(redis_client, prefix) == []
    assert not await restorer(redis_client, prefix, record).restore(incident.incident_id)


async def test_the_evictor_leaves_a_restored_incident_while_its_hold_lasts(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Brought back (still resolved, its resolution past the window, the record holding all
    of it): the evictor does not take it while the hold is on; with the hold gone it would."""
    incident = await evicted_case(store, redis_client, prefix, stream, record)
    assert await restorer(redis_client, prefix, record).restore(incident.incident_id)
    hold = live_window.restored_key(prefix, incident.incident_id)
    assert 0 < await redis_client.pttl(hold) <= live_window.RESTORE_HOLD_MS
    job = evictor(redis_client, prefix, store, record, now=RESOLVED_AT + WINDOW * 3)
    assert await job.round() == []
    assert await store.get(incident.incident_id) is not None
    await redis_client.delete(hold)  # the hold over
    assert await job.round() == [incident.incident_id]


async def test_an_incident_the_record_does_not_have_is_not_restored(
    redis_client: aioredis.Redis, prefix: str, record: PostgresRecord
) -> None:
    """An id the record never heard of: False, and Redis gets no key."""
    assert not await restorer(redis_client, prefix, record).restore("inc-never")
    assert [k async for k in redis_client.scan_iter(match=f"{prefix}:*")] == []


async def test_a_purged_incident_is_not_restored(
    store: RedisStore,
    redis_client: aioredis.Redis,
    prefix: str,
    stream: archive.ArchiveStream,
    record: PostgresRecord,
) -> None:
    """Retention purged what people wrote in it: nothing to bring back, so nothing is
    written (a reporter's message on it stays `archived`)."""
    incident = await evicted_case(store, redis_client, prefix, stream, record)
    await record.pool.execute("UPDATE incidents SET purged_at = now()")
    assert not await restorer(redis_client, prefix, record).restore(incident.incident_id)
    assert await keys_of(redis_client, prefix, incident.incident_id) == []
    assert await staging_keys(redis_client, prefix) == []
