"""Routing at intake, the effects of each step, the policy snapshot and the audit trail."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TypeVar

import pytest

from escalation import commands as cmd
from escalation import effects as fx
from escalation import engine, errors
from tests.escalation import factories as f
from tipline.models import DeadlineKind, Incident, Status, Urgency

MIN = dt.timedelta(minutes=1)
_T = TypeVar("_T")


def of_type(outcome: engine.Outcome, kind: type[_T]) -> list[_T]:
    return [e for e in outcome.effects if isinstance(e, kind)]


def scheduled(outcome: engine.Outcome) -> dict[DeadlineKind, dt.datetime]:
    return {e.deadline.kind: e.deadline.due for e in of_type(outcome, fx.ScheduleDeadline)}


def cancelled(outcome: engine.Outcome) -> set[str]:
    return {e.key for e in of_type(outcome, fx.CancelDeadline)}


def step(incident: Incident, command: cmd.Command, at: dt.datetime) -> engine.Outcome:
    return engine.apply(incident, command, by="agent-1", now=at, org=f.org())


def test_emergency_at_night_pages_agents_posts_and_arms_repage() -> None:
    """An emergency at night goes to agents and Slack at once, with a re-page deadline."""
    out = engine.triaged(f.incident(Urgency.EMERGENCY), f.org(), f.NIGHT)
    assert out.incident.state == "paging"
    assert out.incident.policy == f.POLICY
    assert of_type(out, fx.NotifyAgents) == [fx.NotifyAgents(fx.Alert.EMERGENCY)]
    assert of_type(out, fx.SlackPost) == [fx.SlackPost()]
    assert scheduled(out) == {DeadlineKind.REPAGE: f.NIGHT + 3 * MIN}
    assert of_type(out, fx.NotifyAdmins) == []
    assert out.effects[-1] == fx.Publish("incident:new")
    assert [s.action for s in out.incident.escalation] == ["triage"]
    assert out.incident.escalation[0].urgency is Urgency.EMERGENCY


@pytest.mark.parametrize(
    ("urgency", "at", "agents", "admins_now", "admins_later"),
    [
        (Urgency.URGENT, f.SCHOOL_HOURS, [fx.Alert.REVIEW], True, None),
        (Urgency.URGENT, f.NIGHT, [fx.Alert.REVIEW], False, f.WEDNESDAY_OPENING),
        (Urgency.ROUTINE, f.SCHOOL_HOURS, [], True, None),
        (Urgency.ROUTINE, f.NIGHT, [], False, f.WEDNESDAY_OPENING),
    ],
)
def test_non_emergencies_follow_school_hours(
    urgency: Urgency,
    at: dt.datetime,
    agents: list[fx.Alert],
    admins_now: bool,
    admins_later: dt.datetime | None,
) -> None:
    """Urgent goes to agents now; the school hears now in hours, else at its next opening."""
    out = engine.triaged(f.incident(urgency), f.org(), at)
    assert out.incident.state == "queued"
    assert [e.reason for e in of_type(out, fx.NotifyAgents)] == agents
    assert bool(of_type(out, fx.NotifyAdmins)) is admins_now
    assert scheduled(out).get(DeadlineKind.ADMINS) == admins_later
    assert of_type(out, fx.SlackPost) == []


def test_policy_snapshot_ignores_later_school_edits() -> None:
    """A running incident keeps the contacts it started with after the school edits its own."""
    started = engine.triaged(f.incident(), f.org(), f.NIGHT).incident
    edited = f.org(policy=dataclasses.replace(f.POLICY, contacts=(f.THIRD,)))
    out = engine.apply(started, cmd.Claim(), by="agent-1", now=f.NIGHT, org=edited)
    assert out.incident.policy == f.POLICY
    assert out.steps[0].contact == f.PRIMARY


def test_claim_stops_paging_tells_reporter_and_times_the_primary() -> None:
    """A claim cancels the re-page, says a responder joined, and starts the contact timer."""
    paging = engine.triaged(f.incident(), f.org(), f.NIGHT).incident
    out = step(paging, cmd.Claim(), f.NIGHT + MIN)
    assert out.incident.claimed_by == "agent-1"
    assert cancelled(out) == {"inc-1:repage"}
    assert of_type(out, fx.MessageReporter) == [fx.MessageReporter(engine.JOINED)]
    assert scheduled(out) == {DeadlineKind.CONTACT: f.NIGHT + 11 * MIN}
    assert [e.step.action for e in of_type(out, fx.SlackUpdate)] == ["claim"]


def test_routine_claim_has_no_contact_timer_and_no_slack() -> None:
    """Contact timers and Slack lines are for emergencies only."""
    queued = engine.triaged(f.incident(Urgency.ROUTINE), f.org(), f.SCHOOL_HOURS).incident
    out = step(queued, cmd.Claim(), f.SCHOOL_HOURS)
    assert scheduled(out) == {}
    assert of_type(out, fx.SlackUpdate) == []


def test_full_escalation_leaves_an_ordered_audit_trail() -> None:
    """Primary, secondary, third, then police: each call and outcome is on the trail."""
    at = f.NIGHT
    incident = engine.triaged(f.incident(), f.org(), at).incident
    script: list[cmd.Command] = [
        cmd.Claim(),
        cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER, "rang out"),
        cmd.ContactOutcome(cmd.ContactResult.VOICEMAIL),
        cmd.NextContact(),
        cmd.ContactOutcome(cmd.ContactResult.WRONG_NUMBER),
        cmd.NextContact(),
        cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER),
        cmd.LawEnforcement("dispatch informed"),
        cmd.ContactOutcome(cmd.ContactResult.REACHED),
        cmd.Resolve(cmd.Resolution.REFERRED_TO_POLICE, "officers on site"),
    ]
    for command in script:
        at += MIN
        incident = step(incident, command, at).incident
    trail = [
        (s.action, s.contact.name if s.contact else None, s.outcome) for s in incident.escalation
    ]
    assert trail == [
        ("triage", None, None),
        ("claim", "Pat Principal", None),
        ("contact_outcome", "Pat Principal", "no_answer"),
        ("contact_outcome", "Pat Principal", "voicemail"),
        ("next_contact", "Sam Counselor", None),
        ("contact_outcome", "Sam Counselor", "wrong_number"),
        ("next_contact", "Dee District", None),
        ("contact_outcome", "Dee District", "no_answer"),
        ("law_enforcement", "Valley PD", None),
        ("contact_outcome", "Valley PD", "reached"),
        ("resolve", None, "referred_to_police"),
    ]
    assert [s.at for s in incident.escalation] == sorted(s.at for s in incident.escalation)
    assert incident.escalation[2].note == "rang out"
    assert incident.status is Status.RESOLVED
    assert incident.escalation[-1].by == "agent-1"


def test_reaching_a_contact_stops_the_contact_timer() -> None:
    """Once someone is reached the engine stops suggesting the next contact."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    out = step(claimed.incident, cmd.ContactOutcome(cmd.ContactResult.REACHED), f.NIGHT + MIN)
    assert cancelled(out) == {"inc-1:contact"}
    assert scheduled(out) == {}


