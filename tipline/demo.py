"""Demo mode's organisation and responders (PROTOCOL.md: `tipline serve` with no `--config`)."""

from __future__ import annotations

import datetime as dt

from tipline import models

ORG_CODE = "DEMO"
AGENT_ID = "demo-agent"
ADMIN_ID = "demo-admin"


def organization() -> models.Organization:
    """A school in Chicago, open 07:30-15:30 on weekdays, with three contacts and the police."""
    school_day = models.Hours(opens=dt.time(7, 30), closes=dt.time(15, 30))
    return models.Organization(
        code=ORG_CODE,
        name="Demo High School",
        timezone="America/Chicago",
        hours=dict.fromkeys(range(5), school_day),
        holidays=(dt.date(2026, 12, 25), dt.date(2027, 1, 1)),
        policy=models.Policy(
            contacts=(
                models.Contact(name="Dana Principal", role="Principal", phone="+1 555 0100"),
                models.Contact(name="Sam Counselor", role="Counselor", phone="+1 555 0101"),
                models.Contact(name="Alex Safety", role="Safety officer", phone="+1 555 0102"),
            ),
            law_enforcement=models.Contact(
                name="Demo City Police", role="Law enforcement", phone="+1 555 0911"
            ),
        ),
        languages=("en", "es"),
    )


def agent() -> models.Responder:
    return models.Responder(responder_id=AGENT_ID, name="Demo Agent", role=models.Role.AGENT)


def admin() -> models.Responder:
    return models.Responder(
        responder_id=ADMIN_ID, name="Demo Admin", role=models.Role.ADMIN, org_code=ORG_CODE
    )
