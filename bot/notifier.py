"""The Slack notifier: the Notifier port as jobs in the durable outbox, never a direct call.

A step is stored first, then its Slack jobs are queued here in the same order; the delivery
worker (bot.delivery) sends them. So a step never waits on Slack, Slack being down loses
nothing, and the jobs of one incident reach Slack in the order they were taken.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from tipline.models import Incident, Step
from tipline.ports import SlackOutbox

POST = "post"  # chat.postMessage of the incident's message in the agents' channel
UPDATE = "update"  # chat.update of that message from the incident as it is then
REPLY = "reply"  # a step as a line in the message's thread
ALERT = "alert"  # a re-page or a suggestion in the thread, mentioning the on-duty agents
TRANSLATOR = "translator"  # a request in the translators' channel


def job(kind: str, **fields: Any) -> str:
    """A job as the outbox stores it (sorted keys: two equal jobs are equal strings)."""
    return json.dumps({"kind": kind, **fields}, sort_keys=True, separators=(",", ":"))


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
        await self._enqueue(incident.incident_id, [job(POST)], once=POST)

    async def update(self, incident: Incident, step: Step) -> None:
        await self._enqueue(incident.incident_id, [job(UPDATE), job(REPLY, step=step.to_wire())])

    async def alert(self, incident: Incident, reason: str) -> None:
        await self._enqueue(incident.incident_id, [job(ALERT, reason=reason)])

    async def translator(self, incident: Incident, *, by: str) -> None:
        """Ask the translators' channel for help with the incident's language."""
        await self._enqueue(incident.incident_id, [job(TRANSLATOR, by=by)])

    async def _enqueue(
        self, incident_id: str, bodies: list[str], *, once: str | None = None
    ) -> None:
        if await self._outbox.enqueue(incident_id, bodies, once=once, now_ms=self._now_ms()):
            self._wake()
