"""Room names, shared by the namespaces and the broadcaster."""

from __future__ import annotations

REPORT = "/report"
RESPOND = "/respond"
AGENTS = "agents"


def incident(incident_id: str) -> str:
    """Every connection of one conversation: the reporter's and each joined responder's."""
    return f"inc:{incident_id}"


def admins(org_code: str) -> str:
    """The admins of one school."""
    return f"admins:{org_code}"
