"""The incident service: what reporters and responders can do, whatever edge they come from.

Socket.IO (`realtime/`) and Slack (`bot/`) both call this, so the two can never disagree.
It talks to the world only through ports; the composition root injects the adapters.
"""

from __future__ import annotations

import dataclasses
import logging

from tipline import credentials, models
from tipline.errors import AppError, forbidden, not_found
from tipline.ports import (
    Appended,
    Broadcaster,
    Claimed,
    Clock,
    Directory,
    IncidentStore,
    MessageLog,
    Triager,
)

MAX_TEXT = 8000
log = logging.getLogger("tipline.service")

JOINED_TEXT = "A trained responder has joined the conversation."


def clean_text(text: str) -> str:
    """PROTOCOL.md: 1 to 8,000 characters after trimming white space."""
    trimmed = text.strip()
    if not trimmed:
        raise AppError("empty", "the text is empty")
    if len(trimmed) > MAX_TEXT:
        raise AppError("too_long", f"the text is longer than {MAX_TEXT} characters")
    return trimmed


@dataclasses.dataclass(frozen=True, slots=True)
class Filed:
    """A new report: the incident and the receipt, which is shown once and never stored."""

    incident: models.Incident
    receipt: str


class IncidentService:
    """Use cases of reporters and responders."""

    def __init__(
        self,
        *,
        directory: Directory,
        incidents: IncidentStore,
        messages: MessageLog,
        triager: Triager,
        broadcaster: Broadcaster,
        clock: Clock,
    ) -> None:
        self._directory = directory
        self._incidents = incidents
        self._messages = messages
        self._triager = triager
        self._broadcaster = broadcaster
        self._clock = clock

    # -- reporters -------------------------------------------------------------------------
    async def organization(self, org_code: str) -> models.Organization:
        org = await self._directory.organization(org_code.strip().upper())
        if org is None:
            raise AppError("unknown_org", "no school has this access code")
        return org

    async def resume(self, receipt: str) -> models.Incident:
        """The incident a receipt opens; the same refusal for a malformed or unknown one."""
        incident_id = await self._incidents.by_receipt(credentials.receipt_hash(receipt))
        incident = await self._incidents.get(incident_id) if incident_id else None
        if incident is None:
            raise AppError("bad_receipt", "this receipt opens no report")
        return incident

    async def file_report(
        self,
        *,
        org_code: str,
        text: str,
        category: models.Category | None = None,
        channel: models.Channel = models.Channel.WEB,
        filed_by: str | None = None,
    ) -> Filed:
        org = await self.organization(org_code)
        text = clean_text(text)
        triage = await self._triager.triage(text)
        now = self._clock.now()
        steps = [
            models.Step(
                at=now,
                by="triage",
                action="triage",
                urgency=triage.urgency,
                note=f"{triage.category.value}, {triage.language}: " + "; ".join(triage.reasons),
            )
        ]
        if filed_by:
            steps.append(models.Step(at=now, by=filed_by, action="phone_report"))
        incident = models.Incident(
            incident_id=credentials.new_incident_id(),
            org_code=org.code,
            text=text,
            channel=channel,
            created_at=now,
            triage=triage,
            urgency=triage.urgency,
            # The reporter's own choice of category wins over the model's guess; the model's
            # stays in `triage` and in the audit trail.
            category=category or triage.category,
            policy=org.policy,
            escalation=tuple(steps),
            version=1,
        )
        receipt = credentials.new_receipt()
        await self._incidents.create(incident, receipt_hash=credentials.receipt_hash(receipt))
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
        await self._broadcaster.incident_new(incident)
        return Filed(incident=incident, receipt=receipt)

    # -- both sides ------------------------------------------------------------------------
    async def post(
        self,
        incident_id: str,
        *,
        sender: models.Sender,
        text: str,
        dedupe_key: str | None,
        origin: str | None,
    ) -> Appended:
        """Append a message (deduplicated by `dedupe_key`) and push it to the conversation."""
        appended = await self._messages.append(
            incident_id,
            sender=sender,
            text=clean_text(text),
            at=self._clock.now(),
            dedupe_key=dedupe_key,
        )
        if not appended.duplicate:
            await self._broadcaster.message(appended.message, origin=origin)
        return appended

    async def since(self, incident_id: str, after_seq: int) -> list[models.Message]:
        return await self._messages.since(incident_id, after_seq)

    # -- responders ------------------------------------------------------------------------
    async def authenticate(self, token: str) -> models.Responder | None:
        return await self._directory.responder_by_token_hash(credentials.token_hash(token))

    async def visible(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """The incident if `responder` may see it; `not_found` otherwise (never `forbidden`,
        so an admin cannot probe another school's incident ids)."""
        incident = await self._incidents.get(incident_id)
        if incident is None or not responder.may_see(incident.org_code):
            raise not_found()
        return incident

    async def list_for(
        self, responder: models.Responder, status: models.Status | None
    ) -> list[models.Incident]:
        scope = None if responder.role is models.Role.AGENT else responder.org_code
        if responder.role is models.Role.ADMIN and not scope:
            raise forbidden("this admin belongs to no school")
        return await self._incidents.list_incidents(org_code=scope, status=status)

    async def join(self, responder: models.Responder, incident_id: str) -> models.Incident:
        """Let `responder` into the conversation; the reporter hears of the first join."""
        incident = await self.visible(responder, incident_id)
        await self.post(
            incident_id,
            sender=models.Sender.SYSTEM,
            text=JOINED_TEXT,
            # Once per responder and incident, however often they come back.
            dedupe_key=f"join:{responder.responder_id}",
            origin=None,
        )
        return incident

    async def claim(self, responder: models.Responder, incident_id: str) -> Claimed:
        await self.visible(responder, incident_id)
        step = models.Step(at=self._clock.now(), by=responder.responder_id, action="claim")
        claimed = await self._incidents.claim(
            incident_id, responder=responder.responder_id, step=step
        )
        if claimed is None:
            raise not_found()
        if claimed.taken:
            log.info("incident.claimed", extra={"incident_id": incident_id})
            await self._broadcaster.incident_updated(claimed.incident)
        return claimed
