"""The console's buttons are the Incident's `actions`, as the table allows them, in a browser."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from playwright.async_api import Page

from escalation import machine
from escalation.machine import Action, State
from realtime import incident_wire
from tests.conftest import Server
from tests.realtime.browser import Web
from tipline import demo, models

HOLDER = "agent-7"
# Render an Incident in the console's own view (incident.js) and read what it offers: the
# buttons shown (claim, take over, reopen) and the step buttons that are on.
OFFERED_JS = """
async ([wire, me]) => {
  const view = await import("/static/incident.js");
  view.render(wire, me);
  const offered = [];
  const shown = { claim: "claim", "take-over": "take_over", reopen: "reopen" };
  for (const [id, action] of Object.entries(shown)) {
    if (!document.getElementById(id).hidden) offered.push(action);
  }
  for (const button of document.querySelectorAll("[data-step]")) {
    if (!button.disabled) offered.push(button.dataset.step);
  }
  return [...new Set(offered)].sort();
}
"""


def wire_in(state: State) -> dict[str, Any]:
    """The responders' wire of an emergency sitting in `state`, held by HOLDER once claimed."""
    claimed = state in machine.HELD or state is State.RESOLVED
    triage = models.Triage(
        urgency=models.Urgency.EMERGENCY,
        category=models.Category.WEAPON,
        language="en",
        confidence=0.9,
        reasons=("mentions a knife",),
    )
    incident = models.Incident(
        incident_id="TL-STATE1",
        org_code="DEMO",
        text="a knife in the locker room",
        channel=models.Channel.WEB,
        created_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
        triage=triage,
        urgency=models.Urgency.EMERGENCY,
        category=models.Category.WEAPON,
        policy=demo.organization().policy,
    )
    return incident_wire.of(
        dataclasses.replace(
            incident,
            state=state.value,
            status=models.Status.RESOLVED if state is State.RESOLVED else models.Status.OPEN,
            claimed_by=HOLDER if claimed else None,
            contact_index=3 if state is State.POLICE else 0,
        )
    )


def expected(state: State, *, holder: bool) -> list[str]:
    """The actions the table allows this viewer; a case that can be claimed is claimed
    first (its other steps wait for the claim)."""
    allowed = set(machine.allowed(state, holder=holder))
    if Action.CLAIM in allowed:
        allowed = {Action.CLAIM}
    return sorted(a.value for a in allowed)


async def offered(page: Page, wire: dict[str, Any], me: str) -> list[str]:
    result: list[str] = await page.evaluate(OFFERED_JS, [wire, me])
    return result


async def test_console_offers_exactly_the_allowed_actions_in_every_state(
    web: Web, tipline_server: Server
) -> None:
    """For every state of the table, to its holder and to anyone else, the console shows
    and enables exactly the actions that the Incident's `actions` (the table) allow."""
    page = await web.page(tipline_server.url + "/console")
    wrong = {}
    for state in State:
        wire = wire_in(state)
        for holder, me in ((True, HOLDER), (False, "someone-else")):
            want = expected(state, holder=holder)
            got = await offered(page, wire, me)
            if got != want:
                wrong[f"{state.value}/{'holder' if holder else 'other'}"] = (got, want)
    assert wrong == {}
    web.assert_clean()
