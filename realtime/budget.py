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


# The failed credential attempts of one Engine.IO connection, kept in its `environ` (the one
# dict python-socketio hands every namespace connect of that connection), never stored.
_FAILED = "tipline.failed_attempts"


def attempt_allowed(environ: dict[str, Any], *, limit: int) -> None:
    """`rate_limited`, without checking anything, once this connection failed `limit` times."""
    if environ.get(_FAILED, 0) >= limit:
        raise AppError("rate_limited", "too many wrong attempts on this connection")


def attempt_failed(environ: dict[str, Any]) -> None:
    environ[_FAILED] = environ.get(_FAILED, 0) + 1
