"""Routing: who hears about an incident, and when, given its urgency and the school's hours.

- emergency: agents at once, day or night; Slack post; re-page until claimed.
- urgent: agents now, for review; the school's admins now in school hours, else at the
  next opening (a durable ADMINS deadline, so a restart in between loses nothing).
- routine: the school's queue; admins now in school hours, else at the next opening.
"""

from __future__ import annotations

import datetime as dt

from escalation import effects as fx
from escalation import schedule
from tipline.models import Deadline, DeadlineKind, Incident, Organization, Urgency

EMERGENCY_ACTIONS = frozenset({"triage", "set_urgency"})


def key(incident_id: str, kind: DeadlineKind) -> str:
    """The deadline key: one pending deadline per incident and kind."""
    return f"{incident_id}:{kind.value}"


def deadline(incident: Incident, kind: DeadlineKind, due: dt.datetime) -> fx.ScheduleDeadline:
    """Schedule `kind` for `incident`, stamped with its current audit-trail length."""
    return fx.ScheduleDeadline(
        Deadline(
            key=key(incident.incident_id, kind),
            incident_id=incident.incident_id,
            kind=kind,
            due=due,
            generation=len(incident.escalation),
        )
    )


def cancel(incident: Incident, *kinds: DeadlineKind) -> list[fx.Effect]:
    return [fx.CancelDeadline(key(incident.incident_id, k)) for k in kinds]


def slack_posted(incident: Incident) -> bool:
    """Whether the incident was ever an emergency, hence has its Slack message."""
    return any(
        s.urgency is Urgency.EMERGENCY and s.action in EMERGENCY_ACTIONS
        for s in incident.escalation
    )


def page(incident: Incident, now: dt.datetime, *, posted: bool) -> list[fx.Effect]:
    """An emergency: alert agents, post to Slack once, re-page while unclaimed."""
    out: list[fx.Effect] = [fx.NotifyAgents(fx.Alert.EMERGENCY)]
    if not posted:
        out.append(fx.SlackPost())
    if incident.claimed_by is None and incident.policy is not None:
        due = now + dt.timedelta(seconds=incident.policy.claim_timeout_s)
        out.append(deadline(incident, DeadlineKind.REPAGE, due))
    return out


def admins(
    incident: Incident, org: Organization, now: dt.datetime, reason: fx.Alert
) -> list[fx.Effect]:
    """Tell the school's admins now in school hours, else at the next opening."""
    if schedule.is_open(org, now):
        return [fx.NotifyAdmins(reason)]
    opening = schedule.next_opening(org, now)
    if opening is None:
        # A school with no hours at all: telling it now beats never telling it.
        return [fx.NotifyAdmins(reason)]
    return [deadline(incident, DeadlineKind.ADMINS, opening)]


def route(
    incident: Incident,
    org: Organization,
    now: dt.datetime,
    *,
    posted: bool,
    admin_reason: fx.Alert = fx.Alert.NEW_REPORT,
) -> list[fx.Effect]:
    """The alerts for the incident's current urgency (at intake or after a change)."""
    if incident.urgency is Urgency.EMERGENCY:
        return page(incident, now, posted=posted)
    out: list[fx.Effect] = []
    if incident.urgency is Urgency.URGENT and incident.claimed_by is None:
        out.append(fx.NotifyAgents(fx.Alert.REVIEW))
    return out + admins(incident, org, now, admin_reason)
