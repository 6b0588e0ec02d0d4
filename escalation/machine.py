"""The escalation state machine: one declared table, validated when it is built.

States and events are enums; each row says "in `source`, `event` (when `guard` holds)
leads to `target`". `Machine.__init__` refuses a table with an unreachable state, a
non-final state with no way out, an unknown guard, or rows that overlap, so a broken
edit fails at import, not in production. `Machine.fire` is the only way to move.

What a responder may do now (`allowed`) is read off the same table: each `Action` fires one
event, and an action is allowed where some row leaves the state on its event.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Mapping

from escalation import errors


class State(enum.StrEnum):
    """Fine-grained state, stored in `Incident.state`."""

    NEW = "new"
    PAGING = "paging"  # emergency, unclaimed: agents re-paged until someone claims
    QUEUED = "queued"  # urgent or routine, unclaimed: waiting for review or the school
    CONTACTING = "contacting"  # claimed: calling the current contact, nobody reached yet
    REACHED = "reached"  # claimed: the current contact was reached
    POLICE = "police"  # claimed: law enforcement notified
    RESOLVED = "resolved"


class Event(enum.StrEnum):
    TRIAGED = "triaged"
    CLAIMED = "claimed"
    CLAIM_TIMED_OUT = "claim_timed_out"
    CONTACT_OUTCOME = "contact_outcome"
    CONTACT_TIMED_OUT = "contact_timed_out"
    NEXT_CONTACT = "next_contact"
    LAW_ENFORCEMENT_NOTIFIED = "law_enforcement_notified"
    URGENCY_CHANGED = "urgency_changed"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    TAKEN_OVER = "taken_over"  # another responder takes a claimed incident from its holder
    REPORTER_WROTE = "reporter_wrote"  # the reporter wrote on a resolved incident
    ADMINS_NOTIFIED = "admins_notified"  # the school opened on a report it has not heard of


class Action(enum.StrEnum):
    """What a responder may ask for: `incident:claim`, `incident:step`'s `action`, a button."""

    CLAIM = "claim"
    CONTACT_OUTCOME = "contact_outcome"
    NEXT_CONTACT = "next_contact"
    LAW_ENFORCEMENT = "law_enforcement"
    SET_URGENCY = "set_urgency"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    TAKE_OVER = "take_over"


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """What guards may look at; the engine fills in what the event is about."""

    emergency: bool = False  # triaged / urgency_changed: the (new) urgency is emergency
    reached: bool = False  # contact_outcome: the outcome is "reached"
    has_next_contact: bool = False  # next_contact: a school contact after the current one


@dataclasses.dataclass(frozen=True, slots=True)
class Guard:
    name: str
    test: Callable[[Facts], bool]
    refusal: str  # said when no row of the (state, event) passes its guard


GUARDS: Mapping[str, Guard] = {
    g.name: g
    for g in (
        Guard("emergency", lambda f: f.emergency, "only an emergency leads here"),
        Guard("not emergency", lambda f: not f.emergency, "an emergency does not lead here"),
        Guard("reached", lambda f: f.reached, "only a reached contact leads here"),
        Guard("not reached", lambda f: not f.reached, "a reached contact does not lead here"),
        Guard(
            "has next contact",
            lambda f: f.has_next_contact,
            "no school contact after the last one: notify law enforcement instead",
        ),
    )
}


@dataclasses.dataclass(frozen=True, slots=True)
class Transition:
    source: State
    event: Event
    target: State
    guard: str | None = None


class Machine:
    """A validated transition table."""

    def __init__(
        self,
        rows: Iterable[Transition],
        *,
        initial: State,
        final: frozenset[State] = frozenset(),
        guards: Mapping[str, Guard] = GUARDS,
    ) -> None:
        self.rows = tuple(rows)
        self.initial = initial
        self.final = final
        self.guards = guards
        self._by_key: dict[tuple[State, Event], list[Transition]] = {}
        for row in self.rows:
            self._by_key.setdefault((row.source, row.event), []).append(row)
        self._validate()

    def fire(self, state: State, event: Event, facts: Facts) -> State:
        """The state after `event`, or InvalidTransition saying why not."""
        rows = self._by_key.get((state, event))
        if not rows:
            raise errors.InvalidTransition(f"{event.value} is not allowed in state {state.value}")
        for row in rows:
            if row.guard is None or self.guards[row.guard].test(facts):
                return row.target
        reasons = "; ".join(self.guards[r.guard].refusal for r in rows if r.guard)
        raise errors.InvalidTransition(f"{event.value} in state {state.value}: {reasons}")

    def allows(self, state: State, event: Event) -> bool:
        """Whether some row leaves `state` on `event` (guards aside)."""
        return (state, event) in self._by_key

    def _validate(self) -> None:
        problems: list[str] = []
        for (state, event), rows in self._by_key.items():
            guards = [r.guard for r in rows]
            if len(rows) > 1 and None in guards:
                problems.append(f"{state.value}/{event.value}: unguarded row among several")
            if len(set(guards)) != len(guards):
                problems.append(f"{state.value}/{event.value}: duplicate guard")
            problems += [f"unknown guard {g!r}" for g in guards if g and g not in self.guards]
        reachable = self._reachable()
        problems += [f"unreachable state {s.value}" for s in State if s not in reachable]
        exits = {r.source for r in self.rows}
        problems += [
            f"state {s.value} has no way out"
            for s in State
            if s not in exits and s not in self.final
        ]
        if problems:
            raise ValueError("invalid state machine: " + ", ".join(problems))

    def _reachable(self) -> set[State]:
        seen = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for row in self.rows:
                if row.source is state and row.target not in seen:
                    seen.add(row.target)
                    frontier.append(row.target)
        return seen


