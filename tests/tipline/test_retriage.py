"""Re-triage (pure): the model's later verdict goes in, the urgency only ever goes up."""

from __future__ import annotations

import datetime as dt

from escalation import commands, engine
from escalation import effects as fx
from tipline import demo, models, retriage

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)  # night at the demo school
NET = models.Triage(
    urgency=models.Urgency.URGENT,
    category=models.Category.OTHER,
    language="en",
    confidence=0.5,
    reasons=("no life-threat pattern; model unavailable, so at least urgent",),
)


def model(urgency: models.Urgency, category: models.Category) -> models.Triage:
    return models.Triage(urgency, category, "en", 0.9, (f"model: {urgency.value} (90%)",))


def filed(*, category: models.Category | None = None) -> models.Incident:
    """A report filed on the safety net's verdict, as the service stores it."""
    draft = models.Incident(
        incident_id="TL-TEST",
        org_code="DEMO",
        text="see you at the parking lot",
        channel=models.Channel.WEB,
        created_at=NOW,
        triage=NET,
        urgency=NET.urgency,
        category=category or NET.category,
        version=1,
    )
    return engine.triaged(draft, demo.organization(), NOW).incident


def test_an_emergency_from_the_model_raises_through_the_engine() -> None:
    """The model's emergency raises the incident like a responder's set_urgency would:
    paging, the agents alerted, the Slack post, a re-page; the step is by triage."""
    outcome = retriage.retriaged(
        filed(), model(models.Urgency.EMERGENCY, models.Category.THREAT),
        org=demo.organization(), now=NOW,
    )  # fmt: skip
    assert outcome is not None
    incident = outcome.incident
    assert (incident.urgency, incident.state) == (models.Urgency.EMERGENCY, "paging")
    assert incident.category is models.Category.THREAT
    assert incident.triage.urgency is models.Urgency.EMERGENCY
    step = incident.escalation[-1]
    assert (step.by, step.action, step.urgency) == ("triage", "set_urgency", step.urgency)
    kinds = [type(e) for e in outcome.effects]
    assert fx.SlackPost in kinds
    assert fx.NotifyAgents(fx.Alert.EMERGENCY) in outcome.effects
    assert any(isinstance(e, fx.ScheduleDeadline) for e in outcome.effects)


def test_a_lower_verdict_never_lowers_the_urgency() -> None:
    """The model's routine leaves the report urgent, says why, and records a retriage step."""
    outcome = retriage.retriaged(
        filed(), model(models.Urgency.ROUTINE, models.Category.BULLYING),
        org=demo.organization(), now=NOW,
    )  # fmt: skip
    assert outcome is not None
    incident = outcome.incident
    assert incident.urgency is models.Urgency.URGENT
    assert incident.triage.urgency is models.Urgency.URGENT
    assert incident.triage.reasons[-1].startswith("kept urgent")
    assert incident.category is models.Category.BULLYING
    assert [(s.by, s.action) for s in outcome.steps] == [("triage", "retriage")]
    assert not any(isinstance(e, fx.SlackPost | fx.NotifyAgents) for e in outcome.effects)


def test_the_reporters_own_category_stays() -> None:
    """A category the reporter chose is not replaced by the model's."""
    outcome = retriage.retriaged(
        filed(category=models.Category.SUBSTANCE),
        model(models.Urgency.ROUTINE, models.Category.BULLYING),
        org=demo.organization(), now=NOW,
    )  # fmt: skip
    assert outcome is not None
    assert outcome.incident.category is models.Category.SUBSTANCE


def test_a_responders_lowering_is_not_undone_by_a_verdict_that_is_not_higher() -> None:
    """A responder lowered the report to routine: the model's urgent does not raise it back."""
    incident = filed()
    lowered = engine.apply(
        incident, commands.SetUrgency(models.Urgency.ROUTINE), by="agent-1", now=NOW,
        org=demo.organization(),
    ).incident  # fmt: skip
    outcome = retriage.retriaged(
        lowered, model(models.Urgency.URGENT, models.Category.HARASSMENT),
        org=demo.organization(), now=NOW,
    )  # fmt: skip
    assert outcome is not None
    assert outcome.incident.urgency is models.Urgency.ROUTINE


def test_a_resolved_report_is_recorded_not_raised() -> None:
    """On a resolved report the model's emergency is recorded in the trail, nothing pages."""
    incident = filed()
    claimed = engine.apply(incident, commands.Claim(), by="a", now=NOW, org=demo.organization())
    done = engine.apply(
        claimed.incident, commands.Resolve(commands.Resolution.NO_ACTION), by="a", now=NOW,
        org=demo.organization(),
    ).incident  # fmt: skip
    outcome = retriage.retriaged(
        done, model(models.Urgency.EMERGENCY, models.Category.THREAT),
        org=demo.organization(), now=NOW,
    )  # fmt: skip
    assert outcome is not None
    assert outcome.incident.status is models.Status.RESOLVED
    assert [s.action for s in outcome.steps] == ["retriage"]


def test_the_same_verdict_again_changes_nothing() -> None:
    """When the model could not load its rules give the same verdict: nothing to store."""
    assert retriage.retriaged(filed(), NET, org=demo.organization(), now=NOW) is None
