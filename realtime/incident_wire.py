"""The `Incident` that responders receive: PROTOCOL.md's fields and what may be done now.

`actions` is read off the escalation's transition table (`escalation.machine.allowed`), so
that the console shows what the engine would accept and never works it out again from
`status` and `claimed_by`. One wire goes to every responder of a room, so it carries both
sides of the holder rule: `holder` (what the responder in `claimed_by` may do) and `others`
(what anyone else who may see it may do); the two are the same while nobody holds it.
"""

from __future__ import annotations

from typing import Any

from escalation import engine
from tipline import models


def of(incident: models.Incident) -> dict[str, Any]:
    """The responders' wire dict of `incident`, with its allowed `actions`."""
    return incident.to_wire() | {"actions": actions(incident)}


def actions(incident: models.Incident) -> dict[str, list[str]]:
    """`{"holder": [...], "others": [...]}`: action names in a fixed order."""
    return {
        "holder": [a.value for a in engine.allowed_actions(incident, incident.claimed_by)],
        "others": [a.value for a in engine.allowed_actions(incident, None)],
    }
