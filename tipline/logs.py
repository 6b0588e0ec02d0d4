"""Structured, anonymous logs: one JSON object a line.

Every record goes through `Redactor`, which drops fields that could identify a reporter or
carry what they wrote (IP, user agent, headers, sid, text) and masks IP addresses inside the
message itself. The incident id is bound with `bind_incident` and added to every record of
that task. Libraries that log client addresses (aiohttp's access log, engine.io) are off.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from typing import Any, TextIO

_incident: contextvars.ContextVar[str | None] = contextvars.ContextVar("incident", default=None)

# Fields that never reach a log line, whoever puts them there.
DENIED_FIELDS = frozenset(
    {
        "ip", "remote", "remote_addr", "peer", "peername", "x_forwarded_for", "forwarded",
        "user_agent", "useragent", "headers", "environ", "sid", "text", "body", "message_text",
        "receipt", "token", "cookie", "auth",
    }
)  # fmt: skip

QUIET_LOGGERS = (
    "aiohttp.access", "aiohttp.server", "aiohttp.client", "engineio", "socketio",
    "slack_sdk", "slack_bolt", "redis",
)  # fmt: skip
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b")
# LogRecord's own attributes: everything else on a record came in through `extra=`.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


@contextlib.contextmanager
def bind_incident(incident_id: str | None) -> Iterator[None]:
    """Add `incident_id` to every log record made inside the block (this task only)."""
    token = _incident.set(incident_id)
    try:
        yield
    finally:
        _incident.reset(token)


def scrub(text: str) -> str:
    """Mask anything shaped like an IP address."""
    return _IPV6.sub("<addr>", _IPV4.sub("<addr>", text))


class Redactor(logging.Filter):
    """Drops denied fields from a record and masks addresses in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in list(vars(record)):
            if name.lower() in DENIED_FIELDS:
                delattr(record, name)
        return True


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "event", "incident_id"?, ...extra}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(record.getMessage()),
        }
        incident_id = _incident.get()
        if incident_id:
            entry["incident_id"] = incident_id
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRS and name.lower() not in DENIED_FIELDS:
                entry[name] = value if isinstance(value, int | float | bool) else scrub(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and where it came from; its message may quote user input.
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = "".join(traceback.format_tb(record.exc_info[2]))[-2000:]
        return json.dumps(entry, ensure_ascii=False)


def setup(*, level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(Redactor())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # These log client addresses or whole payloads (report text in Slack posts) at INFO or
    # DEBUG; held at WARNING whatever the level asked for, so DEBUG cannot leak a report.
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
