"""Routing: who hears about an incident, and when, given its urgency and the school's hours.

- emergency: agents at once, day or night; Slack post; re-page until claimed.
- urgent: agents now, for review; the school's admins now in school hours, else at the
  next opening (a durable ADMINS deadline, so a restart in between loses nothing). Posted
  to Slack too, while nobody holds it, when its policy snapshot says so (`Policy.slack_urgent`:
  the deployment's `urgent_offhours` is on and the school was closed when it came in).
- routine: the school's queue; admins now in school hours, else at the next opening.

Whatever routing posted has its Slack message, and every later step updates it: `slack_posted`
reads that off the audit trail, the one answer to "is it in Slack" (the engine, re-triage and
the effect runner all ask it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from escalation import effects as fx
from escalation import schedule
from tipline.models import Deadline, DeadlineKind, Incident, Organization, Policy, Urgency

# The steps that set an incident's urgency (and so route it again when it changes).
URGENCY_STEPS = frozenset({"triage", "set_urgency"})
# The steps after which a responder holds the incident (a reopen holds for a responder).
_HOLDS = frozenset({"claim", "take_over"})
REPORTER = "reporter"  # the `by` of the reopen step when the reporter writes on a resolved case


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


def snapshot(incident: Incident, org: Organization, *, urgent_offhours: bool) -> Policy:
    """The policy a new incident runs under: the school's, and whether its urgent reports go
    to Slack (`urgent_offhours` and the school closed when the report came in). Taken once,
    so that a later change of the setting or of the school's hours changes no running case."""
    if urgent_offhours and not schedule.is_open(org, incident.created_at):
        return dataclasses.replace(org.policy, slack_urgent=True)
    return org.policy


def posts(urgency: Urgency, *, held: bool, policy: Policy | None) -> bool:
    """Whether routing an incident of `urgency` puts it in Slack: an emergency always; an
    urgent report that nobody holds when its policy snapshot says so."""
    if urgency is Urgency.EMERGENCY:
        return True
    return urgency is Urgency.URGENT and not held and policy is not None and policy.slack_urgent


def slack_posted(incident: Incident) -> bool:
    """Whether the incident has its Slack message: whether routing posted it at a step of its
    trail. Replays the trail's routing points, oldest first, with the urgency and holder the
    incident had at each (the engine routes on an urgency change and on the reporter's
    reopen; a claim, a take-over and a responder's reopen hold it, the reporter's frees it)."""
    urgency: Urgency | None = None
    held = False
    for step in incident.escalation:
        routed = False
        if step.action in URGENCY_STEPS and step.urgency is not None:
            routed, urgency = step.urgency is not urgency, step.urgency
        elif step.action in _HOLDS:
            held = True
        elif step.action == "reopen":
            held = step.by != REPORTER
            routed = not held
        if routed and urgency is not None and posts(urgency, held=held, policy=incident.policy):
            return True
    return False


def _post(incident: Incident, *, posted: bool) -> list[fx.Effect]:
    """The Slack post, if routing the incident now puts it in Slack and it is not there yet."""
    held = incident.claimed_by is not None
    if posted or not posts(incident.urgency, held=held, policy=incident.policy):
        return []
    return [fx.SlackPost()]


def page(incident: Incident, now: dt.datetime, *, posted: bool) -> list[fx.Effect]:
    """An emergency: alert agents, post to Slack once, re-page while unclaimed."""
    out: list[fx.Effect] = [fx.NotifyAgents(fx.Alert.EMERGENCY), *_post(incident, posted=posted)]
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
        out += _post(incident, posted=posted)
    return out + admins(incident, org, now, admin_reason)
