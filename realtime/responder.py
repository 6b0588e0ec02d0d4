"""Namespace `/respond`: agents (every school) and school admins (their own school only)."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from escalation import commands
from realtime import budget, coarse, connect, incident_wire, payloads, rooms
from realtime.boundary import Ack, guarded
from realtime.namespace import Namespace
from tipline import models
from tipline.errors import AppError
from tipline.ports import UseCases

log = logging.getLogger("tipline.realtime")


class RespondNamespace(Namespace):
    def __init__(self, service: UseCases) -> None:
        super().__init__(rooms.RESPOND)
        self._service = service

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admit a responder by token into the rooms of what they may see; past the free
        budget of wrong tokens, with a solved proof of work in `auth["pow"]`."""
        auth = auth if isinstance(auth, dict) else {}
        token = auth.get("token")
        limit = self._service.limits.guess_failures_per_connection
        try:
            budget.attempt_allowed(environ, limit=limit)
            responder = (
                await self._service.authenticate(token, proof=connect.proof_in(auth))
                if isinstance(token, str)
                else None
            )
        except AppError as exc:  # this connection's budget, or a proof of work needed
            log.info("respond.connect_refused", extra={"code": exc.code})
            raise connect.refused(exc) from None
        except Exception:
            log.exception("respond.connect_failed")
            raise socketio.exceptions.ConnectionRefusedError(
                "the service is briefly unavailable", {"code": "unavailable"}
            ) from None
        if responder is None:
            budget.attempt_failed(environ)
            log.info("respond.connect_refused")
            raise socketio.exceptions.ConnectionRefusedError(
                "unknown or missing token", {"code": "bad_token"}
            )
        await self.save_session(sid, {"responder": responder})
        if responder.role is models.Role.AGENT:
            await self.enter_room(sid, rooms.AGENTS)
        elif responder.org_code:
            await self.enter_room(sid, rooms.admins(responder.org_code))

    async def _responder(self, sid: str) -> models.Responder:
        responder: models.Responder = (await self.get_session(sid))["responder"]
        return responder

    @guarded
    async def on_responder_me(self, sid: str, data: Any) -> Ack:
        """`responder:me`: who this connection is (the console tells its own messages apart)."""
        responder = await self._responder(sid)
        return {
            "ok": True,
            "responder_id": responder.responder_id,
            "name": responder.name,
            "role": responder.role.value,
            "org_code": responder.org_code,
        }

    @guarded
    async def on_incident_list(self, sid: str, data: Any) -> Ack:
        """`incident:list`: a page newest first, only what this responder may see; the first
        page holds every open emergency and unclaimed urgent one; `next` asks for more."""
        payload = payloads.IncidentList.model_validate({} if data is None else data)
        status = None if payload.status == "all" else models.Status(payload.status)
        responder = await self._responder(sid)
        page = await self._service.page_for(
            responder, status, limit=payload.limit, before=payload.before
        )
        listed = [coarse.for_responder(responder, incident_wire.of(i)) for i in page.incidents]
        return {"ok": True, "incidents": listed, "next": page.next}

    @guarded
    async def on_incident_join(self, sid: str, data: Any) -> Ack:
        """`incident:join`: the incident, its whole conversation, and its live messages."""
        payload = payloads.IncidentRef.model_validate(data)
        responder = await self._responder(sid)
        incident = await self._service.join(responder, payload.incident_id)
        admin = responder.role is models.Role.ADMIN
        room = rooms.incident_admins if admin else rooms.incident
        await self.enter_room(sid, room(incident.incident_id))
        messages = await self._service.since(incident.incident_id, 0)
        return {
            "ok": True,
            "incident": coarse.for_responder(responder, incident_wire.of(incident)),
            "messages": coarse.messages_for(responder, [m.to_responder_wire() for m in messages]),
        }

    @guarded
    async def on_incident_claim(self, sid: str, data: Any) -> Ack:
        """`incident:claim`: exactly one responder wins; the holder may ask again."""
        payload = payloads.IncidentRef.model_validate(data)
        responder = await self._responder(sid)
        claimed = await self._service.claim(responder, payload.incident_id)
        if claimed.holder != responder.responder_id:
            raise AppError("already_claimed", f"already claimed by {claimed.holder}")
        wire = coarse.for_responder(responder, incident_wire.of(claimed.incident))
        return {"ok": True, "claimed_by": claimed.holder, "incident": wire}

    @guarded
    async def on_message_send(self, sid: str, data: Any) -> Ack:
        """`message:send`: a responder writes to the reporter."""
        payload = payloads.ResponderMessage.model_validate(data)
        # One read of the session for both the responder and the budget, saved back as the
        # `session()` context manager would (which builds a class on every call).
        session = await self.get_session(sid)
        responder: models.Responder = session["responder"]
        limits = self._service.limits
        budget.spend(
            session,
            "message",
            limit=limits.messages_per_connection * 4,  # one agent, many conversations
            window_s=limits.message_window_s,
        )
        await self.save_session(sid, session)
        await self._service.check_visible(responder, payload.incident_id)
        appended = await self._service.post(
            payload.incident_id,
            sender=models.Sender.RESPONDER,
            text=payload.text,
            dedupe_key=f"p:{responder.responder_id}:{payload.client_id}",
            origin=sid,
            author=responder,
        )
        return {"ok": True, "seq": appended.message.seq}

    @guarded
    async def on_messages_since(self, sid: str, data: Any) -> Ack:
        """`messages:since`: what this responder missed of one conversation."""
        payload = payloads.ResponderSince.model_validate(data)
        responder = await self._responder(sid)
        await self._service.check_visible(responder, payload.incident_id)
        messages = await self._service.since(payload.incident_id, payload.after_seq)
        wires = [m.to_responder_wire() for m in messages]
        return {"ok": True, "messages": coarse.messages_for(responder, wires)}

    @guarded
    async def on_incident_step(self, sid: str, data: Any) -> Ack:
        """`incident:step`: one escalation step, decided by the escalation engine."""
        payload = payloads.IncidentStep.model_validate(data)
        command = commands.from_step(
            payload.action,
            outcome=payload.outcome,
            urgency=payload.urgency,
            resolution=payload.resolution,
            note=payload.note.strip() or None if payload.note else None,
        )
        responder = await self._responder(sid)
        incident = await self._service.step(responder, payload.incident_id, command)
        return {"ok": True, "incident": coarse.for_responder(responder, incident_wire.of(incident))}

    @guarded
    async def on_report_phone(self, sid: str, data: Any) -> Ack:
        """`report:phone`: a responder files a report taken on the hotline for a caller."""
        payload = payloads.PhoneReport.model_validate(data)
        responder = await self._responder(sid)
        org = await self._service.organization(payload.org_code)
        if not responder.may_see(org.code):
            raise AppError("unknown_org", "no school has this access code")
        filed = await self._service.file_report(
            org_code=org.code,
            text=payload.text,
            category=payload.category,
            channel=models.Channel.PHONE,
            filed_by=responder.responder_id,
        )
        return {"ok": True, "incident_id": filed.incident.incident_id, "receipt": filed.receipt}
