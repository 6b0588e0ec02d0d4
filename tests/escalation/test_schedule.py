"""School schedules: open or not, and the next opening, across weekends, holidays and DST."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import hypothesis
import pytest
from hypothesis import strategies as st

from escalation import schedule
from tests.escalation import factories as f
from tipline.models import Hours

UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def server_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test with the process's local zone far from the school's."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 3, 15, 59), False),  # Tuesday 07:59 PST
        (utc(2026, 3, 3, 16, 0), True),  # Tuesday 08:00 PST, the opening itself
        (utc(2026, 3, 3, 23, 59), True),  # Tuesday 15:59 PST
        (utc(2026, 3, 4, 0, 0), False),  # Tuesday 16:00 PST, the closing itself
        (utc(2026, 3, 7, 18, 0), False),  # Saturday 10:00 PST
    ],
)
def test_is_open_in_the_schools_zone(at: dt.datetime, expected: bool) -> None:
    """Opening is inclusive, closing exclusive, weekends closed, all in the school's zone."""
    assert schedule.is_open(f.org(), at) is expected


def test_friday_evening_waits_for_monday() -> None:
    """Friday 17:00 in Los Angeles next opens Monday 08:00 PST."""
    friday_17 = utc(2026, 2, 28, 1, 0)  # Friday 27 February 17:00 PST
    assert schedule.next_opening(f.org(), friday_17) == utc(2026, 3, 2, 16, 0)
    assert not schedule.is_open(f.org(), utc(2026, 3, 1, 18, 0))  # Sunday 10:00


def test_holiday_monday_skips_to_tuesday() -> None:
    """A holiday Monday after a weekend moves the next opening to Tuesday."""
    school = f.org(holidays=(dt.date(2026, 2, 16),))  # Presidents' Day
    friday_17 = utc(2026, 2, 14, 1, 0)
    assert schedule.next_opening(school, friday_17) == utc(2026, 2, 17, 16, 0)
    assert not schedule.is_open(school, utc(2026, 2, 16, 18, 0))


def test_spring_forward_night_uses_the_new_offset() -> None:
    """After the 8 March 2026 jump to PDT, Monday 08:00 is 15:00 UTC, not 16:00."""
    saturday_night = utc(2026, 3, 8, 7, 0)  # Saturday 23:00 PST
    opening = schedule.next_opening(f.org(), saturday_night)
    assert opening == utc(2026, 3, 9, 15, 0)
    assert schedule.is_open(f.org(), opening)
    assert not schedule.is_open(f.org(), opening - dt.timedelta(seconds=1))


def test_fall_back_night_uses_the_new_offset() -> None:
    """After the 1 November 2026 return to PST, Monday 08:00 is 16:00 UTC, not 15:00."""
    friday_17 = utc(2026, 10, 31, 0, 0)  # Friday 30 October 17:00 PDT
    assert schedule.next_opening(f.org(), friday_17) == utc(2026, 11, 2, 16, 0)


def test_opening_inside_the_spring_gap_lands_after_it() -> None:
    """A Sunday opening at 02:30, a time that does not exist on 8 March, opens at 03:30 PDT."""
    school = f.org(hours={6: Hours(dt.time(2, 30), dt.time(5, 0))})
    assert schedule.next_opening(school, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 10, 30)


def test_opening_inside_the_fall_repeat_takes_the_first() -> None:
    """A Sunday opening at 01:30, which happens twice on 1 November, opens at the first."""
    school = f.org(hours={6: Hours(dt.time(1, 30), dt.time(5, 0))})
    assert schedule.next_opening(school, utc(2026, 11, 1, 0, 0)) == utc(2026, 11, 1, 8, 30)


@pytest.mark.usefixtures("server_in_tokyo")
def test_los_angeles_school_from_a_machine_elsewhere() -> None:
    """The server's own zone changes nothing: only the school's zone counts."""
    assert not schedule.is_open(f.org(), utc(2026, 3, 3, 15, 30))
    assert schedule.is_open(f.org(), utc(2026, 3, 3, 16, 30))
    assert schedule.next_opening(f.org(), utc(2026, 3, 3, 15, 30)) == utc(2026, 3, 3, 16, 0)


def test_utc_machine_near_midnight_utc() -> None:
    """At 01:00 UTC Wednesday it is still Tuesday 17:00 in Los Angeles: next is Wednesday."""
    assert schedule.next_opening(f.org(), utc(2026, 3, 4, 1, 0)) == utc(2026, 3, 4, 16, 0)


def test_open_now_gives_the_following_opening() -> None:
    """During school hours the next opening is the next school day's."""
    assert schedule.next_opening(f.org(), f.SCHOOL_HOURS) == f.WEDNESDAY_OPENING


def test_school_without_hours_never_opens() -> None:
    """A school with no hours has no next opening and is never open."""
    school = f.org(hours={})
    assert schedule.next_opening(school, f.NIGHT) is None
    assert not schedule.is_open(school, f.SCHOOL_HOURS)


def test_naive_time_is_refused() -> None:
    """A naive datetime is ambiguous, so it is an error rather than a guess."""
    with pytest.raises(ValueError, match="aware"):
        schedule.is_open(f.org(), dt.datetime(2026, 3, 3, 10, 0))


@hypothesis.given(
    at=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(UTC),
    )
)
def test_next_opening_is_the_first_open_minute_after(at: dt.datetime) -> None:
    """The next opening is later, open, and just before it the school was closed."""
    school = f.org(holidays=(dt.date(2026, 12, 25), dt.date(2027, 1, 1)))
    opening = schedule.next_opening(school, at)
    assert opening is not None
    assert opening > at
    assert schedule.is_open(school, opening)
    assert not schedule.is_open(school, opening - dt.timedelta(microseconds=1))
