"""The escalation engine: incident + command + time in, incident + effects out.

Pure: no I/O, no clock. The returned incident carries the new steps at the end of
`escalation` and the same `version` (the store bumps it on its compare-and-set); the
effects say what the caller must do. A claim is decided here but guarded in the store
(HSETNX), which alone can settle two agents clicking at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from escalation import commands as cmd
from escalation import effects as fx
from escalation import errors, machine, routing
from escalation.machine import ESCALATION, HELD, Action, Event, Facts, State
from tipline.models import (
    Contact,
    Deadline,
    DeadlineKind,
    Incident,
    Organization,
    Status,
    Step,
    Urgency,
)

SYSTEM = "escalation"  # the `by` of steps the engine takes on its own (re-page, suggestion)
REPORTER = routing.REPORTER  # the `by` of the reporter's reopen of a resolved case
TRIAGE = "triage"  # the `by` of triage and of the classifier raising a reporter's new message
JOINED = "A trained responder has joined the conversation."
# Said once per incident, ever: on the claim or on a responder's first reply, whichever is first.
JOINED_ONCE = "joined"
_JOINED = fx.MessageReporter(JOINED, once=JOINED_ONCE)
REOPENED = (
    "Your report had been closed. It is open again and responders have been alerted; "
    "someone will answer you here. If anyone is in danger right now, call 911."
)
_CONTACT_MOVES = frozenset({"claim", "contact_outcome", "next_contact", "law_enforcement"})
_ALL_KINDS = tuple(DeadlineKind)
# The step each deadline adds to the trail when it acts.
_DEADLINE_STEPS = {
    DeadlineKind.REPAGE: "repage",
    DeadlineKind.CONTACT: "suggest_next_contact",
    DeadlineKind.ADMINS: "admins_notified",
}
# The event each deadline fires: it acts only where the table allows that event.
_DEADLINE_EVENTS = {
    DeadlineKind.REPAGE: Event.CLAIM_TIMED_OUT,
    DeadlineKind.CONTACT: Event.CONTACT_TIMED_OUT,
    DeadlineKind.ADMINS: Event.ADMINS_NOTIFIED,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    incident: Incident
    effects: tuple[fx.Effect, ...]

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps this outcome appended, oldest first (for `IncidentStore.update`)."""
        return tuple(e.step for e in self.effects if isinstance(e, fx.AppendStep))


class _Draft:
    """Collects one call's changes; Slack lines follow every step once the post exists."""

    def __init__(self, incident: Incident, now: dt.datetime) -> None:
        self.incident = incident
        self.now = now
        self.effects: list[fx.Effect] = []
        self.posted = routing.slack_posted(incident)

    def step(self, by: str, action: str, **fields: Any) -> None:
        step = Step(at=self.now, by=by, action=action, **fields)
        self.incident = dataclasses.replace(
            self.incident, escalation=(*self.incident.escalation, step)
        )
        self.effects.append(fx.AppendStep(step))
        if self.posted:
            self.effects.append(fx.SlackUpdate(step))

    def change(self, **fields: Any) -> None:
        self.incident = dataclasses.replace(self.incident, **fields)

    def done(self, *tail: fx.Effect) -> Outcome:
        return Outcome(self.incident, (*self.effects, *tail))


def current_contact(incident: Incident) -> Contact | None:
    """Whom the agent calls now: a school contact, then law enforcement after the last."""
    policy = incident.policy
    if policy is None:
        return None
    if incident.contact_index < len(policy.contacts):
        return policy.contacts[incident.contact_index]
    return policy.law_enforcement


def allowed_actions(incident: Incident, by: str | None) -> tuple[Action, ...]:
    """What responder `by` may do now (None: anyone but the holder), from the table; none
    for a state this version does not know."""
    try:
        state = State(incident.state)
    except ValueError:
        return ()
    return machine.allowed(state, holder=by is not None and by == incident.claimed_by)


