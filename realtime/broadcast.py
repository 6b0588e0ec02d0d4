"""The Broadcaster port on python-socketio: rooms, so it works across processes as well."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import socketio
from socketio.async_pubsub_manager import AsyncPubSubManager

from realtime import coarse, incident_wire, rooms
from tipline import models


@runtime_checkable
class NamespacesEmitter(Protocol):
    """A client manager that sends one event to a room in several namespaces at once
    (adapters/fanout.py: one publish across processes instead of one per namespace)."""

    async def emit_in_namespaces(
        self,
        event: str,
        data: Any,
        *,
        namespaces: tuple[str, ...],
        room: str,
        skip_sid: str | None = None,
    ) -> None: ...


class SocketBroadcaster:
    """Emits `incident:new`, `incident:updated` and `message` to the rooms allowed to see them."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        # With the in-process manager this process knows every member of a room; with the
        # pub/sub one (several processes) a room may have members elsewhere.
        manager = sio.manager
        self._rooms_are_local = not isinstance(manager, AsyncPubSubManager)
        self._emitter = manager if isinstance(manager, NamespacesEmitter) else None

    async def _to_responders(self, event: str, incident: models.Incident) -> None:
        wire = incident_wire.of(incident)
        # Agents see every school; a school's admins see only their own, to the minute.
        await self._sio.emit(event, wire, room=rooms.AGENTS, namespace=rooms.RESPOND)
        await self._sio.emit(
            event,
            coarse.incident(wire),
            room=rooms.admins(incident.org_code),
            namespace=rooms.RESPOND,
        )

    async def incident_new(self, incident: models.Incident) -> None:
        await self._to_responders("incident:new", incident)

    async def incident_updated(self, incident: models.Incident) -> None:
        await self._to_responders("incident:updated", incident)

    async def message(self, message: models.Message, *, origin: str | None) -> None:
        await self._to_joined_admins(message, origin)
        wire = message.to_wire()
        room = rooms.incident(message.incident_id)
        if message.author is not None:
            # Responders see who wrote it; the reporter only ever sees "responder".
            for namespace, data in (
                (rooms.REPORT, wire),
                (rooms.RESPOND, message.to_responder_wire()),
            ):
                if self._rooms_are_local and not self._anyone_else(namespace, room, origin):
                    continue
                await self._sio.emit(
                    "message", data, room=room, skip_sid=origin, namespace=namespace
                )
            return
        if self._emitter is not None:
            await self._emitter.emit_in_namespaces(
                "message",
                wire,
                namespaces=(rooms.REPORT, rooms.RESPOND),
                room=room,
                skip_sid=origin,
            )
            return
        # A sid is unique per namespace connection, so skipping it in both is harmless.
        for namespace in (rooms.REPORT, rooms.RESPOND):
            if self._rooms_are_local and not self._anyone_else(namespace, room, origin):
                # Usually the sender's own side: nobody to send to, so the packet is not
                # encoded for nobody (docs/performance.md: the second emit's cost).
                continue
            await self._sio.emit("message", wire, room=room, skip_sid=origin, namespace=namespace)

    async def _to_joined_admins(self, message: models.Message, origin: str | None) -> None:
        """The school admins in the conversation get the message with its minute only."""
        room = rooms.incident_admins(message.incident_id)
        if self._rooms_are_local and not self._anyone_else(rooms.RESPOND, room, origin):
            return  # usually: no admin has this conversation open
        data = coarse.message(message.to_responder_wire())
        await self._sio.emit("message", data, room=room, skip_sid=origin, namespace=rooms.RESPOND)

    def _anyone_else(self, namespace: str, room: str, origin: str | None) -> bool:
        return any(sid != origin for sid, _ in self._sio.manager.get_participants(namespace, room))

    async def alert_agents(self, incident: models.Incident, *, reason: str) -> None:
        """`incident:alert` to the agents: the console plays a sound and shows a notification."""
        await self._sio.emit(
            "incident:alert", _alert(incident, reason), room=rooms.AGENTS, namespace=rooms.RESPOND
        )

    async def alert_admins(self, incident: models.Incident, *, reason: str) -> None:
        """`incident:alert` to the admins of the incident's school."""
        await self._sio.emit(
            "incident:alert",
            _alert(incident, reason),
            room=rooms.admins(incident.org_code),
            namespace=rooms.RESPOND,
        )


def _alert(incident: models.Incident, reason: str) -> dict[str, Any]:
    """The `incident:alert` payload."""
    return {
        "incident_id": incident.incident_id,
        "reason": reason,
        "urgency": incident.urgency.value,
        # So that the alarm names the school even before the incident itself arrives.
        "org_code": incident.org_code,
        "org_name": incident.org_name or incident.org_code,
        "claimed_by": incident.claimed_by,
        "status": incident.status.value,
    }
