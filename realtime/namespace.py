"""The base of our Socket.IO namespaces: event routing and an answer for unknown events."""

from __future__ import annotations

from typing import Any

import socketio

from realtime.boundary import error

_LIFECYCLE = frozenset({"connect", "disconnect"})


class Namespace(socketio.AsyncNamespace):  # type: ignore[misc]
    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Route `incident:list` to `on_incident_list`; an unknown event gets an error ack
        (python-socketio would send none, and the client would wait for its timeout)."""
        name = str(event).replace(":", "_")
        if event not in _LIFECYCLE and not callable(getattr(self, f"on_{name}", None)):
            return error("unknown_event", f"no event {str(event)[:64]!r} on {self.namespace}")
        return await super().trigger_event(name, *args)
