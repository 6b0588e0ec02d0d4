"""Reports coming in (a part of the incident service, tipline/service.py): the school of an
access code, the gate, the first triage, the idempotent create, the way back in with a
receipt, and the model's later verdict on a report filed without it.
"""

from __future__ import annotations

import asyncio
import logging

from escalation import engine
from tipline import admission, credentials, guessing, logs, models, report_client, retriage
from tipline import pow as proof_of_work
from tipline import triage as triage_service
from tipline.casework import Casework, busy, clean_text
from tipline.errors import AppError, not_found
from tipline.ports import Filed, Triager

# How long a report may wait for the model before it is filed on the safety net's verdict
# (the model reads it afterwards and may raise it): the answer never waits on a model that
# is loading or busy with a flood (issue #15, #19). The model usually answers in 20-50 ms.
MODEL_WAIT_S = 1.0
log = logging.getLogger("tipline.service")


class Intake:
    """Reporters' way in: `organization` ... `file_report` of `tipline.ports.UseCases`."""

    def __init__(
        self,
        core: Casework,
        *,
        triager: Triager,
        gate: admission.ReportGate,
        guesses: guessing.GuessGate,
        urgent_offhours: bool = False,
    ) -> None:
        self._core = core
        self._incidents = core.incidents
        self._triager = triager
        self._gate = gate
        self._guesses = guesses
        # Urgent reports go to Slack too while their school is closed (escalation.routing).
        self._urgent_offhours = urgent_offhours
        self.model_wait_s = MODEL_WAIT_S

    async def organization(self, org_code: str) -> models.Organization:
        org = await self._core.directory.organization(org_code.strip().upper())
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
        now = self._core.clock.now()
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
        durable = self._core.effects.durable(incident, outcome.effects, version=1)
        earlier = await self._store_report(incident, receipt, client, durable)
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
        await self._core.effects.run(incident, outcome.effects, actor=None)
        for verdict in pending:
            self._core.in_background(self._retriage(incident.incident_id, verdict))
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
        self,
        incident: models.Incident,
        receipt: str,
        client: report_client.ReportClient | None,
        effects: str | None,
    ) -> Filed | None:
        """Store a new report with the record of its durable `effects`; with a client id
        only if no try of it got in first, whose answer is returned instead (two tries at
        once: one incident)."""
        receipt_hash = credentials.receipt_hash(receipt)
        if client is None:
            await self._incidents.create(incident, receipt_hash=receipt_hash, effects=effects)
            return None
        holder = await self._incidents.create_once(
            incident,
            receipt_hash=receipt_hash,
            client_key=client.key,
            sealed_receipt=client.seal(receipt, incident.incident_id),
            window_s=report_client.RETRY_WINDOW_S,
            effects=effects,
        )
        if holder == incident.incident_id:
            return None
        earlier = await self._filed_before(client, incident.text)
        if earlier is None:  # the record vanished between two reads: its window just ended
            raise busy()
        return earlier

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
            return retriage.retriaged(incident, verdict, org=org, now=self._core.clock.now())

        await self._core.system_change(incident_id, decide, event="incident.retriaged")
