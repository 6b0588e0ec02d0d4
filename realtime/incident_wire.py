"""The `Incident` that responders receive: PROTOCOL.md's fields and what may be done now.

`actions` is read off the escalation's transition table (`escalation.machine.allowed`), so
that the console shows what the engine would accept and never works it out again from
`status` and `claimed_by`. One wire goes to every responder of a room, so it carries both
sides of the holder rule: `holder` (what the responder in `claimed_by` may do) and `others`
(what anyone else who may see it may do); the two are the same while nobody holds it.

`read_only` says whether the incident can be changed at all: one read from the record (it
left the live window, docs/record.md) cannot, whatever its state allows, so its `actions`
are empty and `read_only_reason` says why (`archived`, or `purged` when retention emptied
its texts). A reporter's message brings it back to Redis, and its next wire is live again.
"""

from __future__ import annotations

from typing import Any

from escalation import engine
from tipline import models

NO_ACTIONS: dict[str, list[str]] = {"holder": [], "others": []}


def of(incident: models.Incident) -> dict[str, Any]:
    """The responders' wire dict of `incident`, with its allowed `actions` and `read_only`."""
    if not incident.from_record:
        return incident.to_wire() | {"actions": actions(incident), "read_only": False}
    reason = "purged" if incident.purged_at is not None else "archived"
    return incident.to_wire() | {
        "actions": {side: list(names) for side, names in NO_ACTIONS.items()},
        "read_only": True,
        "read_only_reason": reason,
    }


def actions(incident: models.Incident) -> dict[str, list[str]]:
    """`{"holder": [...], "others": [...]}`: action names in a fixed order."""
    return {
        "holder": [a.value for a in engine.allowed_actions(incident, incident.claimed_by)],
        "others": [a.value for a in engine.allowed_actions(incident, None)],
    }