def triaged(
    incident: Incident,
    org: Organization,
    now: dt.datetime,
    *,
    filed_by: str | None = None,
    urgent_offhours: bool = False,
) -> Outcome:
    """Route a new incident: snapshot the school's policy, record triage, alert.
    `filed_by`: the responder who filed it for a caller (a `phone_report` step).
    `urgent_offhours`: the deployment posts urgent reports to Slack while the school is closed."""
    state = ESCALATION.fire(
        _state(incident), Event.TRIAGED, Facts(emergency=_is_emergency(incident.urgency))
    )
    draft = _Draft(incident, now)
    policy = incident.policy or routing.snapshot(incident, org, urgent_offhours=urgent_offhours)
    draft.change(state=state.value, status=Status.OPEN, policy=policy)
    draft.step("triage", "triage", urgency=incident.urgency)
    draft.effects += routing.route(draft.incident, org, now, posted=False)
    if filed_by is not None:
        draft.step(filed_by, "phone_report")
    return draft.done(fx.Publish("incident:new"))


def responder_replied() -> fx.MessageReporter:
    """A responder wrote to the reporter: the reporter hears that a responder joined. Once
    per incident, ever, however it came about (the claim says it too): the `once` key is
    checked where the message is appended, atomically, so two processes say it once."""
    return _JOINED


def apply(
    incident: Incident, command: cmd.Command, *, by: str, now: dt.datetime, org: Organization
) -> Outcome:
    """One responder step; InvalidTransition, AlreadyClaimed, NotHolder or BadCommand when
    refused. On a claimed incident only its holder may step; others take it over first."""
    if cmd.action_of(command) not in machine.ANYONE:
        _check_holder(incident, by)
    draft = _Draft(incident, now)
    match command:
        case cmd.Claim():
            _claim(draft, by)
        case cmd.ContactOutcome():
            _contact_outcome(draft, command, by)
        case cmd.NextContact():
            _next_contact(draft, command, by)
        case cmd.LawEnforcement():
            _law_enforcement(draft, command, by)
        case cmd.SetUrgency():
            _set_urgency(draft, command, by, org)
        case cmd.Resolve():
            _resolve(draft, command, by)
        case cmd.Reopen():
            _reopen(draft, command, by)
        case cmd.TakeOver():
            _take_over(draft, command, by)
        case _:
            raise errors.BadCommand(f"unknown command {command!r}")
    return draft.done(fx.Publish("incident:updated"))


def reporter_wrote(
    incident: Incident, *, urgency: Urgency, org: Organization, now: dt.datetime
) -> Outcome:
    """The reporter wrote; `urgency` is the classifier's verdict on that message.

    A resolved incident opens again, unclaimed, and is routed like a new report at the
    higher of its urgency and the message's (an emergency pages, posts to Slack once, and
    re-pages until claimed); the reporter is told. An open one is only ever raised, never
    lowered. Nothing happens otherwise."""
    draft = _Draft(incident, now)
    raised = Urgency.at_least(incident.urgency, urgency)
    state = _state(incident)
    if ESCALATION.allows(state, Event.REPORTER_WROTE):
        _reporter_reopen(draft, raised, org)
    elif raised is not incident.urgency and ESCALATION.allows(state, Event.URGENCY_CHANGED):
        _set_urgency(draft, cmd.SetUrgency(raised), TRIAGE, org)
    else:
        return draft.done()
    return draft.done(fx.Publish("incident:updated"))


def deadline_fired(incident: Incident, deadline: Deadline, now: dt.datetime) -> Outcome:
    """A stored deadline came due; nothing happens when the incident moved on."""
    draft = _Draft(incident, now)
    if not ESCALATION.allows(_state(incident), _DEADLINE_EVENTS[deadline.kind]):
        return draft.done()
    if _fired_since(incident, deadline):
        return draft.done()
    if deadline.kind is DeadlineKind.REPAGE:
        _repage(draft)
    elif deadline.kind is DeadlineKind.CONTACT and _contact_stalled(incident, deadline):
        _suggest_next(draft)
    elif deadline.kind is DeadlineKind.ADMINS:
        _fire(draft, Event.ADMINS_NOTIFIED)
        draft.step(SYSTEM, "admins_notified")
        draft.effects.append(fx.NotifyAdmins(fx.Alert.NEW_REPORT))
    else:
        return draft.done()
    return draft.done(fx.Publish("incident:updated"))


