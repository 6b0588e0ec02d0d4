"""What the parts of the incident service share (tipline/service.py): the ports, the
effects, the text rule, and the one compare-and-set loop every change goes through.

A change reads the incident, decides with the engine, and stores with compare-and-set;
when another change got in first it reads again (`until_stored`). Contention is a handful
of people on one incident.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from escalation import commands, engine
from escalation.errors import EscalationError
from tipline import models
from tipline.effects import EffectRunner
from tipline.errors import AppError, not_found
from tipline.ports import (
    Appended,
    Broadcaster,
    Budget,
    Clock,
    Deadlines,
    Directory,
    EffectsOutbox,
    IncidentStore,
    MessageLog,
    Notifier,
)

MAX_TEXT = 8000
# Reads of one change before it gives up with `conflict`: the one retry policy.
MAX_ATTEMPTS = 8
log = logging.getLogger("tipline.service")

T = TypeVar("T")


class Again(enum.Enum):
    """What an attempt returns when another change was stored first: read again."""

    AGAIN = enum.auto()


AGAIN = Again.AGAIN


async def until_stored(attempt: Callable[[], Awaitable[T | Again]]) -> T:
    """Run `attempt` (one read, decision and compare-and-set) until it is not `AGAIN`;
    `conflict` after MAX_ATTEMPTS of them."""
    for _ in range(MAX_ATTEMPTS):
        result = await attempt()
        if not isinstance(result, Again):
            return result
    raise busy()


def clean_text(text: str) -> str:
    """PROTOCOL.md: 1 to 8,000 characters after trimming white space. A lone UTF-16 surrogate
    (a client that cut an emoji in half) becomes U+FFFD: it has no UTF-8 form to store."""
    if not text.isascii():
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    trimmed = text.strip()
    if not trimmed:
        raise AppError("empty", "the text is empty")
    if len(trimmed) > MAX_TEXT:
        raise AppError("too_long", f"the text is longer than {MAX_TEXT} characters")
    return trimmed


def busy() -> AppError:
    return AppError("conflict", "the incident changed many times at once; try again")


class Casework:
    """The ports and the effects of the service's parts, and what they all do with them."""

    def __init__(
        self,
        *,
        directory: Directory,
        incidents: IncidentStore,
        messages: MessageLog,
        broadcaster: Broadcaster,
        deadlines: Deadlines,
        notifier: Notifier | None,
        clock: Clock,
        outbox: EffectsOutbox | None = None,
    ) -> None:
        self.directory = directory
        self.incidents = incidents
        self.messages = messages
        self.broadcaster = broadcaster
        self.clock = clock
        self.effects = EffectRunner(
            post_system=self.post_system,
            broadcaster=broadcaster,
            deadlines=deadlines,
            notifier=notifier,
            outbox=outbox,
        )
        self._background: set[asyncio.Task[None]] = set()

    # -- changes ---------------------------------------------------------------------------
    async def school(self, incident: models.Incident) -> models.Organization:
        org = await self.directory.organization(incident.org_code)
        if org is None:
            raise not_found("school")
        return org

    async def decide(
        self, incident: models.Incident, command: commands.Command, *, by: str
    ) -> engine.Outcome:
        """A person's command through the engine; its refusal with the code it carries."""
        org = await self.school(incident)
        try:
            return engine.apply(incident, command, by=by, now=self.clock.now(), org=org)
        except EscalationError as exc:
            raise AppError(exc.code, exc.message) from None

    async def store(
        self, read: models.Incident, outcome: engine.Outcome
    ) -> models.Incident | Again:
        """The outcome stored if the incident is still as `read`, with the record of its
        durable effects (tipline/effects.py); AGAIN otherwise."""
        stored = await self.incidents.update(
            outcome.incident,
            expected_version=read.version,
            steps=outcome.steps,
            effects=self.effects.durable(
                outcome.incident, outcome.effects, version=read.version + 1
            ),
        )
        return AGAIN if stored is None else stored

    async def system_change(
        self,
        incident_id: str,
        decide: Callable[[models.Incident, models.Organization], engine.Outcome | None],
        *,
        event: str,
    ) -> None:
        """A change nobody clicked (triage, the reporter's return): read, decide, store with
        compare-and-set, run its effects. A decision with no effects changes nothing."""

        async def attempt() -> tuple[engine.Outcome, models.Incident] | Again | None:
            incident = await self.incidents.get(incident_id)
            if incident is None:
                return None
            outcome = decide(incident, await self.school(incident))
            if outcome is None or not outcome.effects:
                return None
            stored = await self.store(incident, outcome)
            return AGAIN if isinstance(stored, Again) else (outcome, stored)

        done = await until_stored(attempt)
        if done is None:
            return
        outcome, stored = done
        log.info(
            event,
            extra={
                "incident_id": incident_id,
                "action": outcome.steps[0].action if outcome.steps else None,
                "urgency": stored.urgency.value,
            },
        )
        await self.effects.run(stored, outcome.effects, actor=None)

    # -- messages --------------------------------------------------------------------------
    async def append(
        self,
        incident_id: str,
        *,
        sender: models.Sender,
        text: str,
        dedupe_key: str | None,
        origin: str | None,
        budget: Budget | None = None,
        author: models.Author | None = None,
    ) -> Appended:
        """Append a message (deduplicated by `dedupe_key`) and push it to the conversation,
        but to `origin`, which has the ack."""
        appended = await self.messages.append(
            incident_id,
            sender=sender,
            text=text,
            at=self.clock.now(),
            dedupe_key=dedupe_key,
            budget=budget,
            author=author,
        )
        if not appended.duplicate:
            await self.broadcaster.message(appended.message, origin=origin)
        return appended

    async def post_system(self, incident_id: str, text: str, dedupe_key: str) -> Appended:
        """A system message: ours, never limited."""
        return await self.append(
            incident_id,
            sender=models.Sender.SYSTEM,
            text=clean_text(text),
            dedupe_key=dedupe_key,
            origin=None,
        )

    # -- work after the ack ----------------------------------------------------------------
    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Triage that follows an ack; `close()` cancels what is still running."""
        task = asyncio.create_task(work, name="retriage")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop re-triaging (the process stops): reports keep their first verdict."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
