"""The chat of an incident (a part of the incident service, tipline/service.py): people's
messages with their budget, the "responder joined" line, and what a reporter's message
does to its incident (reopens it, raises it).

A reporter coming back with the receipt to a case the live window let go (only the record
has it; a write there is `archived`) is heard as inside the window: the incident is brought
back into Redis from the record (`restore`, adapters/live_rebuild.py `LiveRestore`) and the
message goes on as any other, reopening it. A responder's change to such a case stays
`archived` (docs/record.md says why).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from escalation import engine
from tipline import logs, models
from tipline.casework import Casework, clean_text
from tipline.errors import AppError
from tipline.limits import Limits
from tipline.ports import Appended, Budget, BudgetSpent, Triager

# Incidents whose join line this process has stored, remembered up to this many (then the
# store's dedupe still says it once).
KNOWN_GREETED = 50_000
log = logging.getLogger("tipline.service")


class Conversation:
    """Both sides' messages: `post` and `since` of `tipline.ports.UseCases`."""

    def __init__(
        self,
        core: Casework,
        *,
        triager: Triager,
        limits: Limits,
        restore: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        """`restore`: brings an incident only the record has back into the live store
        (None: a reporter's message on one is refused `archived`, as a responder's is)."""
        self._core = core
        self._triager = triager
        self.limits = limits
        self._restore = restore
        self._greeted: set[str] = set()  # incidents whose "responder joined" line is stored

    async def post(
        self,
        incident_id: str,
        *,
        sender: models.Sender,
        text: str,
        dedupe_key: str | None,
        origin: str | None,
        author: models.Responder | None = None,
    ) -> Appended:
        """Append a message (deduplicated by `dedupe_key`) and push it to the conversation.

        `author`: the responder writing (responders see who; the reporter never does). Their
        first reply tells the reporter a responder joined, if no claim did before. A reporter
        writing on a resolved incident reopens it; what a reporter writes can raise the
        incident (`_triage_message`)."""
        text = clean_text(text)
        # System messages are ours and never limited; people's are, per incident and side.
        budget = None
        if sender is not models.Sender.SYSTEM:
            budget = Budget(self.limits.messages_per_incident, self.limits.message_window_s)
        if author is not None:
            await self._say_joined(incident_id)
        written = models.Author(author.responder_id, author.name) if author else None

        async def append() -> Appended:
            try:
                return await self._core.append(
                    incident_id,
                    sender=sender,
                    text=text,
                    dedupe_key=dedupe_key,
                    origin=origin,
                    budget=budget,
                    author=written,
                )
            except BudgetSpent:
                raise _rate_limited("messages in this conversation") from None

        try:
            appended = await append()
        except AppError as exc:
            if exc.code != "archived" or sender is not models.Sender.REPORTER or not self._restore:
                raise
            # The reporter came back after the live window: bring the case back, then on.
            await self._restore(incident_id)
            appended = await append()
        if sender is models.Sender.REPORTER:
            # A resent duplicate reopens too: the first try may have stored it and failed after.
            back = appended.status is models.Status.RESOLVED
            if back:
                await self._reporter_wrote(incident_id, None)
            if back or not appended.duplicate:
                self._core.in_background(self._triage_message(incident_id, text, returned=back))
        return appended

    async def since(self, incident_id: str, after_seq: int) -> list[models.Message]:
        return await self._core.messages.since(incident_id, after_seq)

    async def _say_joined(self, incident_id: str) -> None:
        """The "responder joined" line, once per incident (the store deduplicates; this
        process remembers, so a responder's later messages cost no extra round trip)."""
        if incident_id in self._greeted:
            return
        await self._core.effects.say(incident_id, engine.responder_replied())
        if len(self._greeted) >= KNOWN_GREETED:
            self._greeted.pop()
        self._greeted.add(incident_id)

    async def _triage_message(self, incident_id: str, text: str, *, returned: bool) -> None:
        """After the ack, never before it: a reporter's message raises its incident when the
        safety net hears a life threat in it ("he has the gun with him NOW" on a bullying
        report). On a case the reporter came back to (`returned`), the model reads it too.
        Chat messages on open cases are not all sent to the model: at chat rates it would
        queue behind every school's reports (docs/classifier.md)."""
        with logs.bind_incident(incident_id):
            try:
                net = await self._triager.safety_net(text)
                if net.urgency is models.Urgency.EMERGENCY:
                    await self._reporter_wrote(incident_id, net.urgency)
                if returned:
                    incident = await self._core.incidents.get(incident_id)
                    if incident is not None:
                        verdict = await self._triager.submit(text, school=incident.org_code)
                        await self._reporter_wrote(incident_id, verdict.urgency)
            except Exception:
                log.exception("message.triage_failed", extra={"incident_id": incident_id})

    async def _reporter_wrote(self, incident_id: str, urgency: models.Urgency | None) -> None:
        """The reporter wrote: a resolved incident reopens (at once, at its own urgency,
        before the ack); `urgency`, a classifier's verdict on the message, only raises."""
        now = self._core.clock.now

        def decide(incident: models.Incident, org: models.Organization) -> engine.Outcome:
            raised = urgency or incident.urgency
            return engine.reporter_wrote(incident, urgency=raised, org=org, now=now())

        await self._core.system_change(incident_id, decide, event="incident.reporter_wrote")


def _rate_limited(what: str) -> AppError:
    return AppError("rate_limited", f"too many {what} right now; please wait a minute")
