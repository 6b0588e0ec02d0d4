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
    # Failed receipt or token attempts (tipline/guessing.py, docs/security.md): every process
    # together checks this many wrong receipts (and, apart, wrong tokens) a window for free;
    # past it an attempt of that kind is checked only with a solved proof of work (refused
    # `pow_required`, unchecked, with a challenge otherwise), so every further guess costs
    # its sender the work and no flood keeps a right receipt or token out. A right one
    # spends nothing, so honest use never reaches it.
    guess_failures_per_window: int = 300
    guess_window_s: float = 60.0
    # One connection may fail this many times; then it is refused unchecked (that
    # connection only: a new one has its own).
    guess_failures_per_connection: int = 5
