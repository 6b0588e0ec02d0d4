"""Re-triage: the model's verdict on a report that the safety net triaged first. Pure.

A report is stored and answered with the safety net's verdict when the model is loading or
busy (`tipline.service`); the model reads it afterwards. Its verdict then replaces the
first one in `triage` (category, language, confidence, reasons), but urgency only ever
goes up: a report that a person may already have seen as urgent is never quietly lowered.
When the model raises the urgency the incident goes through the escalation engine exactly as
if a responder had raised it (`set_urgency` by `triage`: an emergency pages the agents,
posts to Slack, re-pages until claimed); otherwise a `retriage` step by `triage` records
what the model said.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from escalation import commands, engine, errors, routing
from escalation import effects as fx
from tipline import models

BY = "triage"  # the `by` of the steps re-triage takes


def merge(first: models.Triage, model: models.Triage) -> models.Triage:
    """The model's verdict, its urgency never below the first one's."""
    if model.urgency.rank >= first.urgency.rank:
        return model
    kept = (
        f"kept {first.urgency.value}: a first triage is never lowered "
        f"(the model said {model.urgency.value})"
    )
    return dataclasses.replace(model, urgency=first.urgency, reasons=(*model.reasons, kept))


def retriaged(
    incident: models.Incident,
    model: models.Triage,
    *,
    org: models.Organization,
    now: dt.datetime,
) -> engine.Outcome | None:
    """The incident with the model's verdict and the effects to run; None when the model
    adds nothing (the same verdict, e.g. the rules again when the model could not load)."""
    first = incident.triage
    merged = merge(first, model)
    if merged == first:
        return None
    # The reporter's own choice of category stays; the first triage's gives way.
    category = merged.category if incident.category is first.category else incident.category
    note = f"model: {model.urgency.value}, {model.category.value} ({model.confidence:.0%})"
    rises = model.urgency.rank > max(first.urgency.rank, incident.urgency.rank)
    if rises and incident.status is models.Status.OPEN:
        command = commands.SetUrgency(model.urgency, note=note)
        try:
            raised = engine.apply(incident, command, by=BY, now=now, org=org)
        except errors.EscalationError:
            pass  # a state that takes no urgency change: recorded below, not raised
        else:
            changed = dataclasses.replace(raised.incident, triage=merged, category=category)
            return engine.Outcome(changed, raised.effects)
    step = models.Step(at=now, by=BY, action="retriage", note=note)
    effects: list[fx.Effect] = [fx.AppendStep(step)]
    if routing.slack_posted(incident):
        effects.append(fx.SlackUpdate(step))
    effects.append(fx.Publish("incident:updated"))
    changed = dataclasses.replace(
        incident, triage=merged, category=category, escalation=(*incident.escalation, step)
    )
    return engine.Outcome(changed, tuple(effects))
