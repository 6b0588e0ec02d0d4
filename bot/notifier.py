"""The Slack notifier: the Notifier port as jobs in the durable outbox, never a direct call.

A step is stored first, then its Slack jobs are queued here in the same order; the delivery
worker (bot.delivery) sends them. So a step never waits on Slack, Slack being down loses
nothing, and the jobs of one incident reach Slack in the order they were taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot import jobs
from tipline.models import Incident, Step
from tipline.ports import SlackCopy, SlackOutbox


def wall_ms() -> int:
    """Milliseconds since the epoch. The outbox runs on Slack's time (Retry-After is
    wall-clock seconds), not on the service's injectable clock."""
    return int(time.time() * 1000)


class SlackNotifier:
    """Implements the Notifier port on a SlackOutbox; `wake` nudges this process's worker."""

    def __init__(
        self,
        outbox: SlackOutbox,
        *,
        wake: Callable[[], None] = lambda: None,
        now_ms: Callable[[], int] = wall_ms,
    ) -> None:
        self._outbox = outbox
        self._wake = wake
        self._now_ms = now_ms

    async def post(self, incident: Incident) -> None:
        # Once per incident across every process: the outbox refuses a second post job.
        await self._enqueue(incident.incident_id, [jobs.Post()], once=jobs.POST_ONCE)

    async def update(self, incident: Incident, step: Step, *, once: str | None = None) -> None:
        await self._enqueue(incident.incident_id, [jobs.Update(), jobs.Reply(step)], once=once)

    async def alert(self, incident: Incident, reason: str, *, once: str | None = None) -> None:
        await self._enqueue(incident.incident_id, [jobs.Alert(reason)], once=once)

    async def translator(self, incident: Incident, *, by: str) -> None:
        """Ask the translators' channel for help with the incident's language."""
        await self._enqueue(incident.incident_id, [jobs.Translator(by)])

    async def scrub(self, copy: SlackCopy, *, after_s: float = 0.0) -> bool:
        """Queue the scrub of a purged incident's Slack copy, due `after_s` from now, once per
        incident across processes (the SlackScrubs port, for adapters/retention.py)."""
        body = jobs.encode(jobs.Scrub(copy))
        due_ms = self._now_ms() + int(after_s * 1000)
        queued = await self._outbox.enqueue(
            copy.incident_id, [body], once=jobs.SCRUB_ONCE, now_ms=due_ms
        )
        if queued:
            self._wake()
        return queued

    async def scrub_queued(self, incident_id: str) -> None:
        await self._outbox.release(incident_id, jobs.SCRUB_ONCE)

    async def _enqueue(
        self, incident_id: str, queued: Sequence[jobs.Job], *, once: str | None = None
    ) -> None:
        bodies = [jobs.encode(job) for job in queued]
        if await self._outbox.enqueue(incident_id, bodies, once=once, now_ms=self._now_ms()):
            self._wake()
