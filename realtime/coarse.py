"""When things happened, as a school's admins see it: to the minute (docs/anonymity.md).

A report's time to the millisecond, next to a school's own network or door logs, can say
who was typing on which device then. Agents of the center work to the second (the audit
trail, the re-page timers); a school's admins get every time of the wire cut to its minute,
which is all a person reading a case needs. Pure functions of wire dicts: the edge applies
them to what goes to an admin, and nothing stored changes.
"""

from __future__ import annotations

from typing import Any

from tipline import models


def minute(iso: str) -> str:
    """`2026-12-01T23:46:44.123Z` -> `2026-12-01T23:46:00.000Z` (still ISO-8601 UTC)."""
    moment = models.parse_iso(iso).replace(second=0, microsecond=0)
    return models.iso(moment)


def incident(wire: dict[str, Any]) -> dict[str, Any]:
    """An Incident's wire dict with its creation and every step to the minute."""
    return {
        **wire,
        "created_at": minute(wire["created_at"]),
        "escalation": [{**step, "at": minute(step["at"])} for step in wire["escalation"]],
    }


def message(wire: dict[str, Any]) -> dict[str, Any]:
    """A Message's wire dict with its time to the minute."""
    return {**wire, "at": minute(wire["at"])}


def for_responder(responder: models.Responder, wire: dict[str, Any]) -> dict[str, Any]:
    """An Incident as `responder` may see it: agents exact, admins to the minute."""
    return incident(wire) if responder.role is models.Role.ADMIN else wire


def messages_for(responder: models.Responder, wires: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as `responder` may see them: agents exact, admins to the minute."""
    return [message(m) for m in wires] if responder.role is models.Role.ADMIN else wires
