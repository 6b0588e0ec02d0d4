"""Issue #19 item 3: `incident:list` pages, and a flood never pushes an emergency out of view.

Against the real Redis, through the store the server uses.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import redis.asyncio as aioredis

from adapters.redis_store import RedisStore
from tests.adapters.test_redis_store import incident
from tests.conftest import REDIS_URL
from tipline import demo, models

ROUTINE = models.Urgency.ROUTINE


def with_urgency(n: int, urgency: models.Urgency, **changes: Any) -> models.Incident:
    return dataclasses.replace(incident(n), urgency=urgency, **changes)


async def test_open_emergency_stays_on_the_first_page_after_a_flood(store: RedisStore) -> None:
    """After 510 newer routine reports, the open emergency and the unclaimed urgent report
    are on the first page of "open" and "all"; a claimed urgent one waits its turn."""
    await store.create(with_urgency(0, models.Urgency.EMERGENCY), receipt_hash="e")
    await store.create(with_urgency(1, models.Urgency.URGENT), receipt_hash="u")
    await store.create(with_urgency(2, models.Urgency.URGENT, claimed_by="agent"), receipt_hash="c")
    for n in range(3, 513):
        await store.create(with_urgency(n, ROUTINE), receipt_hash=f"r{n}")
    for status in (models.Status.OPEN, None):
        listed = await store.list_incidents(org_code="DEMO", status=status)
        ids = [i.incident_id for i in listed]
        assert "TL-TEST00000" in ids
        assert "TL-TEST00001" in ids
        assert "TL-TEST00002" not in ids
        assert len(ids) == 502
        assert ids == sorted(ids, reverse=True)  # still newest first


async def test_pinned_follow_the_incident_resolved_claimed_or_raised(store: RedisStore) -> None:
    """Resolving the emergency or claiming the urgent report unpins it; raising pins."""
    await store.create(with_urgency(0, models.Urgency.EMERGENCY), receipt_hash="e")
    await store.create(with_urgency(1, models.Urgency.URGENT), receipt_hash="u")
    await store.create(with_urgency(2, ROUTINE), receipt_hash="r")
    for n in range(3, 8):
        await store.create(with_urgency(n, ROUTINE), receipt_hash=f"r{n}")

    async def first_page() -> list[str]:
        page = await store.page_incidents(org_code=None, status=None, limit=2, before=None)
        return [i.incident_id for i in page.incidents]

    assert await first_page() == ["TL-TEST00007", "TL-TEST00006", "TL-TEST00001", "TL-TEST00000"]
    emergency = await store.get("TL-TEST00000")
    assert emergency is not None
    resolved = dataclasses.replace(emergency, status=models.Status.RESOLVED, state="resolved")
    assert await store.update(resolved, expected_version=emergency.version, steps=[])
    urgent = await store.get("TL-TEST00001")
    assert urgent is not None
    claimed = await store.claim(
        dataclasses.replace(urgent, claimed_by="agent"),
        holder="agent",
        expected_version=1,
        steps=[],
    )
    assert claimed is not None
    routine = await store.get("TL-TEST00002")
    assert routine is not None
    raised = dataclasses.replace(routine, urgency=models.Urgency.EMERGENCY)
    assert await store.update(raised, expected_version=routine.version, steps=[])
    assert await first_page() == ["TL-TEST00007", "TL-TEST00006", "TL-TEST00002"]


async def test_pages_cover_every_incident_once_in_order(store: RedisStore) -> None:
    """Paging by four through 25 incidents of both statuses, some created at the same
    instant, yields each exactly once, newest first, and ends with no cursor."""
    for n in range(25):
        same = incident(n // 3)  # three at a time share a creation time (a tie in score)
        routine = dataclasses.replace(same, incident_id=f"TL-TIE{n:05d}", urgency=ROUTINE)
        if n % 4 == 0:
            routine = dataclasses.replace(routine, status=models.Status.RESOLVED, state="resolved")
        await store.create(routine, receipt_hash=f"h{n}")
    seen: list[str] = []
    before = None
    for _ in range(10):
        page = await store.page_incidents(org_code=None, status=None, limit=4, before=before)
        seen += [i.incident_id for i in page.incidents]
        before = page.next
        if before is None:
            break
    everything = await store.list_incidents(org_code=None, status=None, limit=100)
    assert seen == [i.incident_id for i in everything]
    assert len(seen) == len(set(seen)) == 25


class CountingRedis(aioredis.Redis):
    """Counts round trips to the real Redis: each command, and each pipeline as one.
    (Counting, not faking: every call still goes to the server.)"""

    round_trips = 0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = super().pipeline(transaction, shard_hint)
        run = pipe.execute

        async def execute(raise_on_error: bool = True) -> Any:
            self.round_trips += 1
            return await run(raise_on_error)

        pipe.execute = execute  # type: ignore[method-assign]
        return pipe


async def test_a_page_of_fifty_takes_two_round_trips(
    prefix: str, redis_client: aioredis.Redis
) -> None:
    """Listing 50 incidents reads the indexes once and the incidents once (was 1 + 50)."""
    writer = RedisStore(redis_client, prefix=prefix)
    for n in range(50):
        await writer.create(with_urgency(n, ROUTINE), receipt_hash=f"h{n}")
    pool = aioredis.ConnectionPool.from_url(REDIS_URL)
    counting = CountingRedis(connection_pool=pool)
    try:
        listed = await RedisStore(counting, prefix=prefix).list_incidents(
            org_code=None, status=None
        )
        assert len(listed) == 50
        assert counting.round_trips <= 2
    finally:
        await counting.aclose()
        await pool.disconnect()


async def round_trips_of(prefix: str, call: Any) -> tuple[int, Any]:
    """The round trips that `call(store)` takes on a counting client, and what it returned."""
    pool = aioredis.ConnectionPool.from_url(REDIS_URL)
    counting = CountingRedis(connection_pool=pool)
    try:
        result = await call(RedisStore(counting, prefix=prefix))
        return counting.round_trips, result
    finally:
        await counting.aclose()
        await pool.disconnect()


async def test_round_trips_of_a_list_do_not_grow_with_its_length(
    prefix: str, redis_client: aioredis.Redis
) -> None:
    """Listing 500 incidents takes as many round trips as listing 5, and lists each
    incident as it reads back on its own, newest first."""
    writer = RedisStore(redis_client, prefix=prefix)
    listed: dict[int, list[models.Incident]] = {}
    trips: dict[int, int] = {}
    for start, upto in ((0, 5), (5, 500)):
        for n in range(start, upto):
            await writer.create(with_urgency(n, ROUTINE), receipt_hash=f"h{n}")
        trips[upto], listed[upto] = await round_trips_of(
            prefix, lambda s: s.list_incidents(org_code=None, status=None)
        )
    assert trips[5] == trips[500] <= 2
    one_by_one = [await writer.get(f"TL-TEST{n:05d}") for n in reversed(range(500))]
    assert listed[500] == one_by_one
    assert len(listed[5]) == 5


async def test_round_trips_of_the_schools_do_not_grow_with_their_number(
    prefix: str, redis_client: aioredis.Redis
) -> None:
    """Reading every school takes two round trips, for one school as for forty."""
    writer = RedisStore(redis_client, prefix=prefix)
    trips = []
    for count in (1, 40):
        for n in range(count):
            org = dataclasses.replace(demo.organization(), code=f"S{n:02d}")
            await writer.put_organization(org, overwrite=True)
        found, orgs = await round_trips_of(prefix, lambda s: s.organizations())
        assert [o.code for o in orgs] == [f"S{n:02d}" for n in range(count)]
        trips.append(found)
    assert trips == [2, 2]
