"""Room names, shared by the namespaces and the broadcaster."""

from __future__ import annotations

REPORT = "/report"
RESPOND = "/respond"
AGENTS = "agents"


def incident(incident_id: str) -> str:
    """Every connection of one conversation: the reporter's and each joined responder's."""
    return f"inc:{incident_id}"


def incident_admins(incident_id: str) -> str:
    """The school admins who joined one conversation: they get its times to the minute
    (realtime/coarse.py), so they are not in `incident`'s room with the agents."""
    return f"inc:{incident_id}:admins"


def admins(org_code: str) -> str:
    """The admins of one school."""
    return f"admins:{org_code}"