def _claim(draft: _Draft, by: str) -> None:
    holder = draft.incident.claimed_by
    if holder is not None and _state(draft.incident) in HELD:
        raise errors.AlreadyClaimed(f"already claimed by {holder}")
    state = _fire(draft, Event.CLAIMED)
    draft.change(state=state.value, claimed_by=by, contact_index=0)
    draft.step(by, "claim", contact=current_contact(draft.incident))
    draft.effects += routing.cancel(draft.incident, DeadlineKind.REPAGE)
    draft.effects.append(_JOINED)
    _start_contact_timer(draft)


def _check_holder(incident: Incident, by: str) -> None:
    holder = incident.claimed_by
    if holder is not None and holder != by and _state(incident) in HELD:
        raise errors.NotHolder(f"claimed by {holder}: take it over first")


def _take_over(draft: _Draft, command: cmd.TakeOver, by: str) -> None:
    if draft.incident.claimed_by == by:
        raise errors.InvalidTransition("you already hold this incident")
    state = _fire(draft, Event.TAKEN_OVER)
    draft.change(state=state.value, claimed_by=by)
    draft.step(by, "take_over", contact=current_contact(draft.incident), note=command.note)


def _contact_outcome(draft: _Draft, command: cmd.ContactOutcome, by: str) -> None:
    reached = command.outcome is cmd.ContactResult.REACHED
    state = _fire(draft, Event.CONTACT_OUTCOME, Facts(reached=reached))
    draft.change(state=state.value)
    draft.step(
        by,
        "contact_outcome",
        contact=current_contact(draft.incident),
        outcome=command.outcome.value,
        note=command.note,
    )
    if state is State.CONTACTING:
        _offer_next(draft)
        _start_contact_timer(draft)
    else:
        draft.effects += routing.cancel(draft.incident, DeadlineKind.CONTACT)


def _offer_next(draft: _Draft) -> None:
    """Not reached: name whom to call next (the next contact, or law enforcement)."""
    ahead = dataclasses.replace(draft.incident, contact_index=draft.incident.contact_index + 1)
    contact = current_contact(ahead)
    if contact is not None:
        draft.step(SYSTEM, "suggest_next_contact", contact=contact)


def _next_contact(draft: _Draft, command: cmd.NextContact, by: str) -> None:
    policy = draft.incident.policy
    index = draft.incident.contact_index
    has_next = policy is not None and index + 1 < len(policy.contacts)
    state = _fire(draft, Event.NEXT_CONTACT, Facts(has_next_contact=has_next))
    draft.change(state=state.value, contact_index=index + 1)
    draft.step(by, "next_contact", contact=current_contact(draft.incident), note=command.note)
    _start_contact_timer(draft)


def _law_enforcement(draft: _Draft, command: cmd.LawEnforcement, by: str) -> None:
    state = _fire(draft, Event.LAW_ENFORCEMENT_NOTIFIED)
    contacts = draft.incident.policy.contacts if draft.incident.policy else ()
    draft.change(state=state.value, contact_index=len(contacts))
    draft.step(by, "law_enforcement", contact=current_contact(draft.incident), note=command.note)
    draft.effects += routing.cancel(draft.incident, DeadlineKind.CONTACT)


def _set_urgency(draft: _Draft, command: cmd.SetUrgency, by: str, org: Organization) -> None:
    emergency = _is_emergency(command.urgency)
    state = _fire(draft, Event.URGENCY_CHANGED, Facts(emergency=emergency))
    before = draft.incident.urgency
    posted = draft.posted
    draft.change(state=state.value, urgency=command.urgency)
    draft.step(by, "set_urgency", urgency=command.urgency, note=command.note)
    if command.urgency is before:
        return
    if emergency:
        draft.effects += routing.page(draft.incident, draft.now, posted=posted)
        _start_contact_timer(draft)
        return
    # Lowered from emergency: stop paging and nagging, then route like any report.
    draft.effects += routing.cancel(draft.incident, DeadlineKind.REPAGE, DeadlineKind.CONTACT)
    draft.effects += routing.route(
        draft.incident, org, draft.now, posted=posted, admin_reason=fx.Alert.URGENCY_CHANGED
    )


