"""What a responder may do now, read off the table, is exactly what the engine accepts."""

from __future__ import annotations

import dataclasses

import pytest

from escalation import commands as cmd
from escalation import engine, errors, machine
from escalation.machine import Action, State
from tests.escalation import factories as f
from tests.escalation.test_transitions import COMMANDS, in_state

HOLDER = "agent-1"  # `in_state` gives claimed incidents to agent-1
CASES = [(state, holder) for state in State for holder in (True, False)]


@pytest.mark.parametrize(
    ("state", "holder"), CASES, ids=[f"{s}-{'holder' if h else 'other'}" for s, h in CASES]
)
def test_allowed_actions_are_the_commands_the_engine_accepts(state: State, holder: bool) -> None:
    """In every state, for its holder and for anyone else, an action is listed as allowed
    exactly when the engine accepts its command (guards met)."""
    incident = in_state(state)
    by = HOLDER if holder else "agent-2"
    allowed = engine.allowed_actions(incident, by)
    accepted = set()
    for command in COMMANDS.values():
        try:
            engine.apply(incident, command, by=by, now=f.SCHOOL_HOURS, org=f.org())
        except errors.EscalationError:
            continue
        accepted.add(cmd.action_of(command))
    assert set(allowed) == accepted
    assert list(allowed) == [a for a in Action if a in accepted]  # a fixed order


def test_an_unknown_state_allows_nothing() -> None:
    """A state this version does not know (a newer process wrote it) offers no action."""
    unknown = dataclasses.replace(in_state(State.PAGING), state="escalated_to_mars")
    assert engine.allowed_actions(unknown, None) == ()


def test_every_action_fires_an_event_of_the_table() -> None:
    """Each action maps to an event some row of the table takes, and every command to one."""
    events = {row.event for row in machine.ESCALATION.rows}
    assert set(machine.FIRES) == set(Action)
    assert set(machine.FIRES.values()) <= events
    assert {cmd.action_of(c) for c in COMMANDS.values()} == set(Action)
