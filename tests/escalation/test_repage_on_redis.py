"""The engine and the Redis deadline store together, driven by a fake clock."""

from __future__ import annotations

import datetime as dt

import redis.asyncio as aioredis

from adapters.deadlines import DeadlineStore, sweep_once
from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine
from tests.clock import FakeClock
from tests.escalation import factories as f
from tipline.models import Deadline, Incident


class Harness:
    """A one-incident stand-in for the composition root: runs outcomes against the store."""

    def __init__(self, store: DeadlineStore, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.incident: Incident = f.incident()
        self.pages: list[dt.datetime] = []

    async def run(self, outcome: engine.Outcome) -> None:
        self.incident = outcome.incident
        for effect in outcome.effects:
            if isinstance(effect, fx.ScheduleDeadline):
                await self.store.schedule(effect.deadline)
            elif isinstance(effect, fx.CancelDeadline):
                await self.store.cancel(effect.key)
            elif isinstance(effect, fx.NotifyAgents):
                self.pages.append(self.clock.now())

    async def fired(self, deadline: Deadline) -> None:
        await self.run(engine.deadline_fired(self.incident, deadline, self.clock.now()))

    async def sweep_minutes(self, minutes: int) -> None:
        for _ in range(minutes * 6):
            self.clock.advance(10)
            await sweep_once(self.store, self.clock, self.fired)


async def test_unclaimed_emergency_repages_every_interval_until_claimed(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Paged at once, re-paged at 3, 6 and 9 minutes, and never again after the claim."""
    clock = FakeClock(f.NIGHT)
    harness = Harness(DeadlineStore(redis_client, prefix), clock)
    await harness.run(engine.triaged(harness.incident, f.org(), clock.now()))
    await harness.sweep_minutes(10)
    minutes = [(t - f.NIGHT).total_seconds() / 60 for t in harness.pages]
    assert minutes == [0, 3, 6, 9]
    claim = engine.apply(harness.incident, cmd.Claim(), by="a1", now=clock.now(), org=f.org())
    await harness.run(claim)
    await harness.sweep_minutes(30)
    suggestion = [s for s in harness.incident.escalation if s.action == "suggest_next_contact"]
    assert [s.contact for s in suggestion] == [f.SECONDARY]
    assert len(harness.pages) == 5  # four pages, then one suggestion after the claim
    assert await harness.store.pending() == 0
