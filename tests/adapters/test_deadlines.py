"""Durable deadlines on the real Redis: fire once, survive a new store, shared by sweepers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from adapters.deadlines import DeadlineStore, Handler, run_sweeper, sweep_once
from tests.clock import FakeClock
from tests.conftest import REDIS_URL, wait_for
from tipline.models import Deadline, DeadlineKind

T0 = dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def deadline(n: int, due_s: float = 0, kind: DeadlineKind = DeadlineKind.REPAGE) -> Deadline:
    return Deadline(key=f"inc-{n}:{kind}", incident_id=f"inc-{n}", kind=kind, due=at(due_s))


def fields(record: logging.LogRecord) -> tuple[str, int]:
    """The structured fields a deadline log record carries (set through `extra=`)."""
    return getattr(record, "deadline_key"), getattr(record, "lateness_ms")  # noqa: B009


@pytest.fixture
async def clients() -> AsyncIterator[Callable[[], aioredis.Redis]]:
    """Extra Redis connections, as other processes would have; closed at the end."""
    made: list[aioredis.Redis] = []

    def make() -> aioredis.Redis:
        made.append(aioredis.Redis.from_url(REDIS_URL))
        return made[-1]

    yield make
    for client in made:
        await client.aclose()


async def test_fires_once_when_due(redis_client: aioredis.Redis, prefix: str) -> None:
    """Not before its due time, once at it, and never again once acknowledged."""
    store = DeadlineStore(redis_client, prefix, lease_s=60)
    await store.schedule(deadline(1, due_s=10))
    assert await store.claim_due(at(9.999)) == []
    assert await store.claim_due(at(10)) == [deadline(1, due_s=10)]
    assert await store.claim_due(at(69)) == []
    assert await store.ack(deadline(1, due_s=10))
    assert await store.claim_due(at(3600)) == []


async def test_same_key_replaces_and_cancel_forgets(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Scheduling a key again moves it; cancelling it means it never fires."""
    store = DeadlineStore(redis_client, prefix)
    await store.schedule(deadline(1, due_s=10))
    await store.schedule(deadline(1, due_s=20))
    await store.schedule(deadline(2, due_s=5))
    assert await store.pending() == 2
    assert await store.next_due() == at(5)
    await store.cancel(deadline(2).key)
    assert await store.claim_due(at(15)) == []
    assert await store.claim_due(at(20)) == [deadline(1, due_s=20)]


async def test_survives_a_new_store(
    redis_client: aioredis.Redis, prefix: str, clients: Callable[[], aioredis.Redis]
) -> None:
    """A deadline scheduled by a store that is dropped fires once from a new store."""
    first = DeadlineStore(clients(), prefix)
    await first.schedule(deadline(1, due_s=60))
    del first
    reborn = DeadlineStore(redis_client, prefix)
    assert await reborn.claim_due(at(61)) == [deadline(1, due_s=60)]
    assert await reborn.claim_due(at(62)) == []
    assert await reborn.ack(deadline(1, due_s=60))


async def test_two_claimers_never_share(prefix: str, clients: Callable[[], aioredis.Redis]) -> None:
    """Two stores on separate connections racing for 300 deadlines get each exactly once."""
    a, b = DeadlineStore(clients(), prefix), DeadlineStore(clients(), prefix)
    for n in range(300):
        await a.schedule(deadline(n, due_s=n % 7))

    async def drain(store: DeadlineStore) -> list[str]:
        got: list[str] = []
        while batch := await store.claim_due(at(10), limit=7):
            got += [d.key for d in batch]
        return got

    got_a, got_b = await asyncio.gather(drain(a), drain(b))
    assert sorted(got_a + got_b) == sorted(deadline(n).key for n in range(300))
    assert set(got_a).isdisjoint(got_b)


async def test_two_sweepers_each_deadline_handled_once(
    prefix: str, clients: Callable[[], aioredis.Redis]
) -> None:
    """Two running sweepers over the same deadlines call the handler once per deadline."""
    stores = [DeadlineStore(clients(), prefix) for _ in range(2)]
    for n in range(200):
        await stores[0].schedule(deadline(n, due_s=n % 11))
    handled: list[tuple[int, str]] = []

    def handler_for(who: int) -> Handler:
        async def handle(d: Deadline) -> None:
            handled.append((who, d.key))

        return handle

    stop = asyncio.Event()
    clock = FakeClock(at(30))
    tasks = [
        asyncio.create_task(run_sweeper(s, clock, handler_for(i), 0.01, stop, limit=16))
        for i, s in enumerate(stores)
    ]

    async def all_handled() -> bool:
        return len(handled) >= 200

    await wait_for(all_handled, what="200 deadlines handled")
    stop.set()
    await asyncio.gather(*tasks)
    keys = [k for _, k in handled]
    assert sorted(keys) == sorted(deadline(n).key for n in range(200))
    assert await stores[0].claim_due(at(10_000)) == []


async def test_unacknowledged_deadline_comes_back_after_its_lease(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A claim whose handler never acks (the process died) is handed out again later."""
    store = DeadlineStore(redis_client, prefix, lease_s=30)
    await store.schedule(deadline(1))
    (claimed,) = await store.claim_due(at(0))
    assert await store.claim_due(at(29)) == []
    assert await store.claim_due(at(31)) == [claimed]
    assert await store.ack(claimed)
    assert await store.claim_due(at(1000)) == []


async def test_stale_ack_keeps_the_newer_deadline(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Acking an old claim does not drop a newer deadline of the same key claimed since."""
    store = DeadlineStore(redis_client, prefix, lease_s=30)
    await store.schedule(deadline(1, due_s=0))
    (old,) = await store.claim_due(at(0))
    await store.schedule(deadline(1, due_s=5))
    (new,) = await store.claim_due(at(5))
    assert not await store.ack(old)
    assert await store.claim_due(at(40)) == [new]


async def test_sweeper_logs_lateness_and_survives_a_failing_handler(
    redis_client: aioredis.Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A late fire is a WARNING with its lateness; a failing handler is logged, then retried."""
    store = DeadlineStore(redis_client, prefix, lease_s=30)
    await store.schedule(deadline(1, due_s=0))
    await store.schedule(deadline(2, due_s=9))
    seen: list[str] = []

    async def handler(d: Deadline) -> None:
        seen.append(d.key)
        if d.incident_id == "inc-1" and seen.count(d.key) == 1:
            raise RuntimeError("store briefly away")

    caplog.set_level(logging.DEBUG, logger="tipline.deadlines")
    assert await sweep_once(store, FakeClock(at(10)), handler, late_ms=5000) == 2
    late = [r for r in caplog.records if r.getMessage() == "deadline.fired_late"]
    assert [fields(r) for r in late] == [(deadline(1).key, 10_000)]
    on_time = [r for r in caplog.records if r.getMessage() == "deadline.fired"]
    assert [fields(r) for r in on_time] == [(deadline(2).key, 1000)]
    assert any(r.getMessage() == "deadline.handler_failed" for r in caplog.records)
    assert await sweep_once(store, FakeClock(at(41)), handler) == 1
    assert seen == [deadline(1).key, deadline(2).key, deadline(1).key]
    assert await sweep_once(store, FakeClock(at(1000)), handler) == 0