def test_resolve_cancels_every_deadline() -> None:
    """Resolving leaves no timer behind."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    out = step(claimed.incident, cmd.Resolve(cmd.Resolution.FALSE_REPORT), f.NIGHT + MIN)
    assert cancelled(out) == {"inc-1:repage", "inc-1:contact", "inc-1:admins"}


def test_raising_to_emergency_posts_once_and_pages() -> None:
    """Raised to emergency, a queued report pages and posts; lowered and raised, no 2nd post."""
    queued = engine.triaged(f.incident(Urgency.ROUTINE), f.org(), f.NIGHT).incident
    up = step(queued, cmd.SetUrgency(Urgency.EMERGENCY, "mentions a gun"), f.NIGHT)
    assert up.incident.state == "paging"
    assert of_type(up, fx.SlackPost) == [fx.SlackPost()]
    assert DeadlineKind.REPAGE in scheduled(up)
    assert up.steps[0].note == "mentions a gun"
    down = step(up.incident, cmd.SetUrgency(Urgency.URGENT), f.NIGHT + MIN)
    assert down.incident.state == "queued"
    assert {"inc-1:repage", "inc-1:contact"} <= cancelled(down)
    assert scheduled(down) == {DeadlineKind.ADMINS: f.WEDNESDAY_OPENING}
    again = step(down.incident, cmd.SetUrgency(Urgency.EMERGENCY), f.NIGHT + 2 * MIN)
    assert of_type(again, fx.SlackPost) == []
    assert of_type(again, fx.SlackUpdate) != []


def test_same_urgency_is_only_a_note() -> None:
    """Setting the urgency it already has records the note and re-routes nothing."""
    paging = engine.triaged(f.incident(), f.org(), f.NIGHT).incident
    out = step(paging, cmd.SetUrgency(Urgency.EMERGENCY, "confirmed"), f.NIGHT)
    assert scheduled(out) == {}
    assert of_type(out, fx.NotifyAgents) == []


def test_claim_by_another_while_held_is_already_claimed() -> None:
    """A second claimant gets `already_claimed` naming the holder."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    with pytest.raises(errors.AlreadyClaimed, match="agent-1"):
        engine.apply(claimed.incident, cmd.Claim(), by="agent-2", now=f.NIGHT, org=f.org())


def test_reopen_returns_to_contacting_with_the_same_holder() -> None:
    """A reopened incident is open again, still held, and times the current contact."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    done = step(claimed.incident, cmd.Resolve(cmd.Resolution.NO_ACTION), f.NIGHT)
    out = engine.apply(
        done.incident, cmd.Reopen("caller rang back"), by="a2", now=f.NIGHT, org=f.org()
    )
    assert (out.incident.status, out.incident.claimed_by) == (Status.OPEN, "agent-1")
    assert DeadlineKind.CONTACT in scheduled(out)


@pytest.mark.parametrize(
    ("action", "fields", "expected"),
    [
        (
            "contact_outcome",
            {"outcome": "voicemail"},
            cmd.ContactOutcome(cmd.ContactResult.VOICEMAIL),
        ),
        ("next_contact", {"note": "n"}, cmd.NextContact("n")),
        ("law_enforcement", {}, cmd.LawEnforcement()),
        ("set_urgency", {"urgency": "urgent"}, cmd.SetUrgency(Urgency.URGENT)),
        ("resolve", {"resolution": "no_action"}, cmd.Resolve(cmd.Resolution.NO_ACTION)),
        ("reopen", {}, cmd.Reopen()),
    ],
)
def test_from_step_reads_the_wire_payload(
    action: str, fields: dict[str, str], expected: cmd.Command
) -> None:
    """Each `incident:step` action becomes its command."""
    assert cmd.from_step(action, **fields) == expected


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("contact_outcome", {}, "outcome is required"),
        ("contact_outcome", {"outcome": "busy"}, "outcome must be one of"),
        ("set_urgency", {"urgency": "meh"}, "urgency must be one of"),
        ("resolve", {}, "resolution is required"),
        ("dance", {}, "unknown action"),
    ],
)
def test_from_step_refuses_bad_values(action: str, fields: dict[str, str], message: str) -> None:
    """A missing or unknown value is a BadCommand, not an invalid transition."""
    with pytest.raises(errors.BadCommand, match=message) as caught:
        cmd.from_step(action, **fields)
    assert caught.value.code == "bad_payload"
