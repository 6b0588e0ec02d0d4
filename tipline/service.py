"""The incident service: what reporters and responders can do, whatever edge they come from.

Socket.IO (`realtime/`) and Slack (`bot/`) both call this, so the two can never disagree.
It talks to the world only through ports; the composition root injects the adapters.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from escalation import commands, engine
from escalation.errors import EscalationError
from tipline import admission, credentials, guessing, logs, models, report_client, retriage
from tipline import pow as proof_of_work
from tipline import triage as triage_service
from tipline.effects import EffectRunner
from tipline.errors import AppError, forbidden, not_found
from tipline.limits import Limits
from tipline.ports import (
    Appended,
    Broadcaster,
    Budget,
    BudgetSpent,
    Claimed,
    Clock,
    Deadlines,
    Directory,
    Filed,
    IncidentPage,
    IncidentStore,
    MessageLog,
    Notifier,
    Triager,
)

MAX_TEXT = 8000
# How long a report may wait for the model before it is filed on the safety net's verdict
# (the model reads it afterwards and may raise it): the answer never waits on a model that
# is loading or busy with a flood (issue #15, #19). The model usually answers in 20-50 ms.
MODEL_WAIT_S = 1.0
log = logging.getLogger("tipline.service")

# A step reads the incident, decides, and stores with compare-and-set; when another step got
# in first it reads again. Contention is a handful of people on one incident.
MAX_ATTEMPTS = 8
# Which school an incident belongs to never changes, so it is remembered per process: a
# responder's every message then skips reading the whole incident (a Redis round trip and
# the decoding of its document and trail; docs/performance.md). Bounded; oldest out first.
KNOWN_ORGS = 50_000


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


class IncidentService:
    """Use cases of reporters and responders (implements `tipline.ports.UseCases`)."""

    def __init__(
        self,
        *,
        directory: Directory,
        incidents: IncidentStore,
        messages: MessageLog,
        triager: Triager,
        broadcaster: Broadcaster,
        deadlines: Deadlines,
        notifier: Notifier | None,
        limits: Limits,
        clock: Clock,
        gate: admission.ReportGate,
        guesses: guessing.GuessGate,
        urgent_offhours: bool = False,
    ) -> None:
        # Urgent reports go to Slack too while their school is closed (escalation.routing).
        self._urgent_offhours = urgent_offhours
        self._gate = gate
        self._guesses = guesses
        self.limits = limits
        self._directory = directory
        self._incidents = incidents
        self._messages = messages
        self._triager = triager
        self._broadcaster = broadcaster
        self._clock = clock
        self._org_of: dict[str, str] = {}
        self._greeted: set[str] = set()  # incidents whose "responder joined" line is stored
        self._effects = EffectRunner(
            post_system=self._post_system,
            broadcaster=broadcaster,
            deadlines=deadlines,
            notifier=notifier,
        )
        self.model_wait_s = MODEL_WAIT_S
        self._retriaging: set[asyncio.Task[None]] = set()

    # -- reporters -------------------------------------------------------------------------
    async def organization(self, org_code: str) -> models.Organization:
        org = await self._directory.organization(org_code.strip().upper())
        if org is None:
            raise AppError("unknown_org", "no school has this access code")
        return org

    async def admit_reporter(self, org_code: str) -> models.Organization:
        """A new reporter connection for a school. No budget per school: access codes are
        public, so one would let anyone shut a school's tip line (issue #19); reports pay
        with a proof of work instead (tipline/admission.py)."""
        return await self.organization(org_code)

    async def pow_challenge(self, org_code: str) -> proof_of_work.Challenge:
        """A proof-of-work challenge for a report to the school (`pow:challenge`)."""
        return await self._gate.challenge(org_code)

    async def resume(
        self, receipt: str, *, proof: proof_of_work.Proof | None = None
    ) -> models.Incident:
        """The incident a receipt opens; the same refusal for a malformed or unknown one.
        Past the window's free budget of wrong receipts, checked only with a solved `proof`
        (`tipline.guessing`: RefusedError `pow_required` with a challenge otherwise)."""
        attempt = await self._guesses.attempt("receipt", proof)
        incident_id = await self._incidents.by_receipt(credentials.receipt_hash(receipt))
        incident = await self._incidents.get(incident_id) if incident_id else None
        if incident is None:
            await self._guesses.failed(attempt)
            raise AppError("bad_receipt", "this receipt opens no report")
        await self._guesses.succeeded(attempt)
        return incident

    async def own_report(self, incident_id: str) -> models.Incident:
        """The incident of a reporter's own session."""
        incident = await self._incidents.get(incident_id)
        if incident is None:
            raise not_found()
        return incident

    async def file_report(
        self,
        *,
        org_code: str,
        text: str,
        category: models.Category | None = None,
        channel: models.Channel = models.Channel.WEB,
        filed_by: str | None = None,
        client_id: str | None = None,
        proof: proof_of_work.Proof | None = None,
        connection_spent: bool = False,
    ) -> Filed:
        """Triage, store and route a report. An anonymous one passes the gate first (a proof
        of work, the small open lane, or the rules' emergency lane); a responder's does not."""
        org = await self.organization(org_code)
        text = clean_text(text)
        # A retry of a report already filed (same client id and text): the same answer, and
        # nothing spent again.
        client = report_client.ReportClient(org.code, client_id) if client_id else None
        if client is not None and (earlier := await self._filed_before(client, text)):
            return earlier
        if filed_by is None:
            await self._gate.admit(org.code, text, proof=proof, connection_spent=connection_spent)
        triage, pending = await self._first_triage(text, org.code)
        now = self._clock.now()
        draft = models.Incident(
            incident_id=credentials.new_incident_id(),
            org_code=org.code,
            text=text,
            channel=channel,
            created_at=now,
            triage=triage,
            urgency=triage.urgency,
            # The reporter's own choice of category wins over the model's guess; the model's
            # stays in `triage`.
            category=category or triage.category,
            version=1,
            org_name=org.name,
            org_timezone=org.timezone,
        )
        outcome = engine.triaged(
            draft, org, now, filed_by=filed_by or None, urgent_offhours=self._urgent_offhours
        )
        incident = outcome.incident
        receipt = credentials.new_receipt()
        earlier = await self._store_report(incident, receipt, client)
        if earlier is not None:
            for verdict in pending:
                verdict.cancel()
            return earlier
        log.info(
            "report.created",
            extra={
                "incident_id": incident.incident_id,
                "org": org.code,
                "urgency": incident.urgency.value,
                "category": incident.category.value,
                "channel": channel.value,
            },
        )
        await self._effects.run(incident, outcome.effects, actor=None)
        for verdict in pending:
            self._retriage_when_read(incident.incident_id, verdict)
        return Filed(incident=incident, receipt=receipt)

    async def _first_triage(
        self, text: str, school: str
    ) -> tuple[models.Triage, list[asyncio.Future[models.Triage]]]:
        """The verdict to file a report with, within `model_wait_s` whatever is loading,
        and the verdicts still to come (each re-triages the report when it arrives). The
        safety net answers at once once it is loaded; the model gets what is left of the
        wait when it is loaded, none while it loads; a safety-net emergency never waits (the
        model still reads it later, for its category and reasons)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.model_wait_s
        net = asyncio.ensure_future(self._triager.safety_net(text))
        model = self._triager.submit(text, school=school)
        if not (await asyncio.wait([net], timeout=self.model_wait_s))[0]:
            # The first seconds after a start: not even the rules are loaded yet.
            return triage_service.STARTING, [net, model]
        first = net.result()
        if first.urgency is models.Urgency.EMERGENCY or not self._triager.ready:
            return first, [model]
        if not (await asyncio.wait([model], timeout=max(0.0, deadline - loop.time())))[0]:
            return first, [model]
        if model.cancelled() or model.exception() is not None:
            return first, []
        return model.result(), []

    async def _filed_before(self, client: report_client.ReportClient, text: str) -> Filed | None:
        """The report this client id filed in its retry window, with its receipt; None when
        there is none. The same id with another text is refused, never answered."""
        found = await self._incidents.filed_with(client.key)
        if found is None:
            return None
        incident_id, sealed = found
        incident = await self._incidents.get(incident_id)
        receipt = client.unseal(sealed, incident_id)
        opens = await self._incidents.by_receipt(credentials.receipt_hash(receipt))
        if incident is None or incident.text != text or opens != incident_id:
            raise AppError("bad_request", "this client_id belongs to another report")
        log.info("report.retried", extra={"incident_id": incident_id})
        return Filed(incident=incident, receipt=receipt)

    async def _store_report(
        self, incident: models.Incident, receipt: str, client: report_client.ReportClient | None
    ) -> Filed | None:
        """Store a new report; with a client id only if no try of it got in first, whose
        answer is returned instead (two tries at once: one incident)."""
        receipt_hash = credentials.receipt_hash(receipt)
        if client is None:
            await self._incidents.create(incident, receipt_hash=receipt_hash)
            return None
        holder = await self._incidents.create_once(
            incident,
            receipt_hash=receipt_hash,
            client_key=client.key,
            sealed_receipt=client.seal(receipt, incident.incident_id),
            window_s=report_client.RETRY_WINDOW_S,
        )
        if holder == incident.incident_id:
            return None
        earlier = await self._filed_before(client, incident.text)
        if earlier is None:  # the record vanished between two reads: its window just ended
            raise _busy()
        return earlier

    def _retriage_when_read(self, incident_id: str, pending: asyncio.Future[models.Triage]) -> None:
        self._in_background(self._retriage(incident_id, pending))

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Triage that follows an ack; `close()` cancels what is still running."""
        task = asyncio.create_task(work, name="retriage")
        self._retriaging.add(task)
        task.add_done_callback(self._retriaging.discard)

    async def _retriage(self, incident_id: str, pending: asyncio.Future[models.Triage]) -> None:
        """Once the model has read a report filed on the safety net's verdict: its verdict
        goes in, the urgency only up (`tipline.retriage`). A process that stops first
        leaves the first verdict (at least urgent, for a person to review)."""
        await asyncio.wait([pending])
        if pending.cancelled() or pending.exception() is not None:
            return
        with logs.bind_incident(incident_id):
            try:
                await self._apply_model(incident_id, pending.result())
            except Exception:
                log.exception("retriage.failed", extra={"incident_id": incident_id})

    async def _apply_model(self, incident_id: str, verdict: models.Triage) -> None:
        def decide(incident: models.Incident, org: models.Organization) -> engine.Outcome | None:
            return retriage.retriaged(incident, verdict, org=org, now=self._clock.now())

        await self._system_change(incident_id, decide, event="incident.retriaged")

    async def _system_change(
        self,
        incident_id: str,
        decide: Callable[[models.Incident, models.Organization], engine.Outcome | None],
        *,
        event: str,
    ) -> None:
        """A change nobody clicked (triage, the reporter's return): read, decide, store with
        compare-and-set, run its effects; again when another step got in first. A decision
        with no effects changes nothing."""
        for _ in range(MAX_ATTEMPTS):
            incident = await self._incidents.get(incident_id)
            if incident is None:
                return
            org = await self._directory.organization(incident.org_code)
            if org is None:
                raise not_found("school")
            outcome = decide(incident, org)
            if outcome is None or not outcome.effects:
                return
            stored = await self._incidents.update(
                outcome.incident, expected_version=incident.version, steps=outcome.steps
            )
            if stored is None:
                continue
            log.info(
                event,
                extra={
                    "incident_id": incident_id,
                    "action": outcome.steps[0].action if outcome.steps else None,
                    "urgency": stored.urgency.value,
                },
            )
            await self._effects.run(stored, outcome.effects, actor=None)
            return
        raise _busy()

    async def close(self) -> None:
        """Stop re-triaging (the process stops): reports keep their first verdict."""
        for task in list(self._retriaging):
            task.cancel()
        await asyncio.gather(*self._retriaging, return_exceptions=True)

    # -- both sides ------------------------------------------------------------------------
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
        try:
            appended = await self._messages.append(
                incident_id,
                sender=sender,
                text=text,
                at=self._clock.now(),
                dedupe_key=dedupe_key,
                budget=budget,
                author=models.Author(author.responder_id, author.name) if author else None,
            )
        except BudgetSpent:
            raise _rate_limited("messages in this conversation") from None
        if not appended.duplicate:
            await self._broadcaster.message(appended.message, origin=origin)
        if sender is models.Sender.REPORTER:
            # A resent duplicate reopens too: the first try may have stored it and failed after.
            back = appended.status is models.Status.RESOLVED
            if back:
                await self._reporter_wrote(incident_id, None)
            if back or not appended.duplicate:
                self._in_background(self._triage_message(incident_id, text, returned=back))
        return appended

    async def _say_joined(self, incident_id: str) -> None:
        """The "responder joined" line, once per incident (the store deduplicates; this
        process remembers, so a responder's later messages cost no extra round trip)."""
        if incident_id in self._greeted:
            return
        await self._effects.say(incident_id, engine.responder_replied())
        if len(self._greeted) >= KNOWN_ORGS:
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
                    incident = await self._incidents.get(incident_id)
                    if incident is not None:
                        verdict = await self._triager.submit(text, school=incident.org_code)
                        await self._reporter_wrote(incident_id, verdict.urgency)
            except Exception:
                log.exception("message.triage_failed", extra={"incident_id": incident_id})

    async def _reporter_wrote(self, incident_id: str, urgency: models.Urgency | None) -> None:
        """The reporter wrote: a resolved incident reopens (at once, at its own urgency,
        before the ack); `urgency`, a classifier's verdict on the message, only raises."""

        def decide(incident: models.Incident, org: models.Organization) -> engine.Outcome:
            raised = urgency or incident.urgency
            return engine.reporter_wrote(incident, urgency=raised, org=org, now=self._clock.now())

        await self._system_change(incident_id, decide, event="incident.reporter_wrote")

    async def since(self, incident_id: str, after_seq: int) -> list[models.Message]:
        return await self._messages.since(incident_id, after_seq)

    # -- responders ------------------------------------------------------------------------
    async def authenticate(
        self, token: str, *, proof: proof_of_work.Proof | None = None
    ) -> models.Responder | None:
        """The responder of `token`, None for a wrong one; past the window's free budget of
        wrong tokens checked only with a solved `proof`, like receipts."""
        attempt = await self._guesses.attempt("token", proof)
        responder = await self._directory.responder_by_token_hash(credentials.token_hash(token))
        if responder is None:
            await self._guesses.failed(attempt)
        else:
            await self._guesses.succeeded(attempt)
        return responder

    async def visible(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """The incident if `responder` may see it; `not_found` otherwise (never `forbidden`,
        so an admin cannot probe another school's incident ids). An admin is refused from
        their own school's index alone, before the incident is read: the refusal takes the
        same store calls, and time, whether the id is another school's or made up."""
        if responder.role is not models.Role.AGENT and not (
            responder.org_code and await self._incidents.in_org(incident_id, responder.org_code)
        ):
            raise not_found()
        incident = await self._incidents.get(incident_id)
        if incident is None or not responder.may_see(incident.org_code):
            raise not_found()
        self._remember_org(incident)
        return incident

    async def check_visible(self, responder: models.Responder, incident_id: str) -> None:
        """What `visible` decides, without reading the incident when its school is known
        and visible; a refusal always goes through `visible` (the same path for all)."""
        org_code = self._org_of.get(incident_id)
        if org_code is None or not responder.may_see(org_code):
            await self.visible(responder, incident_id)

    def _remember_org(self, incident: models.Incident) -> None:
        if incident.incident_id in self._org_of:
            return
        if len(self._org_of) >= KNOWN_ORGS:
            del self._org_of[next(iter(self._org_of))]
        self._org_of[incident.incident_id] = incident.org_code

    async def list_for(
        self, responder: models.Responder, status: models.Status | None
    ) -> list[models.Incident]:
        scope = None if responder.role is models.Role.AGENT else responder.org_code
        if responder.role is models.Role.ADMIN and not scope:
            raise forbidden("this admin belongs to no school")
        return await self._incidents.list_incidents(org_code=scope, status=status)

    async def page_for(
        self,
        responder: models.Responder,
        status: models.Status | None,
        *,
        limit: int,
        before: str | None,
    ) -> IncidentPage:
        """`incident:list`, paged: the first page always holds every pinned incident that
        the responder may see (open emergencies, unclaimed urgent ones), however many newer
        reports a flood brought."""
        scope = None if responder.role is models.Role.AGENT else responder.org_code
        if responder.role is models.Role.ADMIN and not scope:
            raise forbidden("this admin belongs to no school")
        try:
            return await self._incidents.page_incidents(
                org_code=scope, status=status, limit=limit, before=before
            )
        except ValueError:
            raise AppError("bad_request", "before: not a cursor this list gave") from None

    async def join(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """Let `responder` into the conversation. Opening a case says nothing to the
        reporter: a claim or the first reply does (once)."""
        return await self.visible(responder, incident_id)

    async def claim(self, responder: models.Responder, incident_id: str) -> Claimed:
        """Exactly one responder wins; the store's claim is the arbiter of a race."""
        me = responder.responder_id
        for _ in range(MAX_ATTEMPTS):
            incident = await self.visible(responder, incident_id)
            if incident.claimed_by == me:
                return Claimed(incident=incident, holder=me, taken=False)
            outcome = await self._decide(incident, commands.Claim(), by=me)
            claimed = await self._incidents.claim(
                outcome.incident,
                holder=me,
                expected_version=incident.version,
                steps=outcome.steps,
            )
            if claimed is None:
                continue
            if claimed.taken:
                log.info("incident.claimed", extra={"incident_id": incident_id})
                await self._effects.run(claimed.incident, outcome.effects, actor=me)
            return claimed
        raise _busy()

    async def step(
        self, responder: models.Responder, incident_id: str, command: commands.Command
    ) -> models.Incident:
        """One escalation step (`incident:step`, or a Slack button) through the engine."""
        for _ in range(MAX_ATTEMPTS):
            incident = await self.visible(responder, incident_id)
            outcome = await self._decide(incident, command, by=responder.responder_id)
            stored = await self._incidents.update(
                outcome.incident, expected_version=incident.version, steps=outcome.steps
            )
            if stored is None:
                continue
            log.info(
                "incident.step",
                extra={"incident_id": incident_id, "action": outcome.steps[-1].action},
            )
            await self._effects.run(stored, outcome.effects, actor=responder.responder_id)
            return stored
        raise _busy()

    async def deadline_fired(self, deadline: models.Deadline) -> None:
        """A durable deadline came due (the sweeper calls this); stale ones do nothing."""
        for _ in range(MAX_ATTEMPTS):
            incident = await self._incidents.get(deadline.incident_id)
            if incident is None:
                return
            outcome = engine.deadline_fired(incident, deadline, self._clock.now())
            if not outcome.effects:
                return
            stored = await self._incidents.update(
                outcome.incident, expected_version=incident.version, steps=outcome.steps
            )
            if stored is not None:
                await self._effects.run(stored, outcome.effects, actor=None)
                return
        raise _busy()

    async def _decide(
        self, incident: models.Incident, command: commands.Command, *, by: str
    ) -> engine.Outcome:
        org = await self._directory.organization(incident.org_code)
        if org is None:
            raise not_found("school")
        try:
            return engine.apply(incident, command, by=by, now=self._clock.now(), org=org)
        except EscalationError as exc:  # the engine's refusal, with the code it carries
            raise AppError(exc.code, exc.message) from None

    async def _post_system(self, incident_id: str, text: str, dedupe_key: str) -> Appended:
        return await self.post(
            incident_id,
            sender=models.Sender.SYSTEM,
            text=text,
            dedupe_key=dedupe_key,
            origin=None,
        )


def _rate_limited(what: str) -> AppError:
    return AppError("rate_limited", f"too many {what} right now; please wait a minute")


def _busy() -> AppError:
    return AppError("conflict", "the incident changed many times at once; try again")
