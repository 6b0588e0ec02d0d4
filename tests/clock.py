"""The one fake clock of the tests: time that moves only when the test moves it.

It implements the Clock port (`tipline.ports.Clock`); pass it where the service, the
escalation engine or the deadline sweeper take a clock. The demo runs on the wall clock
(`tipline.clock.SystemClock`), so this lives with the tests.
"""

from __future__ import annotations

import datetime as dt


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.moment = now

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, seconds: float) -> dt.datetime:
        """Move on by `seconds`; returns the new moment."""
        self.moment += dt.timedelta(seconds=seconds)
        return self.moment
