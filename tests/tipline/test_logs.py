"""Logs are JSON lines that never carry a reporter's address, user agent or text."""

from __future__ import annotations

import io
import json
import logging

from tipline import logs


def emit(record_extra: dict[str, object], message: str = "event.name") -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.Redactor())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info(message, extra=record_extra)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert line.count("\n") == 1
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_denied_fields_are_dropped() -> None:
    """ip, user_agent, sid, text and headers never appear; allowed fields do."""
    entry = emit(
        {
            "ip": "10.1.2.3",
            "user_agent": "Mozilla",
            "sid": "abc",
            "text": "secret report",
            "headers": {"Cookie": "x"},
            "urgency": "emergency",
        }
    )
    assert entry["urgency"] == "emergency"
    for name in ("ip", "user_agent", "sid", "text", "headers"):
        assert name not in entry
    assert "secret report" not in json.dumps(entry)


def test_addresses_in_messages_are_masked() -> None:
    """An IPv4 or IPv6 address inside a message or a field is replaced by <addr>."""
    entry = emit({"detail": "from 192.168.4.20"}, message="peer 2001:db8:85a3::8a2e:370:7334 x")
    assert "192.168" not in json.dumps(entry)
    assert entry["detail"] == "from <addr>"
    assert "2001:db8" not in str(entry["event"])


def test_incident_id_is_bound_from_context() -> None:
    """Inside bind_incident every record carries the incident id."""
    with logs.bind_incident("TL-ABC"):
        entry = emit({})
    assert entry["incident_id"] == "TL-ABC"
    assert "incident_id" not in emit({})


def test_exception_trace_has_no_exception_message() -> None:
    """A logged exception keeps its type and frames but not its message (it may quote input)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("tests.logs.exc")
    logger.addHandler(handler)
    logger.propagate = False
    quoted = "the report said: meet me " + "behind the gym"
    try:
        raise ValueError(quoted)
    except ValueError:
        logger.exception("handler.failed")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["error"] == "ValueError"
    assert "behind the gym" not in stream.getvalue()
