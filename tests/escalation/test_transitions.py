"""Every responder command in every state: where it leads, or the error it is refused with."""

from __future__ import annotations

import dataclasses

import pytest

from escalation import commands as cmd
from escalation import engine, errors
from escalation.machine import ESCALATION, Event, State
from tests.escalation import factories as f
from tipline.models import Incident, Status, Urgency

COMMANDS: dict[str, cmd.Command] = {
    "claim": cmd.Claim(),
    "reached": cmd.ContactOutcome(cmd.ContactResult.REACHED),
    "no_answer": cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER),
    "next": cmd.NextContact(),
    "police": cmd.LawEnforcement(),
    "emergency": cmd.SetUrgency(Urgency.EMERGENCY),
    "routine": cmd.SetUrgency(Urgency.ROUTINE),
    "resolve": cmd.Resolve(cmd.Resolution.HANDLED_BY_SCHOOL),
    "reopen": cmd.Reopen(),
    "take_over": cmd.TakeOver(),
}
EVENTS = {
    "claim": Event.CLAIMED,
    "reached": Event.CONTACT_OUTCOME,
    "no_answer": Event.CONTACT_OUTCOME,
    "next": Event.NEXT_CONTACT,
    "police": Event.LAW_ENFORCEMENT_NOTIFIED,
    "emergency": Event.URGENCY_CHANGED,
    "routine": Event.URGENCY_CHANGED,
    "resolve": Event.RESOLVED,
    "reopen": Event.REOPENED,
    "take_over": Event.TAKEN_OVER,
}
NO = "invalid_transition"
TAKEN = "already_claimed"
# state -> command -> resulting state, or the error code of the refusal.
EXPECTED: dict[State, dict[str, str]] = {
    State.NEW: dict.fromkeys(COMMANDS, NO),
    State.PAGING: {
        **dict.fromkeys(COMMANDS, NO),
        "claim": "contacting",
        "emergency": "paging",
        "routine": "queued",
    },
    State.QUEUED: {
        **dict.fromkeys(COMMANDS, NO),
        "claim": "contacting",
        "emergency": "paging",
        "routine": "queued",
    },
    State.CONTACTING: {
        "claim": TAKEN,
        "reached": "reached",
        "no_answer": "contacting",
        "next": "contacting",
        "police": "police",
        "emergency": "contacting",
        "routine": "contacting",
        "resolve": "resolved",
        "reopen": NO,
        "take_over": "contacting",
    },
    State.REACHED: {
        "claim": TAKEN,
        "reached": "reached",
        "no_answer": "contacting",
        "next": "contacting",
        "police": "police",
        "emergency": "reached",
        "routine": "reached",
        "resolve": "resolved",
        "reopen": NO,
        "take_over": "reached",
    },
    State.POLICE: {
        "claim": TAKEN,
        "reached": "police",
        "no_answer": "police",
        "next": NO,
        "police": NO,
        "emergency": "police",
        "routine": "police",
        "resolve": "resolved",
        "reopen": NO,
        "take_over": "police",
    },
    State.RESOLVED: {**dict.fromkeys(COMMANDS, NO), "reopen": "contacting"},
}
CASES = [(s, name, want) for s, row in EXPECTED.items() for name, want in row.items()]
CLAIMED_STATES = {State.CONTACTING, State.REACHED, State.POLICE, State.RESOLVED}


def in_state(state: State) -> Incident:
    """An emergency incident, policy copied, sitting in `state`."""
    claimed = state in CLAIMED_STATES
    return f.incident(
        Urgency.EMERGENCY if state is not State.QUEUED else Urgency.ROUTINE,
        state=state.value,
        status=Status.RESOLVED if state is State.RESOLVED else Status.OPEN,
        policy=f.POLICY,
        claimed_by="agent-1" if claimed else None,
        contact_index=3 if state is State.POLICE else 0,
    )


@pytest.mark.parametrize(("state", "name", "want"), CASES, ids=[f"{s}-{n}" for s, n, _ in CASES])
def test_command_in_state(state: State, name: str, want: str) -> None:
    """The command leads to the expected state, or is refused with the expected code."""
    before = in_state(state)
    # The holder steps its own incident; a claim or a take-over comes from someone else.
    by = "agent-2" if name in ("claim", "take_over") else "agent-1"

    def apply() -> engine.Outcome:
        return engine.apply(before, COMMANDS[name], by=by, now=f.SCHOOL_HOURS, org=f.org())

    if want in (NO, TAKEN):
        with pytest.raises(errors.EscalationError) as caught:
            apply()
        assert caught.value.code == want
        return
    outcome = apply()
    assert outcome.incident.state == want
    assert outcome.incident.version == before.version
    # A call that reached nobody is followed by the engine's offer of the next contact.
    offered = name == "no_answer" and want == "contacting"
    assert [s.action for s in outcome.steps[1:]] == (["suggest_next_contact"] if offered else [])
    assert outcome.incident.escalation == (*before.escalation, *outcome.steps)
    assert outcome.incident.status is (Status.RESOLVED if want == "resolved" else Status.OPEN)


def test_table_covers_every_responder_row_of_the_machine() -> None:
    """The cases above exercise every row that a responder command can take."""
    exercised = {
        (state, EVENTS[name], State(want)) for state, name, want in CASES if want not in (NO, TAKEN)
    }
    # Not responder commands: the engine's own timers, and the reporter writing again.
    timer_events = {
        Event.TRIAGED,
        Event.CLAIM_TIMED_OUT,
        Event.CONTACT_TIMED_OUT,
        Event.REPORTER_WROTE,
        Event.ADMINS_NOTIFIED,
    }
    rows = {(r.source, r.event, r.target) for r in ESCALATION.rows if r.event not in timer_events}
    assert exercised == rows


@pytest.mark.parametrize(("index", "allowed"), [(0, True), (1, True), (2, False), (3, False)])
def test_next_contact_stops_after_the_last(index: int, allowed: bool) -> None:
    """next_contact moves primary -> secondary -> third, then is refused."""
    incident = dataclasses.replace(in_state(State.CONTACTING), contact_index=index)
    command = cmd.NextContact()
    if not allowed:
        with pytest.raises(errors.InvalidTransition, match="law enforcement"):
            engine.apply(incident, command, by="agent-1", now=f.SCHOOL_HOURS, org=f.org())
        return
    outcome = engine.apply(incident, command, by="agent-1", now=f.SCHOOL_HOURS, org=f.org())
    assert outcome.incident.contact_index == index + 1
    assert outcome.steps[0].contact == f.POLICY.contacts[index + 1]


@pytest.mark.parametrize("state", list(State))
def test_triage_only_from_new(state: State) -> None:
    """triaged is accepted once, in state new, and refused everywhere else."""
    incident = in_state(state)
    if state is State.NEW:
        assert engine.triaged(incident, f.org(), f.SCHOOL_HOURS).incident.state == "paging"
        return
    with pytest.raises(errors.InvalidTransition):
        engine.triaged(incident, f.org(), f.SCHOOL_HOURS)


def test_unknown_state_is_refused() -> None:
    """An incident whose stored state is not in the machine is refused, not guessed."""
    incident = f.incident(state="limbo")
    with pytest.raises(errors.InvalidTransition, match="limbo"):
        engine.apply(incident, cmd.Claim(), by="a", now=f.SCHOOL_HOURS, org=f.org())
