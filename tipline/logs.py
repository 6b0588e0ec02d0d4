"""Structured, anonymous logs: one JSON object a line.

Every record goes through `Redactor`, which drops fields that could identify a reporter or
carry what they wrote (IP, user agent, headers, sid, text) and masks IP addresses inside the
message itself. The incident id is bound with `bind_incident` and added to every record of
that task. Libraries that log client addresses (aiohttp's access log, engine.io) are held at
WARNING, write through this handler only, and their messages have session ids masked.
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
_LIBRARIES = frozenset(name.partition(".")[0] for name in QUIET_LOGGERS)
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}\b")
# Engine.IO and Socket.IO session ids: 20 characters of URL-safe base64. The libraries put
# them in their messages ("Invalid session <sid>", a KeyError's text); our own code never does.
_SESSION_ID = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])")
# LogRecord's own attributes: everything else on a record came in through `extra=`.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class bind_incident:  # noqa: N801  # used as a function: `with bind_incident(id):`
    """Add `incident_id` to every log record made inside the block (this task only).

    A class rather than a `contextlib.contextmanager`: every Socket.IO event passes through
    one (realtime/boundary.py), and the generator-based one cost ~3 µs of it."""

    __slots__ = ("_incident_id", "_token")

    def __init__(self, incident_id: str | None) -> None:
        self._incident_id = incident_id

    def __enter__(self) -> None:
        self._token = _incident.set(self._incident_id)

    def __exit__(self, *_exc: object) -> None:
        _incident.reset(self._token)


def scrub(text: str) -> str:
    """Mask anything shaped like an IP address."""
    return _IPV6.sub("<addr>", _IPV4.sub("<addr>", text))


def scrub_library(text: str) -> str:
    """`scrub`, and mask anything shaped like a session id: for third-party loggers."""
    return _SESSION_ID.sub("<sid>", scrub(text))


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
        mask = scrub if record.name.partition(".")[0] == "tipline" else scrub_library
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask(record.getMessage()),
        }
        incident_id = _incident.get()
        if incident_id:
            entry["incident_id"] = incident_id
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRS and name.lower() not in DENIED_FIELDS:
                entry[name] = value if isinstance(value, int | float | bool) else mask(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and where it came from; its message may quote user input.
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = "".join(traceback.format_tb(record.exc_info[2]))[-2000:]
        return json.dumps(entry, ensure_ascii=False)


def setup(*, level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines; returns the handler."""
    return _install(logging.StreamHandler(stream or sys.stderr), level=level)


class _Collector(logging.Handler):
    """Keeps each record as the JSON object the stream handler would have written."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__()
        self.entries = entries

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(self.format(record)))


@contextlib.contextmanager
def capture(*, level: str = "DEBUG") -> Iterator[list[dict[str, Any]]]:
    """Collect what is logged inside the block, one dict per record, exactly as `setup`
    writes it (redacted, masked, with the incident id): structlog's `capture_logs` for this
    set-up, for tests and probes. The root logger's handlers and level come back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    entries: list[dict[str, Any]] = []
    _install(_Collector(entries), level=level)
    try:
        yield entries
    finally:
        for handler in list(root.handlers):  # ours, and any a `setup` inside the block made
            root.removeHandler(handler)
        for old in saved[0]:
            root.addHandler(old)
        root.setLevel(saved[1])


def _install(handler: logging.Handler, *, level: str) -> logging.Handler:
    """Make `handler` the root logger's only one, writing JSON through the Redactor."""
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
    # No library writes beside the JSON log: a handler one added to its own logger
    # (python-engineio adds a StreamHandler to `engineio.server` when given `logger=False`)
    # is removed, and its records propagate here.
    for name in list(logging.Logger.manager.loggerDict):
        if name.partition(".")[0] in _LIBRARIES:
            library = logging.getLogger(name)
            for own in list(library.handlers):
                library.removeHandler(own)
            library.propagate = True
    return handler
