"""The wire's time format (`models.iso`): what the formatted fast path gives against the
standard library's `isoformat`, and its one-entry cache."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tipline import models

MOMENTS = [
    dt.datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=dt.UTC),  # microseconds cut, not rounded
    dt.datetime(2026, 7, 1, 20, 0, 0, 999, tzinfo=zoneinfo.ZoneInfo("America/Chicago")),
    dt.datetime(2026, 3, 3, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(5, 1, 1, tzinfo=dt.UTC),  # a four-digit year, zero-padded
    dt.datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
]


def reference(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_iso_is_utc_with_z_and_milliseconds_as_isoformat_writes_it(moment: dt.datetime) -> None:
    """Any zone in, UTC out with a `Z`, milliseconds truncated; parse_iso reads it back."""
    assert models.iso(moment) == reference(moment)
    assert models.parse_iso(models.iso(moment)) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


def test_the_same_moment_again_and_another_in_between_stay_right() -> None:
    """The cache answers only for the very moment it formatted last."""
    first, second = MOMENTS[0], MOMENTS[1]
    assert [models.iso(m) for m in (first, first, second, first, second)] == [
        reference(first),
        reference(first),
        reference(second),
        reference(first),
        reference(second),
    ]
