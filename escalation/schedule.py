"""School schedules: is the school open at a moment, and when does it next open.

Everything is computed in the school's own IANA time zone from an aware instant, so the
server's local zone never matters and DST days come out right: a wall-clock opening time
is turned into an instant with that day's offset, not with today's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tipline.models import Hours, Organization

# Two years of days: enough to get past any run of holidays a school could configure.
_HORIZON_DAYS = 731


def is_open(org: Organization, at: dt.datetime) -> bool:
    """Whether `org` is in school hours at the aware instant `at`."""
    local = _local(org, at)
    hours = _hours_on(org, local.date())
    if hours is None:
        return False
    opening = _instant(org, local.date(), hours.opens)
    closing = _instant(org, local.date(), hours.closes)
    return opening <= at < closing


def next_opening(org: Organization, at: dt.datetime) -> dt.datetime | None:
    """The first opening strictly after `at`, in UTC; None when the school never opens.

    When the school is open at `at` this is the *next* day's opening; callers that mean
    "now if open" ask `is_open` first (as `routing` does).
    """
    day = _local(org, at).date()
    for offset in range(_HORIZON_DAYS):
        candidate = day + dt.timedelta(days=offset)
        hours = _hours_on(org, candidate)
        if hours is None:
            continue
        opening = _instant(org, candidate, hours.opens)
        if opening > at:
            return opening
    return None


def _local(org: Organization, at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("schedule needs an aware datetime; naive times are ambiguous")
    return at.astimezone(ZoneInfo(org.timezone))


def _hours_on(org: Organization, day: dt.date) -> Hours | None:
    """Opening hours of a local date, or None for weekends, holidays and closures."""
    if day in org.holidays:
        return None
    hours = org.hours.get(day.weekday())
    if hours is None or hours.closes <= hours.opens:
        return None
    return hours


def _instant(org: Organization, day: dt.date, wall: dt.time) -> dt.datetime:
    """The UTC instant of a local wall-clock time on `day`.

    A time skipped by spring-forward is read with the offset before the jump (fold=0),
    i.e. it lands just after the gap; a repeated time at fall-back is its first occurrence.
    """
    local = dt.datetime.combine(day, wall, tzinfo=ZoneInfo(org.timezone))
    return local.astimezone(dt.UTC)
