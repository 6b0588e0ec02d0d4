"""Effects: what the caller must do after a step, as data. The engine does no I/O.

Execute them in order. `AppendStep` is already reflected in `Outcome.incident.escalation`;
it is there so that a caller storing the trail as a list (the store's `update(steps=...)`)
knows exactly which steps are new.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Literal

from tipline.models import Deadline, Step


class Alert(enum.StrEnum):
    """Why people are alerted (a console sound, a Slack mention, later an SMS)."""

    EMERGENCY = "emergency"  # a new (or newly raised) emergency: claim it now
    REVIEW = "review"  # an urgent report for an agent to review now
    REPAGE = "repage"  # an emergency is still unclaimed
    SUGGEST_NEXT = "suggest_next"  # no outcome for the current contact in time
    NEW_REPORT = "new_report"  # admins: a report for the school's queue
    URGENCY_CHANGED = "urgency_changed"
    REOPENED = "reopened"  # the reporter wrote on a resolved incident: it is open again


@dataclasses.dataclass(frozen=True, slots=True)
class Publish:
    """Emit the incident on the wire to every responder allowed to see it."""

    event: Literal["incident:new", "incident:updated"]


@dataclasses.dataclass(frozen=True, slots=True)
class NotifyAgents:
    """Alert the agents of the center (console and Slack)."""

    reason: Alert


@dataclasses.dataclass(frozen=True, slots=True)
class NotifyAdmins:
    """Alert the school's admins now (delayed notices come as an ADMINS deadline)."""

    reason: Alert


@dataclasses.dataclass(frozen=True, slots=True)
class SlackPost:
    """Post the emergency message with its claim button (once per incident)."""


@dataclasses.dataclass(frozen=True, slots=True)
class SlackUpdate:
    """Update the posted message and add `step` as a line in its thread."""

    step: Step


@dataclasses.dataclass(frozen=True, slots=True)
class MessageReporter:
    """Append a system message to the conversation (it takes a `seq`).

    `once`: a key said at most once per incident, ever (the "responder joined" line);
    None: once per stored version of the incident."""

    text: str
    once: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleDeadline:
    """Store `deadline`, replacing any pending one with the same key."""

    deadline: Deadline


@dataclasses.dataclass(frozen=True, slots=True)
class CancelDeadline:
    key: str


@dataclasses.dataclass(frozen=True, slots=True)
class AppendStep:
    """Persist `step` at the end of the incident's audit trail."""

    step: Step


Effect = (
    Publish
    | NotifyAgents
    | NotifyAdmins
    | SlackPost
    | SlackUpdate
    | MessageReporter
    | ScheduleDeadline
    | CancelDeadline
    | AppendStep
)
