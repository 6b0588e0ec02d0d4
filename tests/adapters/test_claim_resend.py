"""A claim that ran in Redis but raised here (its write not confirmed by the replica in
time: WAIT, adapters/redis_pool.py) hands the same entries out at the next claim, not a
lease later; a handler that finds a store away gets its deadline or record back at the next
sweep. On a real primary and replica (tests/redis_sentinels.py), the replica paused with
SIGSTOP as a hung or starved one would stand still."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters import effects_outbox
from adapters.deadlines import DeadlineStore, sweep_once
from adapters.effects_outbox import RedisEffectsOutbox
from adapters.redis_pool import SemaphorePool
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from tests.adapters.test_effects_outbox import emergency
from tests.clock import FakeClock
from tests.conftest import RING
from tests.redis_sentinels import Group, replicated
from tipline import effects, errors, models
from tipline.models import Deadline, DeadlineKind
from tipline.ports import PendingEffects

T0 = dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC)
LATER = 10 * 60 * 1000  # ms: past the effects' grace


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Group]:
    async with replicated(tmp_path / "redis") as group:
        yield group


@pytest.fixture
async def confirmed(pair: Group) -> AsyncIterator[aioredis.Redis]:
    """A client whose writes are acknowledged once the replica has them (WAIT 1, 1 s)."""
    pool = SemaphorePool.from_url(
        pair.primary.url, max_connections=4, min_replicas=1, replica_timeout_ms=1000
    )
    client = aioredis.Redis.from_pool(pool)
    yield client
    await client.aclose()


async def unconfirmed(pair: Group, claim: Callable[[], Awaitable[Any]]) -> None:
    """Run `claim` with the replica paused: it runs on the primary and raises `unavailable`
    (its script already loaded, or the NOSCRIPT answer would be what was not confirmed,
    before it ran: each test claims once first). Then wait until the resumed replica
    confirms writes again (a moment, longer on a loaded machine)."""
    pair.replica.pause()
    try:
        with pytest.raises(errors.Unavailable):
            await claim()
    finally:
        pair.replica.resume()
    probe = pair.primary.client()
    try:
        for _ in range(50):
            await probe.set("probe", "1")
            if int(await probe.wait(1, 1000)) >= 1:
                return
            await asyncio.sleep(0.2)
        pytest.fail("the resumed replica never confirmed a write")
    finally:
        await probe.aclose()


def repage(n: int) -> Deadline:
    return Deadline(key=f"inc-{n}:repage", incident_id=f"inc-{n}", kind=DeadlineKind.REPAGE, due=T0)


async def test_a_deadline_claim_left_unconfirmed_is_handed_out_at_the_next_claim(
    pair: Group, confirmed: aioredis.Redis, prefix: str
) -> None:
    """The claim ran (the deadline held) but raised; the next claim, at the same moment,
    gets that deadline, and the one after it nothing: not a re-page a lease late."""
    store = DeadlineStore(confirmed, prefix, lease_s=60)
    assert await store.claim_due(T0) == []  # its script loaded
    await store.schedule(repage(1))
    await unconfirmed(pair, lambda: store.claim_due(T0))
    assert await store.claim_due(T0) == [repage(1)]
    assert await store.claim_due(T0) == []  # a fresh claim again: held, not handed out twice
    assert await store.ack(repage(1))


async def test_an_effects_claim_left_unconfirmed_is_handed_out_at_the_next_claim(
    pair: Group, confirmed: aioredis.Redis, prefix: str
) -> None:
    """The same for the records of the effects outbox."""
    store = RedisStore(confirmed, prefix=prefix, ring=RING)
    outbox = RedisEffectsOutbox(confirmed, prefix=prefix)
    incident = emergency().incident
    now = effects_outbox.wall_ms() + LATER
    assert await outbox.claim(now, 10) == []  # its script loaded
    await store.create(incident, receipt_hash="r1", effects="one")
    await unconfirmed(pair, lambda: outbox.claim(now, 10))
    again = await outbox.claim(now, 10)
    assert [(r.incident_id, r.version, r.body) for r in again] == [(incident.incident_id, 1, "one")]
    assert await outbox.claim(now, 10) == []


async def test_a_slack_claim_left_unconfirmed_is_handed_out_under_its_lease(
    pair: Group, confirmed: aioredis.Redis, prefix: str
) -> None:
    """The same for the Slack outbox; the job handed out again is done under its lease."""
    box = RedisSlackOutbox(confirmed, prefix=prefix)
    assert await box.claim(2000, 10) == []  # its script loaded
    await box.enqueue("I1", ["post"], once=None, now_ms=1000)
    await unconfirmed(pair, lambda: box.claim(2000, 10))
    (job,) = await box.claim(2000, 10)
    assert job.body == "post"
    assert await box.claim(2000, 10) == []
    await box.done(job, 2000)
    assert await box.pending() == 0


async def test_a_deadline_whose_handler_found_the_store_away_comes_back_at_the_next_sweep(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """`Unavailable` from the handler releases the deadline for the next sweep on the same
    clock; the other deadline of the batch is handled meanwhile; a handler's own error (a
    bug) leaves it to its lease."""
    store = DeadlineStore(redis_client, prefix, lease_s=60)
    for n in (1, 2, 3):
        await store.schedule(repage(n))
    calls: list[str] = []

    async def handler(deadline: Deadline) -> None:
        calls.append(deadline.incident_id)
        if deadline.incident_id == "inc-1" and calls.count("inc-1") == 1:
            raise errors.unavailable()
        if deadline.incident_id == "inc-3":
            raise RuntimeError("a bug")

    clock = FakeClock(T0)
    assert await sweep_once(store, clock, handler) == 3
    assert await sweep_once(store, clock, handler) == 1  # inc-1 again, not a lease later
    assert await sweep_once(store, clock, handler) == 0
    assert sorted(calls) == ["inc-1", "inc-1", "inc-2", "inc-3"]
    clock.advance(61)
    assert await sweep_once(store, clock, handler) == 1  # inc-3, after its lease


async def test_an_effects_record_whose_rerun_found_the_store_away_comes_back_at_the_next_sweep(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """The same for the effects sweeper: released on `Unavailable`, run at the next sweep."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    incident = emergency().incident
    await store.create(incident, receipt_hash="r1", effects="one")
    runs: list[int] = []

    class Runner:
        async def rerun(self, incident: models.Incident, record: PendingEffects) -> None:
            runs.append(record.version)
            if len(runs) == 1:
                raise errors.unavailable()

    now = effects_outbox.wall_ms() + LATER
    runner: Any = Runner()
    assert await effects.sweep(outbox, store, runner, now_ms=now) == 1
    assert await outbox.pending() == 1
    assert await effects.sweep(outbox, store, runner, now_ms=now) == 1
    assert runs == [1, 1]
    assert await outbox.pending() == 0
