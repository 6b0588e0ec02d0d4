"""The declared state machine refuses broken tables when it is built."""

from __future__ import annotations

import itertools

import pytest

from escalation import errors
from escalation.machine import ESCALATION, Event, Facts, Machine, State, Transition

S, E, T = State, Event, Transition


def _complete() -> list[Transition]:
    """A minimal valid table over every state (a chain, closed by a loop back)."""
    chain = [S.NEW, S.PAGING, S.QUEUED, S.CONTACTING, S.REACHED, S.POLICE, S.RESOLVED]
    rows = [T(a, E.CLAIMED, b) for a, b in itertools.pairwise(chain)]
    return [*rows, T(S.RESOLVED, E.REOPENED, S.CONTACTING)]


def test_minimal_table_is_accepted() -> None:
    """A table where every state is reachable and can leave builds fine."""
    assert Machine(_complete(), initial=S.NEW).initial is S.NEW


def test_unreachable_state_is_refused() -> None:
    """A state no row leads to is an error at build time."""
    rows = [r for r in _complete() if r.target is not S.QUEUED]
    rows.append(T(S.PAGING, E.CLAIMED, S.CONTACTING))
    with pytest.raises(ValueError, match="unreachable state queued"):
        Machine(rows, initial=S.NEW)


def test_state_without_exit_is_refused_unless_final() -> None:
    """A non-final state no row leaves is a trap; declared final it is allowed."""
    rows = [r for r in _complete() if r.source is not S.RESOLVED]
    with pytest.raises(ValueError, match="state resolved has no way out"):
        Machine(rows, initial=S.NEW)
    assert Machine(rows, initial=S.NEW, final=frozenset({S.RESOLVED})).final == {S.RESOLVED}


def test_unguarded_row_among_guarded_is_refused() -> None:
    """Two rows for one state and event must both be guarded, or the first always wins."""
    rows = [*_complete(), T(S.NEW, E.CLAIMED, S.QUEUED, "emergency")]
    with pytest.raises(ValueError, match="unguarded row among several"):
        Machine(rows, initial=S.NEW)


def test_unknown_guard_is_refused() -> None:
    """A guard name with no predicate is a typo caught at build time."""
    rows = [*_complete(), T(S.PAGING, E.TRIAGED, S.QUEUED, "full moon")]
    with pytest.raises(ValueError, match="unknown guard 'full moon'"):
        Machine(rows, initial=S.NEW)


def test_duplicate_guard_is_refused() -> None:
    """The same guard twice for one state and event is ambiguous."""
    rows = [
        *_complete(),
        T(S.PAGING, E.TRIAGED, S.QUEUED, "emergency"),
        T(S.PAGING, E.TRIAGED, S.POLICE, "emergency"),
    ]
    with pytest.raises(ValueError, match="duplicate guard"):
        Machine(rows, initial=S.NEW)


def test_refusal_names_the_event_and_state() -> None:
    """A missing row is refused with a message naming both."""
    with pytest.raises(
        errors.InvalidTransition, match="next_contact is not allowed in state paging"
    ):
        ESCALATION.fire(S.PAGING, E.NEXT_CONTACT, Facts())


def test_failed_guard_explains_itself() -> None:
    """A row whose guard fails is refused with the guard's reason."""
    with pytest.raises(errors.InvalidTransition, match="notify law enforcement instead") as caught:
        ESCALATION.fire(S.CONTACTING, E.NEXT_CONTACT, Facts(has_next_contact=False))
    assert caught.value.code == "invalid_transition"
