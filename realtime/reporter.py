"""Namespace `/report`: anonymous reporters.

Nothing about the connection (address, user agent, headers, sid) is stored or logged: the
session lives in this process's memory only and holds the school and the incident id.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from realtime import budget, connect, payloads, rooms
from realtime.boundary import Ack, error, guarded
from realtime.namespace import Namespace
from tipline import errors, models
from tipline import pow as proof_of_work
from tipline.errors import AppError
from tipline.ports import UseCases

log = logging.getLogger("tipline.realtime")
# Challenges one connection may ask for a minute: a page asks once a report (again after a
# refusal); handing one out writes nothing, so this only bounds wasted signing.
CHALLENGES_PER_MINUTE = 30


def pow_of(answer: payloads.PowAnswer | None) -> proof_of_work.Proof | None:
    return proof_of_work.Proof(answer.challenge, answer.nonce) if answer else None


class ReportNamespace(Namespace):
    def __init__(self, service: UseCases) -> None:
        super().__init__(rooms.REPORT)
        self._service = service

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admit a reporter with a school's access code or a receipt; refuse anything else."""
        auth = auth if isinstance(auth, dict) else {}
        try:
            if isinstance(auth.get("receipt"), str):
                proof = connect.proof_in(auth)
                incident = await self._resume(environ, auth["receipt"], proof)
                await self._enter(sid, incident.org_code, incident.incident_id)
            elif isinstance(auth.get("org_code"), str):
                org = await self._service.admit_reporter(auth["org_code"])
                await self._enter(sid, org.code, None)
            else:
                raise AppError("auth_required", "connect with an access code or a receipt")
        except AppError as exc:
            log.info("report.connect_refused", extra={"code": exc.code})
            raise connect.refused(exc) from None
        except Exception:
            log.exception("report.connect_failed")
            raise socketio.exceptions.ConnectionRefusedError(
                "the service is briefly unavailable", {"code": "unavailable"}
            ) from None

    async def _resume(
        self, environ: dict[str, Any], receipt: str, proof: proof_of_work.Proof | None
    ) -> models.Incident:
        """`resume`, within this connection's budget of wrong receipts (this connection
        only: a new one starts with its own, whatever others do)."""
        budget.attempt_allowed(environ, limit=self._service.limits.guess_failures_per_connection)
        try:
            return await self._service.resume(receipt, proof=proof)
        except AppError as exc:
            if exc.code == "bad_receipt":
                budget.attempt_failed(environ)
            raise

    async def _enter(self, sid: str, org_code: str, incident_id: str | None) -> None:
        async with self.session(sid) as session:
            session.update(org_code=org_code, incident_id=incident_id)
        if incident_id:
            await self.enter_room(sid, rooms.incident(incident_id))

    async def _incident_id(self, sid: str) -> str:
        session = await self.get_session(sid)
        incident_id: str | None = session.get("incident_id")
        if not incident_id:
            raise AppError("no_report", "file a report first")
        return incident_id

    @guarded
    async def on_report_create(self, sid: str, data: Any) -> Ack:
        """`report:create`: classify, store, tell the responders; the receipt goes back once."""
        payload = payloads.ReportCreate.model_validate(data)
        limits = self._service.limits
        async with self.session(sid) as session:
            try:
                budget.spend(
                    session,
                    "report",
                    limit=limits.reports_per_connection,
                    window_s=limits.report_window_s,
                )
                spent = False
            except AppError:
                spent = True  # refused unless the rules call it an emergency (admission)
        proof = pow_of(payload.pow)
        try:
            filed = await self._service.file_report(
                org_code=session["org_code"],
                text=payload.text,
                category=payload.category,
                client_id=payload.client_id,
                proof=proof,
                connection_spent=spent,
            )
        except errors.RefusedError as exc:
            return error(exc.code, exc.message) | {"pow": exc.challenge.to_wire()}
        try:
            if session.get("incident_id"):
                await self.leave_room(sid, rooms.incident(session["incident_id"]))
            await self._enter(sid, filed.incident.org_code, filed.incident.incident_id)
        except KeyError:
            # python-socketio's "Session not found": the reporter left while the report was
            # filed. It is stored; a retry with the same client_id gets the same receipt.
            log.info("report.reporter_left", extra={"incident_id": filed.incident.incident_id})
        # `urgency` (additive): the page tells the reporter what happens next after an
        # emergency (docs/protocol-extensions.md).
        return {
            "ok": True,
            "incident_id": filed.incident.incident_id,
            "receipt": filed.receipt,
            "urgency": filed.incident.urgency.value,
        }

    @guarded
    async def on_pow_challenge(self, sid: str, data: Any) -> Ack:
        """`pow:challenge`: a proof of work to solve before `report:create` (admission)."""
        async with self.session(sid) as session:
            budget.spend(session, "pow", limit=CHALLENGES_PER_MINUTE, window_s=60.0)
        challenge = await self._service.pow_challenge(session["org_code"])
        return {"ok": True} | challenge.to_wire()

    @guarded
    async def on_message_send(self, sid: str, data: Any) -> Ack:
        """`message:send`: the reporter writes; a resent client_id is not stored twice."""
        payload = payloads.ReporterMessage.model_validate(data)
        # One read of the session for both the incident and the budget, saved back as the
        # `session()` context manager would (which builds a class on every call).
        session = await self.get_session(sid)
        incident_id: str | None = session.get("incident_id")
        if not incident_id:
            raise AppError("no_report", "file a report first")
        limits = self._service.limits
        budget.spend(
            session,
            "message",
            limit=limits.messages_per_connection,
            window_s=limits.message_window_s,
        )
        await self.save_session(sid, session)
        appended = await self._service.post(
            incident_id,
            sender=models.Sender.REPORTER,
            text=payload.text,
            dedupe_key=f"r:{payload.client_id}",
            origin=sid,
        )
        return {"ok": True, "seq": appended.message.seq}

    @guarded
    async def on_messages_since(self, sid: str, data: Any) -> Ack:
        """`messages:since`: what the reporter missed."""
        payload = payloads.ReporterSince.model_validate(data)
        incident_id = await self._incident_id(sid)
        messages = await self._service.since(incident_id, payload.after_seq)
        return {"ok": True, "messages": [m.to_wire() for m in messages]}

    @guarded
    async def on_report_get(self, sid: str, data: Any) -> Ack:
        """`report:get`: the reporter's own report (its text is not a chat message)."""
        incident = await self._service.own_report(await self._incident_id(sid))
        return {
            "ok": True,
            "incident_id": incident.incident_id,
            "text": incident.text,
            "created_at": models.iso(incident.created_at),
            "status": incident.status.value,
        }
