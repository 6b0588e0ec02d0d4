"""Deadlines coming due: re-page while unclaimed, suggest the next contact, no-op once moved on."""

from __future__ import annotations

import dataclasses

import pytest

from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine
from escalation.machine import State
from tests.clock import FakeClock
from tests.escalation import factories as f
from tipline.models import Deadline, DeadlineKind, Incident, Status, Urgency


def pending(outcome: engine.Outcome) -> list[Deadline]:
    return [e.deadline for e in outcome.effects if isinstance(e, fx.ScheduleDeadline)]


def claimed_emergency(clock: FakeClock) -> tuple[Incident, Deadline]:
    """A claimed emergency and its contact deadline."""
    paging = engine.triaged(f.incident(), f.org(), clock.now()).incident
    out = engine.apply(paging, cmd.Claim(), by="agent-1", now=clock.now(), org=f.org())
    return out.incident, pending(out)[0]


def test_unclaimed_emergency_is_repaged_until_claimed() -> None:
    """Every claim timeout, then every re-page interval, agents are paged again until a claim."""
    clock = FakeClock(f.NIGHT)
    out = engine.triaged(f.incident(), f.org(), clock.now())
    incident, (deadline,) = out.incident, pending(out)
    fired_at = []
    for _ in range(3):
        clock.moment = deadline.due
        out = engine.deadline_fired(incident, deadline, clock.now())
        assert fx.NotifyAgents(fx.Alert.REPAGE) in out.effects
        fired_at.append(clock.now())
        incident, (deadline,) = out.incident, pending(out)
    assert [(t - f.NIGHT).seconds for t in fired_at] == [180, 360, 540]
    assert [s.action for s in incident.escalation] == ["triage", "repage", "repage", "repage"]
    claimed = engine.apply(incident, cmd.Claim(), by="agent-1", now=clock.now(), org=f.org())
    clock.moment = deadline.due
    after = engine.deadline_fired(claimed.incident, deadline, clock.now())
    assert after == engine.Outcome(claimed.incident, ())


def test_silent_contact_gets_a_suggestion_once() -> None:
    """No outcome for the primary in time: the engine suggests the secondary, once."""
    clock = FakeClock(f.NIGHT)
    incident, deadline = claimed_emergency(clock)
    clock.moment = deadline.due
    out = engine.deadline_fired(incident, deadline, clock.now())
    assert out.steps[0].action == "suggest_next_contact"
    assert out.steps[0].contact == f.SECONDARY
    assert out.steps[0].by == engine.SYSTEM
    assert fx.NotifyAgents(fx.Alert.SUGGEST_NEXT) in out.effects
    assert pending(out) == []


def test_at_the_last_contact_the_suggestion_is_law_enforcement() -> None:
    """After the third contact the engine suggests law enforcement."""
    clock = FakeClock(f.NIGHT)
    incident, first = claimed_emergency(clock)
    incident = dataclasses.replace(incident, contact_index=2)
    deadline = dataclasses.replace(first, generation=len(incident.escalation))
    out = engine.deadline_fired(incident, deadline, clock.now())
    assert out.steps[0].contact == f.POLICE


def test_contact_deadline_after_an_outcome_is_stale() -> None:
    """A contact deadline that fires after an outcome was recorded does nothing."""
    clock = FakeClock(f.NIGHT)
    incident, deadline = claimed_emergency(clock)
    moved = engine.apply(
        incident,
        cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER),
        by="agent-1",
        now=clock.now(),
        org=f.org(),
    ).incident
    assert engine.deadline_fired(moved, deadline, deadline.due).effects == ()


def test_admin_notice_fires_at_the_opening() -> None:
    """A report that came in at night reaches the school's admins at the opening."""
    out = engine.triaged(f.incident(Urgency.ROUTINE), f.org(), f.NIGHT)
    (deadline,) = pending(out)
    fired = engine.deadline_fired(out.incident, deadline, f.WEDNESDAY_OPENING)
    assert fx.NotifyAdmins(fx.Alert.NEW_REPORT) in fired.effects
    assert fired.steps[0].action == "admins_notified"


def _in(state: State) -> Incident:
    claimed = state in {State.CONTACTING, State.REACHED, State.POLICE, State.RESOLVED}
    status = Status.RESOLVED if state is State.RESOLVED else Status.OPEN
    return f.incident(
        state=state.value,
        status=status,
        policy=f.POLICY,
        claimed_by="a" if claimed else None,
        escalation=(),
    )


FIRES = {
    DeadlineKind.REPAGE: {State.PAGING},
    DeadlineKind.CONTACT: {State.CONTACTING},
    DeadlineKind.ADMINS: set(State) - {State.RESOLVED},
}
CASES = [(kind, state) for kind in DeadlineKind for state in State]


@pytest.mark.parametrize(("kind", "state"), CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_each_deadline_in_each_state(kind: DeadlineKind, state: State) -> None:
    """A deadline acts only in the states it was set for; elsewhere it changes nothing."""
    incident = _in(state)
    deadline = Deadline(key=f"inc-1:{kind}", incident_id="inc-1", kind=kind, due=f.NIGHT)
    out = engine.deadline_fired(incident, deadline, f.NIGHT)
    if state in FIRES[kind]:
        assert out.incident.state == state.value
        assert len(out.steps) == 1
    else:
        assert out == engine.Outcome(incident, ())
