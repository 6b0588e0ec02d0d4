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
    assert of_type(out, fx.MessageReporter) == [fx.MessageReporter(engine.JOINED, once="joined")]
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
        ("suggest_next_contact", "Sam Counselor", None),
        ("contact_outcome", "Pat Principal", "voicemail"),
        ("suggest_next_contact", "Sam Counselor", None),
        ("next_contact", "Sam Counselor", None),
        ("contact_outcome", "Sam Counselor", "wrong_number"),
        ("suggest_next_contact", "Dee District", None),
        ("next_contact", "Dee District", None),
        ("contact_outcome", "Dee District", "no_answer"),
        ("suggest_next_contact", "Valley PD", None),
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


def test_reopen_by_the_holder_returns_to_contacting_still_held() -> None:
    """A reopened incident is open again, still held, and times the current contact."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    done = step(claimed.incident, cmd.Resolve(cmd.Resolution.NO_ACTION), f.NIGHT)
    out = step(done.incident, cmd.Reopen("caller rang back"), f.NIGHT)
    assert (out.incident.status, out.incident.claimed_by) == (Status.OPEN, "agent-1")
    assert [s.action for s in out.steps] == ["reopen"]
    assert DeadlineKind.CONTACT in scheduled(out)


def test_reopen_by_another_responder_takes_the_incident_over() -> None:
    """Whoever reopens works it; the change of hands is a take_over step before the reopen."""
    claimed = step(engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT)
    done = step(claimed.incident, cmd.Resolve(cmd.Resolution.NO_ACTION), f.NIGHT)
    out = engine.apply(
        done.incident, cmd.Reopen("caller rang back"), by="a2", now=f.NIGHT, org=f.org()
    )
    assert (out.incident.status, out.incident.claimed_by) == (Status.OPEN, "a2")
    assert [(s.action, s.by) for s in out.steps] == [("take_over", "a2"), ("reopen", "a2")]


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
    assert caught.value.code == "bad_request"  # the wire code it gets (boundary, Slack)


def claimed_emergency() -> Incident:
    return step(
        engine.triaged(f.incident(), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT
    ).incident


@pytest.mark.parametrize(
    "command",
    [
        cmd.ContactOutcome(cmd.ContactResult.REACHED),
        cmd.NextContact(),
        cmd.LawEnforcement(),
        cmd.SetUrgency(Urgency.URGENT),
        cmd.Resolve(cmd.Resolution.NO_ACTION),
    ],
    ids=lambda c: type(c).__name__,
)
def test_only_the_holder_steps_a_claimed_incident(command: cmd.Command) -> None:
    """Anyone but the holder gets `claimed_by_other` naming the holder, and nothing changes."""
    held = claimed_emergency()
    with pytest.raises(errors.NotHolder, match="agent-1") as caught:
        engine.apply(held, command, by="admin-1", now=f.NIGHT + MIN, org=f.org())
    assert caught.value.code == "claimed_by_other"


def test_take_over_moves_the_incident_and_is_on_the_trail() -> None:
    """A take-over makes the taker the holder, who may then step; the old holder may not."""
    held = claimed_emergency()
    taken = engine.apply(held, cmd.TakeOver("shift change"), by="a2", now=f.NIGHT, org=f.org())
    assert taken.incident.claimed_by == "a2"
    assert [(s.action, s.by, s.note) for s in taken.steps] == [("take_over", "a2", "shift change")]
    assert taken.incident.state == held.state
    moved = engine.apply(taken.incident, cmd.NextContact(), by="a2", now=f.NIGHT, org=f.org())
    assert moved.incident.contact_index == 1
    with pytest.raises(errors.NotHolder):
        step(taken.incident, cmd.NextContact(), f.NIGHT)


def test_take_over_is_refused_to_the_holder_and_on_an_unclaimed_incident() -> None:
    """The holder cannot take over its own incident; an unclaimed one is claimed, not taken."""
    with pytest.raises(errors.InvalidTransition, match="already hold"):
        step(claimed_emergency(), cmd.TakeOver(), f.NIGHT)
    paging = engine.triaged(f.incident(), f.org(), f.NIGHT).incident
    with pytest.raises(errors.InvalidTransition):
        step(paging, cmd.TakeOver(), f.NIGHT)


def test_no_answer_offers_the_next_contact_each_time() -> None:
    """Each call that reaches nobody names the next contact, then law enforcement after the last."""
    held = claimed_emergency()
    first = step(held, cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER), f.NIGHT + MIN)
    again = step(first.incident, cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER), f.NIGHT + MIN)
    for out in (first, again):
        assert [(s.action, s.by, s.contact) for s in out.steps] == [
            ("contact_outcome", "agent-1", f.PRIMARY),
            ("suggest_next_contact", engine.SYSTEM, f.SECONDARY),
        ]
    last = dataclasses.replace(held, contact_index=2)
    out = step(last, cmd.ContactOutcome(cmd.ContactResult.WRONG_NUMBER), f.NIGHT + MIN)
    assert out.steps[-1].contact == f.POLICE
    reached = step(held, cmd.ContactOutcome(cmd.ContactResult.REACHED), f.NIGHT + MIN)
    assert [s.action for s in reached.steps] == ["contact_outcome"]


def test_after_law_enforcement_its_call_is_the_current_contact() -> None:
    """Law enforcement notified: the current contact is the agency, and outcomes name it."""
    police = step(claimed_emergency(), cmd.LawEnforcement(), f.NIGHT + MIN).incident
    assert engine.current_contact(police) == f.POLICE
    out = step(police, cmd.ContactOutcome(cmd.ContactResult.NO_ANSWER), f.NIGHT + 2 * MIN)
    assert [(s.action, s.contact) for s in out.steps] == [("contact_outcome", f.POLICE)]


def resolved(urgency: Urgency) -> Incident:
    at = f.NIGHT
    queued = engine.triaged(f.incident(urgency), f.org(), at).incident
    held = step(queued, cmd.Claim(), at).incident
    return step(held, cmd.Resolve(cmd.Resolution.HANDLED_BY_SCHOOL), at).incident


def test_reporter_writing_on_a_resolved_emergency_reopens_it_unclaimed_and_pages() -> None:
    """Back on a resolved emergency: open, unclaimed, paged again, and the reporter is told."""
    before = resolved(Urgency.EMERGENCY)
    out = engine.reporter_wrote(before, urgency=Urgency.ROUTINE, org=f.org(), now=f.NIGHT + MIN)
    assert (out.incident.status, out.incident.state) == (Status.OPEN, "paging")
    assert out.incident.claimed_by is None
    assert out.incident.urgency is Urgency.EMERGENCY  # never lowered by the message
    assert [(s.action, s.by) for s in out.steps] == [("reopen", "reporter")]
    assert [e.reason for e in of_type(out, fx.NotifyAgents)] == [
        fx.Alert.EMERGENCY,
        fx.Alert.REOPENED,
    ]
    assert of_type(out, fx.SlackPost) == []  # posted once already: the thread gets the line
    assert [e.step.action for e in of_type(out, fx.SlackUpdate)] == ["reopen"]
    assert scheduled(out) == {DeadlineKind.REPAGE: f.NIGHT + 4 * MIN}
    assert of_type(out, fx.MessageReporter) == [fx.MessageReporter(engine.REOPENED)]
    assert out.effects[-1] == fx.Publish("incident:updated")


def test_an_emergency_message_on_a_resolved_routine_case_raises_posts_and_pages() -> None:
    """ "He has the gun NOW" on a closed routine case: raised to emergency, posted, paged."""
    before = resolved(Urgency.ROUTINE)
    out = engine.reporter_wrote(before, urgency=Urgency.EMERGENCY, org=f.org(), now=f.NIGHT)
    assert (out.incident.state, out.incident.urgency) == ("paging", Urgency.EMERGENCY)
    assert [(s.action, s.by, s.urgency) for s in out.steps] == [
        ("reopen", "reporter", None),
        ("set_urgency", "triage", Urgency.EMERGENCY),
    ]
    assert of_type(out, fx.SlackPost) == [fx.SlackPost()]
    assert DeadlineKind.REPAGE in scheduled(out)
    # The thread's alert comes after the post that creates the thread.
    kinds = [type(e) for e in out.effects]
    assert kinds.index(fx.SlackPost) < kinds.index(fx.MessageReporter)
    assert out.effects.index(fx.NotifyAgents(fx.Alert.REOPENED)) > kinds.index(fx.SlackPost)


def test_a_routine_message_on_a_resolved_routine_case_still_reaches_agents() -> None:
    """Reopened at night as routine: agents are alerted now; the school at its opening."""
    out = engine.reporter_wrote(
        resolved(Urgency.ROUTINE), urgency=Urgency.ROUTINE, org=f.org(), now=f.NIGHT
    )
    assert out.incident.state == "queued"
    assert [e.reason for e in of_type(out, fx.NotifyAgents)] == [fx.Alert.REOPENED]
    assert scheduled(out) == {DeadlineKind.ADMINS: f.WEDNESDAY_OPENING}


def test_reporter_message_on_an_open_case_only_ever_raises() -> None:
    """On an open case a higher verdict raises the urgency; a lower or equal one does nothing."""
    held = step(
        engine.triaged(f.incident(Urgency.URGENT), f.org(), f.NIGHT).incident, cmd.Claim(), f.NIGHT
    ).incident
    same = engine.reporter_wrote(held, urgency=Urgency.ROUTINE, org=f.org(), now=f.NIGHT)
    assert same.effects == ()
    assert same.incident == held
    up = engine.reporter_wrote(held, urgency=Urgency.EMERGENCY, org=f.org(), now=f.NIGHT)
    assert up.incident.urgency is Urgency.EMERGENCY
    assert up.incident.claimed_by == "agent-1"
    assert [(s.action, s.by) for s in up.steps] == [("set_urgency", "triage")]
    assert of_type(up, fx.SlackPost) == [fx.SlackPost()]
