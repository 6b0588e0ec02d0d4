"""Abuse limits: how much one school, incident or connection may do, and how much guessing.

The numbers are per window and deliberately generous for honest use (a whole district may
report at once after a threat spreads); they stop floods, not people. Buckets are named by
school, incident or connection, never by address (docs/security.md).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    # report:create, per connection; per school only for reports without a proof of work
    # (older clients): a proven report is never refused for its school's load, and a rules
    # emergency never at all (tipline/admission.py, docs/security.md).
    reports_per_connection: int = 5
    unproven_reports_per_school: int = 60
    report_window_s: float = 60.0
    # message:send, per connection (in memory) and per incident and side (shared).
    messages_per_connection: int = 30
    messages_per_incident: int = 120
    message_window_s: float = 60.0
    # Failed receipt or token attempts, a real limit rather than a delay (docs/security.md):
    # every process together checks at most this many wrong receipts (and, apart, wrong
    # tokens) a window; past it every attempt of that kind is refused `rate_limited` without
    # being checked until the window ends. A right one spends nothing, so honest use never
    # reaches it; only a guesser does, who then learns nothing more: at most 300 guesses a
    # minute, whatever the number of sockets.
    guess_failures_per_window: int = 300
    guess_window_s: float = 60.0
    # One connection may fail this many times; then it is refused unchecked.
    guess_failures_per_connection: int = 5