def _resolve(draft: _Draft, command: cmd.Resolve, by: str) -> None:
    state = _fire(draft, Event.RESOLVED)
    draft.change(state=state.value, status=Status.RESOLVED)
    draft.step(by, "resolve", outcome=command.resolution.value, note=command.note)
    draft.effects += routing.cancel(draft.incident, *_ALL_KINDS)


def _reopen(draft: _Draft, command: cmd.Reopen, by: str) -> None:
    state = _fire(draft, Event.REOPENED)
    holder = draft.incident.claimed_by
    draft.change(state=state.value, status=Status.OPEN, claimed_by=by)
    if holder is not None and holder != by:
        # Whoever reopens works it: the change of hands is on the trail.
        draft.step(by, "take_over", contact=current_contact(draft.incident))
    draft.step(by, "reopen", note=command.note)
    _start_contact_timer(draft)


def _reporter_reopen(draft: _Draft, urgency: Urgency, org: Organization) -> None:
    state = _fire(draft, Event.REPORTER_WROTE, Facts(emergency=_is_emergency(urgency)))
    posted = draft.posted
    before = draft.incident.urgency
    draft.change(state=state.value, status=Status.OPEN, claimed_by=None, contact_index=0)
    draft.step(REPORTER, "reopen")
    if urgency is not before:
        draft.change(urgency=urgency)
        draft.step(TRIAGE, "set_urgency", urgency=urgency)
    # After the routing, so that a first Slack post comes before the thread's alert.
    draft.effects += routing.route(draft.incident, org, draft.now, posted=posted)
    draft.effects.append(fx.NotifyAgents(fx.Alert.REOPENED))
    draft.effects.append(fx.MessageReporter(REOPENED))


def _repage(draft: _Draft) -> None:
    _fire(draft, Event.CLAIM_TIMED_OUT)
    draft.step(SYSTEM, "repage")
    policy = draft.incident.policy
    draft.effects.append(fx.NotifyAgents(fx.Alert.REPAGE))
    if policy is not None:
        due = draft.now + dt.timedelta(seconds=policy.repage_interval_s)
        draft.effects.append(routing.deadline(draft.incident, DeadlineKind.REPAGE, due))


def _suggest_next(draft: _Draft) -> None:
    _fire(draft, Event.CONTACT_TIMED_OUT)
    ahead = dataclasses.replace(draft.incident, contact_index=draft.incident.contact_index + 1)
    draft.step(SYSTEM, "suggest_next_contact", contact=current_contact(ahead))
    draft.effects.append(fx.NotifyAgents(fx.Alert.SUGGEST_NEXT))


def _fired_since(incident: Incident, deadline: Deadline) -> bool:
    """The step this deadline makes is in the trail since the deadline was set: it fired
    already, and this is the same deadline handed out again (its lease ran out before it was
    acknowledged, as across a Redis failover). A re-page sets the next deadline after its
    own step; a suggestion and the admins' notice set none."""
    made = _DEADLINE_STEPS[deadline.kind]
    return any(step.action == made for step in incident.escalation[deadline.generation :])


def _contact_stalled(incident: Incident, deadline: Deadline) -> bool:
    """Still calling the same contact with no outcome since the timer was set (the caller
    checked that the state allows the timeout)."""
    since = incident.escalation[deadline.generation :]
    return not any(step.action in _CONTACT_MOVES or step.action == "reopen" for step in since)


def _start_contact_timer(draft: _Draft) -> None:
    """Emergencies only: time to get an outcome from the current contact."""
    incident = draft.incident
    policy = incident.policy
    if (
        policy is None
        or incident.urgency is not Urgency.EMERGENCY
        or not ESCALATION.allows(_state(incident), Event.CONTACT_TIMED_OUT)
    ):
        return
    due = draft.now + dt.timedelta(seconds=policy.contact_timeout_s)
    draft.effects.append(routing.deadline(incident, DeadlineKind.CONTACT, due))


def _fire(draft: _Draft, event: Event, facts: Facts | None = None) -> State:
    return ESCALATION.fire(_state(draft.incident), event, facts or Facts())


def _state(incident: Incident) -> State:
    try:
        return State(incident.state)
    except ValueError:
        raise errors.InvalidTransition(f"unknown state {incident.state!r}") from None


def _is_emergency(urgency: Urgency) -> bool:
    return urgency is Urgency.EMERGENCY