S, E, T = State, Event, Transition
# Someone holds the incident (`claimed_by`): only they step it (docs/escalation.md).
HELD = frozenset({S.CONTACTING, S.REACHED, S.POLICE})
_CLAIMED = tuple(s for s in State if s in HELD)

ESCALATION = Machine(
    [
        T(S.NEW, E.TRIAGED, S.PAGING, "emergency"),
        T(S.NEW, E.TRIAGED, S.QUEUED, "not emergency"),
        T(S.PAGING, E.CLAIMED, S.CONTACTING),
        T(S.QUEUED, E.CLAIMED, S.CONTACTING),
        T(S.PAGING, E.CLAIM_TIMED_OUT, S.PAGING),
        T(S.PAGING, E.URGENCY_CHANGED, S.PAGING, "emergency"),
        T(S.PAGING, E.URGENCY_CHANGED, S.QUEUED, "not emergency"),
        T(S.QUEUED, E.URGENCY_CHANGED, S.PAGING, "emergency"),
        T(S.QUEUED, E.URGENCY_CHANGED, S.QUEUED, "not emergency"),
        T(S.CONTACTING, E.CONTACT_OUTCOME, S.REACHED, "reached"),
        T(S.CONTACTING, E.CONTACT_OUTCOME, S.CONTACTING, "not reached"),
        T(S.REACHED, E.CONTACT_OUTCOME, S.REACHED, "reached"),
        T(S.REACHED, E.CONTACT_OUTCOME, S.CONTACTING, "not reached"),
        T(S.POLICE, E.CONTACT_OUTCOME, S.POLICE),
        T(S.CONTACTING, E.CONTACT_TIMED_OUT, S.CONTACTING),
        T(S.CONTACTING, E.NEXT_CONTACT, S.CONTACTING, "has next contact"),
        T(S.REACHED, E.NEXT_CONTACT, S.CONTACTING, "has next contact"),
        T(S.CONTACTING, E.LAW_ENFORCEMENT_NOTIFIED, S.POLICE),
        T(S.REACHED, E.LAW_ENFORCEMENT_NOTIFIED, S.POLICE),
        *(T(s, E.URGENCY_CHANGED, s) for s in _CLAIMED),
        *(T(s, E.RESOLVED, S.RESOLVED) for s in _CLAIMED),
        *(T(s, E.TAKEN_OVER, s) for s in _CLAIMED),
        T(S.RESOLVED, E.REOPENED, S.CONTACTING),
        # A reporter back on a resolved case must reach people: unclaimed again, routed as new.
        T(S.RESOLVED, E.REPORTER_WROTE, S.PAGING, "emergency"),
        T(S.RESOLVED, E.REPORTER_WROTE, S.QUEUED, "not emergency"),
        # The school's admins hear of a report that came in while it was closed, unless it
        # was resolved first.
        *(T(s, E.ADMINS_NOTIFIED, s) for s in State if s is not S.RESOLVED),
    ],
    initial=S.NEW,
)

# The event each action fires; the other events are the system's (triage, timers, reporter).
FIRES: Mapping[Action, Event] = {
    Action.CLAIM: E.CLAIMED,
    Action.CONTACT_OUTCOME: E.CONTACT_OUTCOME,
    Action.NEXT_CONTACT: E.NEXT_CONTACT,
    Action.LAW_ENFORCEMENT: E.LAW_ENFORCEMENT_NOTIFIED,
    Action.SET_URGENCY: E.URGENCY_CHANGED,
    Action.RESOLVE: E.RESOLVED,
    Action.REOPEN: E.REOPENED,
    Action.TAKE_OVER: E.TAKEN_OVER,
}
# Actions anyone who may see the incident may take; on a held incident the others are its
# holder's alone, and the holder cannot take over what it already holds.
ANYONE = frozenset({Action.CLAIM, Action.REOPEN, Action.TAKE_OVER})


def allowed(state: State, *, holder: bool, machine: Machine = ESCALATION) -> tuple[Action, ...]:
    """The actions a responder may take in `state`, in `Action` order, read off the table
    (guards aside: a failing guard is refused with its reason, as `next_contact` after the
    last contact). `holder`: they hold the incident (its `claimed_by`)."""
    possible = (a for a in Action if machine.allows(state, FIRES[a]))
    if state not in HELD:
        return tuple(possible)
    return tuple(a for a in possible if (a in ANYONE) is not holder)
