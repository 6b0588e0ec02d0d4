"""The system clock behind the Clock port."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
