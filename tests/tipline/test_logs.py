"""Logs are JSON lines that never carry a reporter's address, user agent or text."""

from __future__ import annotations

import io
import json
import logging
import threading

from tipline import logs


def emit(record_extra: dict[str, object], message: str = "event.name") -> dict[str, object]:
    with logs.capture() as entries:
        logging.getLogger("tests.logs").info(message, extra=record_extra)
    (entry,) = entries
    return entry


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
    quoted = "the report said: meet me " + "behind the gym"
    with logs.capture() as entries:
        try:
            raise ValueError(quoted)
        except ValueError:
            logging.getLogger("tests.logs.exc").exception("handler.failed")
    (entry,) = entries
    assert entry["error"] == "ValueError"
    assert "behind the gym" not in json.dumps(entry)


def test_capture_holds_what_setup_writes_and_then_puts_the_root_logger_back() -> None:
    """`capture()` yields each record as the very object `setup` writes as a JSON line, from
    any logger and any thread; afterwards the root logger has its handlers and level back."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    stream = io.StringIO()
    with logs.capture():  # restores the root logger after `setup` too
        logs.setup(level="DEBUG", stream=stream)
        logging.getLogger("tipline.probe").warning("probe.logged", extra={"n": 1, "ip": "x"})
    (written,) = (json.loads(line) for line in stream.getvalue().splitlines())
    with logs.capture() as entries, logs.bind_incident("TL-CAPTURE"):
        logging.getLogger("tipline.probe").warning("probe.logged", extra={"n": 1, "ip": "x"})
        worker = threading.Thread(target=logging.getLogger("elsewhere").debug, args=("thread",))
        worker.start()
        worker.join()
    assert (list(root.handlers), root.level) == before
    first, second = entries
    assert {**first, "ts": written["ts"]} == {**written, "incident_id": "TL-CAPTURE"}
    assert (second["logger"], second["level"], second["event"]) == ("elsewhere", "debug", "thread")
    logging.getLogger("tipline.probe").warning("after the block")
    assert len(entries) == 2
