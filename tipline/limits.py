"""Abuse limits: how much one school, incident or connection may do, and how guessing slows.

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
    # Failed receipt or token attempts: each refusal waits this long per recent failure
    # (capped), so guessing slows while honest users, who do not fail, never wait.
    guess_delay_s: float = 0.25
    guess_delay_cap_s: float = 3.0
    guess_window_s: float = 60.0
