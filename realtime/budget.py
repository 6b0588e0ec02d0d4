"""Per-connection budgets, kept in the connection's in-memory session (never in the store)."""

from __future__ import annotations

import time
from typing import Any

from tipline.errors import AppError


def spend(session: dict[str, Any], name: str, *, limit: int, window_s: float) -> None:
    """Count one `name` action of this connection; `rate_limited` past `limit` a window."""
    now = time.monotonic()
    started, used = session.get(f"budget:{name}", (now, 0))
    if now - started >= window_s:
        started, used = now, 0
    if used >= limit:
        raise AppError("rate_limited", "too many at once from this connection; wait a minute")
    session[f"budget:{name}"] = (started, used + 1)
