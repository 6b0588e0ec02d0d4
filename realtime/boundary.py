"""The error boundary around every Socket.IO handler.

python-socketio sends no acknowledgement at all when a handler raises, so the client would
just time out. Every handler is wrapped: whatever happens, the client gets a dict, `ok: true`
with the result or `ok: false` with a code, and the connection stays up.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pydantic

from escalation.errors import EscalationError
from tipline import logs
from tipline.errors import AppError, Unavailable

log = logging.getLogger("tipline.realtime")

S = TypeVar("S")
Ack = dict[str, Any]


def error(code: str, message: str) -> Ack:
    return {"ok": False, "error": {"code": code, "message": message}}


def guarded(handler: Callable[[S, str, Any], Awaitable[Ack]]) -> Callable[..., Awaitable[Ack]]:
    """Turn every exception of `handler` into an `ok: false` acknowledgement.

    A client may send no payload or several; the handler sees the first or None."""

    async def wrapper(self: S, sid: str, data: Any = None, /, *_ignored: Any) -> Ack:
        named = data.get("incident_id") if isinstance(data, dict) else None
        # Every log line of this event carries the incident id it names (ids only, no text).
        with logs.bind_incident(named if isinstance(named, str) and len(named) <= 64 else None):
            return await _answer(handler, self, sid, data)

    functools.update_wrapper(wrapper, handler)
    return wrapper


async def _answer(
    handler: Callable[[S, str, Any], Awaitable[Ack]], self: S, sid: str, data: Any
) -> Ack:
    try:
        return await handler(self, sid, data)
    except Unavailable as exc:  # a store out of reach: the adapters say so, whatever failed
        log.warning("store.unavailable", extra={"handler": handler.__name__})
        return error(exc.code, exc.message)
    except (AppError, EscalationError) as exc:  # a refusal carries its own wire code
        return error(exc.code, exc.message)
    except pydantic.ValidationError as exc:
        return error("bad_request", _explain(exc))
    except Exception:
        log.exception("handler.failed", extra={"handler": handler.__name__})
        return error("internal", "something went wrong on our side; nothing was changed")


def _explain(exc: pydantic.ValidationError) -> str:
    """Which field is wrong and how, without echoing the value (it may be a report's text)."""
    if exc.errors() and exc.errors()[0]["type"] in {"model_type", "dict_type"}:
        return "the payload must be an object"
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "payload"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
