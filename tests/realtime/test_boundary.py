"""The error boundary: every exception becomes an ack, and log lines carry the incident id."""

from __future__ import annotations

import logging
from typing import Any

from escalation import commands
from realtime.boundary import Ack, guarded
from tipline import errors, logs
from tipline.errors import AppError

log = logging.getLogger("tests.boundary")


class Handlers:
    @guarded
    async def logs_something(self, sid: str, data: Any) -> Ack:
        log.warning("inside.handler")
        return {"ok": True}

    @guarded
    async def refuses(self, sid: str, data: Any) -> Ack:
        raise AppError("not_found", "no such incident")

    @guarded
    async def store_down(self, sid: str, data: Any) -> Ack:
        # What every store adapter raises when Redis cannot be reached (adapters/reach.py).
        raise errors.unavailable()

    @guarded
    async def bad_step(self, sid: str, data: Any) -> Ack:
        commands.from_step("resolve")  # the engine refuses: no resolution
        return {"ok": True}

    @guarded
    async def breaks(self, sid: str, data: Any) -> Ack:
        raise ZeroDivisionError("a report said: divide and conquer")


async def test_log_lines_of_an_event_carry_its_incident_id() -> None:
    """A handler's log line names the incident of the payload, and nothing once it is done."""
    with logs.capture() as entries:
        await Handlers().logs_something("sid", {"incident_id": "TL-ABCDE12345"})
        await Handlers().logs_something("sid", "not a dict")
        log.warning("after.handler")
    first, second, after = (e for e in entries if e["logger"] == log.name)
    assert first["incident_id"] == "TL-ABCDE12345"
    assert "incident_id" not in second
    assert "incident_id" not in after


async def test_every_failure_is_an_ack_with_a_code() -> None:
    """Refusals keep their code; Redis errors are `unavailable`; bugs are `internal`."""
    handlers = Handlers()
    assert (await handlers.refuses("sid", {}))["error"]["code"] == "not_found"
    assert (await handlers.store_down("sid", {}))["error"]["code"] == "unavailable"
    broken = await handlers.breaks("sid", {}, "extra", "arguments")
    assert broken == {
        "ok": False,
        "error": {
            "code": "internal",
            "message": "something went wrong on our side; nothing was changed",
        },
    }


async def test_an_engine_refusal_reaches_the_client_with_its_own_code() -> None:
    """A BadCommand from the engine is `bad_request`, the code it carries, with its message."""
    refused = await Handlers().bad_step("sid", {})
    assert refused == {
        "ok": False,
        "error": {"code": "bad_request", "message": "resolution is required"},
    }
