"""Retention (issue #21, docs/operations.md "Retention"): what people wrote is kept a set time
after an incident's resolution, then purged from the record; the anonymous figures stay.

`Purger` walks the due incidents (adapters/record/purging.py) oldest first, a batch at a time,
each batch in one transaction with its rows locked (a second purger, in another process or
`tipline db purge`, skips them: nothing is counted twice). An incident that Redis still has
is never purged: its live window has not passed, or the archive has not written all of it
yet (the evictor keeps it then), and the record is not the whole of it. After a batch is
committed, the receipt keys that led its reporters back to it leave Redis too.

Every purge that removed something is logged as `record.purged`, one line per school, with
counts only (the school's code, incidents, messages, notes, Slack messages): never an
incident id.

Slack (docs/slack.md, "Retention"): a purged incident's Slack copy is marked due in the
purge's transaction; after the commit each due copy is queued as a scrub job in the Slack
outbox (once per incident: its once key), marked queued in the record, and its once key let
go. The outbox's delivery worker sends it and tells the record how it went. Redis away:
the copies stay due and the next round queues them.

A school's own period is its config's (`periods`), else the one the record stored with the
school when a server started with it, so `tipline db purge` without the config applies it.

In `tipline serve` a job in every process purges once an hour, one process at a time (a
PostgreSQL advisory lock held for the round: a process that dies lets it go with its
connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

import asyncpg
import redis.asyncio as aioredis

from adapters import reach
from adapters.record import purge as purging
from adapters.redis_keys import Keys
from tipline.models import Organization
from tipline.ports import Clock, SlackScrubs

log = logging.getLogger("tipline.retention")

BATCH = 200
EVERY_S = 3600.0
# Scrubs are queued this far apart: a backlog (the first purge after retention is turned on)
# goes out at 30 a minute, leaving most of Slack's chat.update budget (Tier 3, about 50 a
# minute per workspace) to the updates of live emergencies.
SCRUB_PACE_S = 2.0
_LOCK = "hashtextextended('tipline.retention.' || current_schema(), 0)"
# KEYS[1] a receipt key; ARGV[1] the incident it must lead to. A receipt key is removed only
# while it still names the purged incident.
_FORGET_RECEIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@reach.translated  # Redis or PostgreSQL out of reach: `unavailable` (adapters/reach.py)
class Purger:
    """Purges the record's due incidents that Redis no longer has."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        client: aioredis.Redis,
        *,
        prefix: str,
        periods: purging.Periods,
        clock: Clock,
        batch: int = BATCH,
        scrubs: SlackScrubs | None = None,
        scrub_pace_s: float = SCRUB_PACE_S,
    ) -> None:
        """`scrubs`: where the Slack copies of purged incidents are queued (None: they wait,
        due, in the record)."""
        self._pool = pool
        self._scrubs = scrubs
        self._pace_s = scrub_pace_s
        self._r = client
        self._keys = Keys(prefix)
        self.periods = periods
        self._clock = clock
        self._batch = batch
        self._forget = client.register_script(_FORGET_RECEIPT)

    async def live(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` whose incident Redis still has."""
        if not ids:
            return set()
        async with self._r.pipeline(transaction=False) as pipe:
            for incident_id in ids:
                pipe.exists(self._keys.incident(incident_id))
            found: list[int] = await pipe.execute()
        return {i for i, there in zip(ids, found, strict=True) if there}

    async def current_periods(self) -> purging.Periods:
        """The periods a purge applies now: the given ones, and the schools' own that the
        record stored and the given ones do not name."""
        async with self._pool.acquire() as conn:
            return await self._periods(conn)

    async def _periods(self, conn: purging.Conn) -> purging.Periods:
        stored = await purging.stored_periods(conn)
        given = self.periods
        return purging.Periods(given.default_days, {**stored, **given.by_school})

    async def scrubs_waiting(self) -> int:
        """Slack messages of incidents purged already that wait to be queued for a scrub."""
        async with self._pool.acquire() as conn:
            return await purging.scrubs_waiting(conn)

    async def plan(self) -> dict[str, purging.Tally]:
        """What a purge now would remove, per school (and what Redis keeps); changes nothing."""
        now = self._clock.now()
        totals: dict[str, purging.Tally] = {}
        cursor = purging.START
        async with self._pool.acquire() as conn:
            periods = await self._periods(conn)
            while True:
                found = await purging.due(conn, periods, now=now, after=cursor, limit=self._batch)
                if not found:
                    return totals
                _merge(totals, await purging.plan_batch(conn, found, self.live))
                cursor = (found[-1].created_at, found[-1].incident_id)

    async def purge(self) -> dict[str, purging.Tally]:
        """Purge every due incident Redis no longer has: the counts per school, logged."""
        now = self._clock.now()
        totals: dict[str, purging.Tally] = {}
        cursor = purging.START
        periods = await self.current_periods()
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                found = await purging.due(
                    conn, periods, now=now, after=cursor, limit=self._batch, lock=True
                )
                if not found:
                    break
                tallies, purged = await purging.purge_batch(conn, found, self.live, now=now)
            _merge(totals, tallies)
            await self._forget_receipts(purged)
            cursor = (found[-1].created_at, found[-1].incident_id)
        for code, tally in sorted(totals.items()):
            if tally.incidents:
                log.info(
                    "record.purged",
                    extra={
                        "school": code,
                        "incidents": tally.incidents,
                        "messages": tally.messages,
                        "notes": tally.notes,
                        "slack": tally.slack,
                    },
                )
        try:
            await self.queue_scrubs()
        except Exception as exc:  # Redis or the record away: they stay due for the next round
            log.warning("retention.scrub_retry", extra={"error": type(exc).__name__})
        return totals

    async def queue_scrubs(self) -> int:
        """Queue the scrub of every purged incident's Slack copy that is due; how many."""
        scrubs = self._scrubs
        if scrubs is None:
            return 0
        queued = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                copies = await purging.scrubs(conn, limit=self._batch)
                for n, copy in enumerate(copies, start=queued):
                    # Refused (False) when an earlier try queued it.
                    await scrubs.scrub(copy, after_s=n * self._pace_s)
                await purging.scrubs_queued(conn, [c.incident_id for c in copies])
            if not copies:
                return queued
            for copy in copies:
                await scrubs.scrub_queued(copy.incident_id)
            queued += len(copies)

    async def _forget_receipts(self, purged: Sequence[purging.Due]) -> None:
        for incident in purged:
            if incident.receipt_hash is not None:
                await self._forget(
                    keys=[self._keys.receipt(incident.receipt_hash)], args=[incident.incident_id]
                )

    async def round(self) -> dict[str, purging.Tally] | None:
        """A purge, if no other process is doing one now (None then)."""
        async with self._pool.acquire() as conn:
            if not await conn.fetchval(f"SELECT pg_try_advisory_lock({_LOCK})"):
                return None
            try:
                return await self.purge()
            finally:
                await conn.execute(f"SELECT pg_advisory_unlock({_LOCK})")

    async def run(self, stop: asyncio.Event, interval_s: float = EVERY_S) -> None:
        """Until `stop`: a round every `interval_s` (the first at once)."""
        while not stop.is_set():
            try:
                await self.round()
            except Exception as exc:  # the record or Redis away: the next round tries again
                log.warning("retention.retry", extra={"error": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)


def _merge(totals: dict[str, purging.Tally], batch: dict[str, purging.Tally]) -> None:
    for code, tally in batch.items():
        totals.setdefault(code, purging.Tally()).add(tally)


def periods_of(settings: Retention) -> purging.Periods:
    """The periods of a deployment's settings (`tipline serve` and `tipline db purge` both):
    its default, and each school that sets its own."""
    return purging.Periods(
        settings.retention_days,
        {o.code: o.retention_days for o in settings.organizations if o.retention_days is not None},
    )


class Retention(Protocol):
    """What the periods are read from (tipline.settings.Settings)."""

    @property
    def retention_days(self) -> int: ...
    @property
    def organizations(self) -> Sequence[Organization]: ...
