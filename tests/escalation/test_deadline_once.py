"""A deadline handed out twice (its lease ran out before its acknowledgement, as across a
Redis failover) acts once: re-page, contact timer, the admins' notice."""

from __future__ import annotations

from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine
from tests.clock import FakeClock
from tests.escalation import factories as f
from tipline.models import Deadline, Urgency


def pending(outcome: engine.Outcome) -> list[Deadline]:
    return [e.deadline for e in outcome.effects if isinstance(e, fx.ScheduleDeadline)]


def test_repage_deadline_fired_again_adds_no_second_repage() -> None:
    """The same re-page deadline fired again after its re-page was stored does nothing; the
    next one it set still re-pages."""
    clock = FakeClock(f.NIGHT)
    out = engine.triaged(f.incident(), f.org(), clock.now())
    incident, (deadline,) = out.incident, pending(out)
    clock.moment = deadline.due
    first = engine.deadline_fired(incident, deadline, clock.now())
    (following,) = pending(first)
    clock.advance(61)  # the lease ran out: the sweeper hands the same deadline out again
    again = engine.deadline_fired(first.incident, deadline, clock.now())
    assert again == engine.Outcome(first.incident, ())
    clock.moment = following.due
    later = engine.deadline_fired(first.incident, following, clock.now())
    assert [s.action for s in later.incident.escalation] == ["triage", "repage", "repage"]


def test_contact_and_admins_deadlines_fired_again_do_nothing() -> None:
    """A contact timer's suggestion and the admins' notice, fired a second time by the same
    deadline, add no second step."""
    clock = FakeClock(f.NIGHT)
    paging = engine.triaged(f.incident(), f.org(), clock.now()).incident
    claimed = engine.apply(paging, cmd.Claim(), by="agent-1", now=clock.now(), org=f.org())
    (timer,) = pending(claimed)
    clock.moment = timer.due
    suggested = engine.deadline_fired(claimed.incident, timer, clock.now())
    assert [s.action for s in suggested.steps] == ["suggest_next_contact"]
    again = engine.deadline_fired(suggested.incident, timer, clock.now())
    assert again == engine.Outcome(suggested.incident, ())

    night = engine.triaged(f.incident(Urgency.ROUTINE), f.org(), f.NIGHT)
    (notice,) = pending(night)
    told = engine.deadline_fired(night.incident, notice, f.WEDNESDAY_OPENING)
    assert [s.action for s in told.steps] == ["admins_notified"]
    twice = engine.deadline_fired(told.incident, notice, f.WEDNESDAY_OPENING)
    assert twice == engine.Outcome(told.incident, ())
