"""The deadlines read off a trail (escalation.recovery) are those the engine left pending."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine, recovery
from escalation.machine import ESCALATION, State
from tests.escalation import factories as f
from tipline.models import Deadline, DeadlineKind, Incident, Urgency


class Run:
    """An incident driven through the engine, its deadlines kept as the store keeps them."""

    def __init__(self, urgency: Urgency, at: dt.datetime) -> None:
        self.now = at
        self.pending: dict[str, Deadline] = {}
        self.incident = self._take(engine.triaged(f.incident(urgency), f.org(), at))

    def _take(self, out: engine.Outcome) -> Incident:
        for effect in out.effects:
            if isinstance(effect, fx.ScheduleDeadline):
                self.pending[effect.deadline.key] = effect.deadline
            elif isinstance(effect, fx.CancelDeadline):
                self.pending.pop(effect.key, None)
        return out.incident

    def later(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)

    def do(self, command: cmd.Command, by: str = "agent-1") -> None:
        self.later(1)
        self.incident = self._take(
            engine.apply(self.incident, command, by=by, now=self.now, org=f.org())
        )

    def wrote(self, urgency: Urgency) -> None:
        self.later(1)
        out = engine.reporter_wrote(self.incident, urgency=urgency, org=f.org(), now=self.now)
        self.incident = self._take(out)

    def fire(self, kind: DeadlineKind) -> None:
        deadline = self.pending.pop(f"{self.incident.incident_id}:{kind.value}")
        self.now = max(self.now, deadline.due)
        self.incident = self._take(engine.deadline_fired(self.incident, deadline, self.now))

    def engine_pending(self) -> set[Deadline]:
        """What the store holds that can still fire (one that cannot is the same as none)."""
        state = State(self.incident.state)
        return {
            d for d in self.pending.values() if ESCALATION.allows(state, recovery.FIRES[d.kind])
        }


NO = cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER)
REACHED = cmd.ContactOutcome(cmd.ContactResult.REACHED)
RESOLVE = cmd.Resolve(cmd.Resolution.HANDLED_BY_SCHOOL)

Act = cmd.Command | DeadlineKind | tuple[str, cmd.Command] | Urgency
# Each scenario: urgency and time of the report, then what happens: a command (by agent-1),
# ("agent-2", command), a deadline kind coming due, or an urgency the reporter writes with.
SCENARIOS: dict[str, tuple[Urgency, dt.datetime, list[Act]]] = {
    "emergency unclaimed": (Urgency.EMERGENCY, f.NIGHT, []),
    "emergency re-paged twice": (
        Urgency.EMERGENCY,
        f.NIGHT,
        [DeadlineKind.REPAGE, DeadlineKind.REPAGE],
    ),
    "claimed, no answer, timer fired": (
        Urgency.EMERGENCY,
        f.NIGHT,
        [cmd.Claim(), NO, DeadlineKind.CONTACT],
    ),
    "claimed, next contact": (
        Urgency.EMERGENCY,
        f.SCHOOL_HOURS,
        [cmd.Claim(), NO, cmd.NextContact()],
    ),
    "reached": (Urgency.EMERGENCY, f.SCHOOL_HOURS, [cmd.Claim(), REACHED]),
    "law enforcement": (Urgency.EMERGENCY, f.SCHOOL_HOURS, [cmd.Claim(), cmd.LawEnforcement()]),
    "routine at night": (Urgency.ROUTINE, f.NIGHT, []),
    "routine at night, admins told": (Urgency.ROUTINE, f.NIGHT, [DeadlineKind.ADMINS]),
    "urgent raised to emergency": (
        Urgency.URGENT,
        f.SCHOOL_HOURS,
        [cmd.SetUrgency(Urgency.EMERGENCY)],
    ),
    "emergency lowered at night": (Urgency.EMERGENCY, f.NIGHT, [cmd.SetUrgency(Urgency.URGENT)]),
    "claimed urgent raised": (
        Urgency.URGENT,
        f.SCHOOL_HOURS,
        [cmd.Claim(), cmd.SetUrgency(Urgency.EMERGENCY)],
    ),
    "resolved, responder reopens": (
        Urgency.EMERGENCY,
        f.SCHOOL_HOURS,
        [cmd.Claim(), RESOLVE, cmd.Reopen()],
    ),
    "resolved, reporter writes an emergency": (
        Urgency.ROUTINE,
        f.NIGHT,
        [cmd.Claim(), RESOLVE, Urgency.EMERGENCY],
    ),
    "resolved, reporter writes": (
        Urgency.ROUTINE,
        f.NIGHT,
        [cmd.Claim(), RESOLVE, Urgency.ROUTINE],
    ),
    "take over while calling": (
        Urgency.EMERGENCY,
        f.SCHOOL_HOURS,
        [cmd.Claim(), ("agent-2", cmd.TakeOver())],
    ),
    "resolved": (Urgency.EMERGENCY, f.NIGHT, [cmd.Claim(), RESOLVE]),
}


def play(run: Run, act: Act) -> None:
    if isinstance(act, DeadlineKind):
        run.fire(act)
    elif isinstance(act, Urgency):
        run.wrote(act)
    elif isinstance(act, tuple):
        run.do(act[1], by=act[0])
    else:
        run.do(act)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_pending_deadlines_are_the_engines(name: str) -> None:
    """For each path through the engine, the trail alone gives back the deadlines it left."""
    urgency, at, acts = SCENARIOS[name]
    run = Run(urgency, at)
    for act in acts:
        play(run, act)
    assert set(recovery.pending(run.incident, f.org())) == run.engine_pending()


def test_unclaimed_emergency_has_its_repage() -> None:
    """An unclaimed emergency's re-page is due a claim timeout after its triage."""
    run = Run(Urgency.EMERGENCY, f.NIGHT)
    (deadline,) = recovery.pending(run.incident, f.org())
    assert deadline.kind is DeadlineKind.REPAGE
    assert deadline.due == f.NIGHT + dt.timedelta(seconds=f.POLICY.claim_timeout_s)


def test_without_the_school_no_admins_notice() -> None:
    """With no school to read the opening from, the admins' notice is left out, nothing else."""
    run = Run(Urgency.ROUTINE, f.NIGHT)
    assert run.engine_pending()
    assert recovery.pending(run.incident, None) == ()
