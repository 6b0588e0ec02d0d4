"""The deadlines an incident has pending, read off its audit trail (for `tipline db
rebuild-live`, which refills a lost Redis from the record, where deadlines are not kept).

Pure, like the engine: the trail is replayed step by step with the rules the engine applied
when it took each step (engine.py, routing.py): a triage or an urgency change routes the
incident (an unclaimed emergency gets a re-page after `claim_timeout_s`, a report that came
in while the school was closed an admins' notice at its next opening), each re-page sets the
next one `repage_interval_s` later, a claim, a contact not reached, a next contact and a
responder's reopen start the emergency's contact timer, and an outcome reached, law
enforcement, a lowered urgency and the resolution stop what they stop. A step the engine
took when a deadline fired (`repage`, a `suggest_next_contact` of its own, `admins_notified`)
marks that deadline as spent. What is left, and what the incident's state still lets fire,
is what was pending: same key, same due time, same generation as the engine gave it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from escalation import engine, routing, schedule
from escalation.machine import ESCALATION, Event, State
from tipline.models import Deadline, DeadlineKind, Incident, Organization, Status, Step, Urgency

# The event each kind of deadline fires when it comes due (engine.deadline_fired).
FIRES = {
    DeadlineKind.REPAGE: Event.CLAIM_TIMED_OUT,
    DeadlineKind.CONTACT: Event.CONTACT_TIMED_OUT,
    DeadlineKind.ADMINS: Event.ADMINS_NOTIFIED,
}


@dataclasses.dataclass(slots=True)
class _Replay:
    incident: Incident
    org: Organization | None
    urgency: Urgency | None = None
    held: bool = False
    calling: bool = False  # claimed and calling a contact (State.CONTACTING)
    pending: dict[DeadlineKind, Deadline] = dataclasses.field(default_factory=dict)

    def set(self, kind: DeadlineKind, due: dt.datetime, generation: int) -> None:
        self.pending[kind] = Deadline(
            key=routing.key(self.incident.incident_id, kind),
            incident_id=self.incident.incident_id,
            kind=kind,
            due=due,
            generation=generation,
        )

    def stop(self, *kinds: DeadlineKind) -> None:
        for kind in kinds:
            self.pending.pop(kind, None)

    def route(self, at: dt.datetime, generation: int) -> None:
        """routing.route at `at`: page an emergency, else tell the admins at the opening."""
        policy = self.incident.policy
        if self.urgency is Urgency.EMERGENCY:
            if not self.held and policy is not None:
                self.set(DeadlineKind.REPAGE, at + _s(policy.claim_timeout_s), generation)
            return
        if self.org is not None and not schedule.is_open(self.org, at):
            opening = schedule.next_opening(self.org, at)
            if opening is not None:
                self.set(DeadlineKind.ADMINS, opening, generation)

    def contact_timer(self, at: dt.datetime, generation: int) -> None:
        """engine._start_contact_timer: emergencies being called only."""
        policy = self.incident.policy
        if policy is not None and self.urgency is Urgency.EMERGENCY and self.calling:
            self.set(DeadlineKind.CONTACT, at + _s(policy.contact_timeout_s), generation)


def pending(incident: Incident, org: Organization | None) -> tuple[Deadline, ...]:
    """The deadlines `incident` has pending, as the engine scheduled them. `org`: its school,
    for the admins' notice at the next opening (None: that notice is not recomputed)."""
    if incident.status is not Status.OPEN:
        return ()
    replay = _Replay(incident, org)
    trail = incident.escalation
    for index, step in enumerate(trail):
        _replay(replay, step, index, trail)
    try:
        state = State(incident.state)
    except ValueError:
        return ()
    return tuple(
        d for kind, d in sorted(replay.pending.items()) if ESCALATION.allows(state, FIRES[kind])
    )


def _replay(replay: _Replay, step: Step, index: int, trail: tuple[Step, ...]) -> None:  # noqa: PLR0912 # one branch per action, as the engine has one function each
    generation = index + 1  # the trail's length once this step was appended
    following = trail[index + 1] if index + 1 < len(trail) else None
    action = step.action
    if action == "triage":
        replay.urgency = step.urgency
        replay.route(step.at, generation)
    elif action == "set_urgency":
        _urgency_changed(replay, step, generation)
    elif action in {"claim", "take_over"}:
        replay.held = True
        if action == "claim":
            replay.calling = True
            replay.stop(DeadlineKind.REPAGE)
            replay.contact_timer(step.at, generation)
    elif action == "contact_outcome":
        replay.calling = step.outcome != "reached"
        if not replay.calling:
            replay.stop(DeadlineKind.CONTACT)
            return
        if _offered_next(step, following):  # engine._offer_next's step comes first
            generation += 1
        replay.contact_timer(step.at, generation)
    elif action == "next_contact":
        replay.calling = True
        replay.contact_timer(step.at, generation)
    elif action == "law_enforcement":
        replay.calling = False
        replay.stop(DeadlineKind.CONTACT)
    elif action == "resolve":
        replay.held = replay.calling = False
        replay.stop(*DeadlineKind)
    elif action == "reopen":
        _reopened(replay, step, generation, following)
    elif action == "repage" and step.by == engine.SYSTEM:
        policy = replay.incident.policy
        replay.stop(DeadlineKind.REPAGE)
        if policy is not None:
            replay.set(DeadlineKind.REPAGE, step.at + _s(policy.repage_interval_s), generation)
    elif action == "suggest_next_contact" and step.by == engine.SYSTEM:
        if index == 0 or not _offered_next(trail[index - 1], step):
            replay.stop(DeadlineKind.CONTACT)  # the contact timer fired (_suggest_next)
    elif action == "admins_notified":
        replay.stop(DeadlineKind.ADMINS)


def _urgency_changed(replay: _Replay, step: Step, generation: int) -> None:
    """engine._set_urgency (also the classifier's raise of a reporter's message)."""
    before, replay.urgency = replay.urgency, step.urgency
    if step.urgency is before:
        return
    if step.urgency is Urgency.EMERGENCY:
        replay.route(step.at, generation)
        replay.contact_timer(step.at, generation)
        return
    replay.stop(DeadlineKind.REPAGE, DeadlineKind.CONTACT)
    replay.route(step.at, generation)


def _reopened(replay: _Replay, step: Step, generation: int, following: Step | None) -> None:
    if step.by != routing.REPORTER:  # engine._reopen: whoever reopens works it
        replay.held = replay.calling = True
        replay.contact_timer(step.at, generation)
        return
    # engine._reporter_reopen: open again, unclaimed, routed at the (maybe raised) urgency;
    # a raise is its own step, right after, and routes then (same moment, one step later).
    replay.held = replay.calling = False
    raised = (
        following is not None
        and following.action == "set_urgency"
        and following.by == engine.TRIAGE
        and following.at == step.at
    )
    if not raised:
        replay.route(step.at, generation)


def _offered_next(outcome: Step, following: Step | None) -> bool:
    """Whether `following` is the suggestion engine._offer_next added to `outcome`."""
    return (
        outcome.action == "contact_outcome"
        and outcome.outcome != "reached"
        and following is not None
        and following.action == "suggest_next_contact"
        and following.by == engine.SYSTEM
        and following.at == outcome.at
    )


def _s(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)
