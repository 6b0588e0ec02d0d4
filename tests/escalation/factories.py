"""Builders of schools, policies and incidents for the escalation tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from tipline.models import (
    Category,
    Channel,
    Contact,
    Hours,
    Incident,
    Organization,
    Policy,
    Triage,
    Urgency,
)

LA = "America/Los_Angeles"
SCHOOL_DAY = Hours(opens=dt.time(8, 0), closes=dt.time(16, 0))
WEEKDAYS: Mapping[int, Hours] = dict.fromkeys(range(5), SCHOOL_DAY)
PRIMARY = Contact(name="Pat Principal", role="principal", phone="+15550001")
SECONDARY = Contact(name="Sam Counselor", role="counselor", phone="+15550002")
THIRD = Contact(name="Dee District", role="district", phone="+15550003")
POLICE = Contact(name="Valley PD", role="law_enforcement", phone="+15550911")
POLICY = Policy(contacts=(PRIMARY, SECONDARY, THIRD), law_enforcement=POLICE)
# Tuesday 3 March 2026, 10:00 in Los Angeles (PST, UTC-8): school is open.
SCHOOL_HOURS = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
# The same Tuesday, 22:00 in Los Angeles: school is closed until Wednesday 08:00.
NIGHT = dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC)
WEDNESDAY_OPENING = dt.datetime(2026, 3, 4, 16, 0, tzinfo=dt.UTC)


def org(
    *,
    timezone: str = LA,
    hours: Mapping[int, Hours] = WEEKDAYS,
    holidays: tuple[dt.date, ...] = (),
    policy: Policy = POLICY,
) -> Organization:
    return Organization(
        code="LHS",
        name="Lincoln High",
        timezone=timezone,
        hours=hours,
        holidays=holidays,
        policy=policy,
    )


def incident(urgency: Urgency = Urgency.EMERGENCY, **changes: object) -> Incident:
    """A fresh, untriaged incident; `changes` replace fields."""
    base = Incident(
        incident_id="inc-1",
        org_code="LHS",
        text="report text",
        channel=Channel.WEB,
        created_at=SCHOOL_HOURS,
        triage=Triage(urgency, Category.THREAT, "en", 0.9, ("test",)),
        urgency=urgency,
        category=Category.THREAT,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]
