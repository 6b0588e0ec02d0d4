"""What goes to Slack, decided by routing alone: emergencies, and urgent reports that come in
while the school is closed when the deployment posts those (`urgent_offhours`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TypeVar

from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine, routing
from tests.escalation import factories as f
from tipline import models, retriage
from tipline.models import Incident, Urgency

MIN = dt.timedelta(minutes=1)
_T = TypeVar("_T")


def of_type(outcome: engine.Outcome, kind: type[_T]) -> list[_T]:
    return [e for e in outcome.effects if isinstance(e, kind)]


def updated(outcome: engine.Outcome) -> list[str]:
    return [e.step.action for e in of_type(outcome, fx.SlackUpdate)]


def step(incident: Incident, command: cmd.Command, *, by: str = "agent-1") -> engine.Outcome:
    return engine.apply(incident, command, by=by, now=f.NIGHT + MIN, org=f.org())


def night_urgent(*, urgent_offhours: bool = True) -> engine.Outcome:
    """An urgent report that came in at 22:00, with the school closed until 08:00."""
    report = f.incident(Urgency.URGENT, created_at=f.NIGHT)
    return engine.triaged(report, f.org(), f.NIGHT, urgent_offhours=urgent_offhours)


def test_urgent_report_while_closed_is_posted_after_the_agents_alert() -> None:
    """With the setting on, an urgent report at night is posted, right after the review alert."""
    out = night_urgent()
    assert of_type(out, fx.SlackPost) == [fx.SlackPost()]
    kinds = [type(e) for e in out.effects]
    assert kinds.index(fx.SlackPost) == out.effects.index(fx.NotifyAgents(fx.Alert.REVIEW)) + 1
    assert out.incident.policy is not None
    assert out.incident.policy.slack_urgent
    assert routing.slack_posted(out.incident)


def test_urgent_report_is_not_posted_in_school_hours_or_with_the_setting_off() -> None:
    """In school hours, or with the setting at its default, an urgent report stays off Slack."""
    open_hours = engine.triaged(
        f.incident(Urgency.URGENT), f.org(), f.SCHOOL_HOURS, urgent_offhours=True
    )
    for out in (open_hours, night_urgent(urgent_offhours=False)):
        assert of_type(out, fx.SlackPost) == []
        assert out.incident.policy == f.POLICY
        assert not routing.slack_posted(out.incident)
        assert updated(step(out.incident, cmd.Claim())) == []


def test_routine_report_at_night_is_not_posted() -> None:
    """The setting is about urgent reports: a routine one at night stays off Slack."""
    report = f.incident(Urgency.ROUTINE, created_at=f.NIGHT)
    out = engine.triaged(report, f.org(), f.NIGHT, urgent_offhours=True)
    assert of_type(out, fx.SlackPost) == []
    assert not routing.slack_posted(out.incident)


def test_every_later_step_of_a_posted_urgent_report_updates_slack() -> None:
    """Claim, a failed call with its suggestion, and the admins' notice each update the post."""
    claimed = step(night_urgent().incident, cmd.Claim())
    assert updated(claimed) == ["claim"]
    no_answer = step(claimed.incident, cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER))
    assert updated(no_answer) == ["contact_outcome", "suggest_next_contact"]
    admins = [e.deadline for e in of_type(night_urgent(), fx.ScheduleDeadline)]
    fired = engine.deadline_fired(night_urgent().incident, admins[0], f.WEDNESDAY_OPENING)
    assert updated(fired) == ["admins_notified"]


def test_raised_to_emergency_after_an_urgent_post_updates_instead_of_posting_again() -> None:
    """A posted urgent report raised to emergency pages the agents and updates its message."""
    out = step(night_urgent().incident, cmd.SetUrgency(Urgency.EMERGENCY))
    assert of_type(out, fx.SlackPost) == []
    assert updated(out) == ["set_urgency"]
    assert fx.NotifyAgents(fx.Alert.EMERGENCY) in out.effects


def test_urgency_raised_on_a_held_case_at_night_is_not_posted_until_it_is_an_emergency() -> None:
    """Raised to urgent while an agent holds it: no review alert, no post; as an emergency, both."""
    report = f.incident(Urgency.ROUTINE, created_at=f.NIGHT)
    queued = engine.triaged(report, f.org(), f.NIGHT, urgent_offhours=True).incident
    held = step(queued, cmd.Claim()).incident
    urgent = step(held, cmd.SetUrgency(Urgency.URGENT))
    assert of_type(urgent, fx.SlackPost) == []
    assert not routing.slack_posted(urgent.incident)
    emergency = step(urgent.incident, cmd.SetUrgency(Urgency.EMERGENCY))
    assert of_type(emergency, fx.SlackPost) == [fx.SlackPost()]


def test_urgency_raised_on_an_unclaimed_case_at_night_is_posted() -> None:
    """Raised from routine to urgent while nobody holds it: reviewed and posted."""
    report = f.incident(Urgency.ROUTINE, created_at=f.NIGHT)
    queued = engine.triaged(report, f.org(), f.NIGHT, urgent_offhours=True).incident
    out = step(queued, cmd.SetUrgency(Urgency.URGENT))
    assert of_type(out, fx.SlackPost) == [fx.SlackPost()]
    assert routing.slack_posted(out.incident)


def test_reporter_back_on_a_resolved_urgent_case_at_night_reposts_only_when_never_posted() -> None:
    """Reopened by the reporter: posted if it never was (held until resolved), else updated."""
    report = f.incident(Urgency.ROUTINE, created_at=f.NIGHT)
    queued = engine.triaged(report, f.org(), f.NIGHT, urgent_offhours=True).incident
    held = step(step(queued, cmd.Claim()).incident, cmd.SetUrgency(Urgency.URGENT)).incident
    closed = step(held, cmd.Resolve(cmd.Resolution.HANDLED_BY_SCHOOL)).incident
    reopened = engine.reporter_wrote(closed, urgency=Urgency.URGENT, org=f.org(), now=f.NIGHT)
    assert of_type(reopened, fx.SlackPost) == [fx.SlackPost()]
    assert updated(reopened) == []
    again = step(reopened.incident, cmd.Claim())
    closed_again = step(again.incident, cmd.Resolve(cmd.Resolution.HANDLED_BY_SCHOOL)).incident
    back = engine.reporter_wrote(closed_again, urgency=Urgency.URGENT, org=f.org(), now=f.NIGHT)
    assert of_type(back, fx.SlackPost) == []
    assert updated(back) == ["reopen"]


def test_model_retriage_of_a_posted_urgent_report_updates_slack() -> None:
    """The model's later verdict on a posted urgent report is a line in its thread."""
    posted = night_urgent().incident
    model = dataclasses.replace(posted.triage, category=models.Category.BULLYING, confidence=0.7)
    out = retriage.retriaged(posted, model, org=f.org(), now=f.NIGHT + MIN)
    assert out is not None
    assert updated(out) == ["retriage"]


def test_policy_snapshot_stores_the_slack_flag_only_when_set() -> None:
    """A policy without the flag is stored as before; one with it keeps it through storage."""
    assert "slack_urgent" not in f.POLICY.to_wire()
    assert models.Policy.from_wire(f.POLICY.to_wire()) == f.POLICY
    flagged = dataclasses.replace(f.POLICY, slack_urgent=True)
    assert models.Policy.from_wire(flagged.to_wire()) == flagged
