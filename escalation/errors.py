"""Errors the escalation engine raises; each carries the wire error code of PROTOCOL.md."""

from __future__ import annotations


class EscalationError(Exception):
    """Base class: `code` goes to the ack's `error.code`, `message` to `error.message`."""

    code = "escalation_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(EscalationError):  # noqa: N818 (named after the wire code)
    """The incident's state does not allow this step (PROTOCOL.md: `invalid_transition`)."""

    code = "invalid_transition"


class AlreadyClaimed(EscalationError):  # noqa: N818 (named after the wire code)
    """Someone else holds the incident (PROTOCOL.md: `already_claimed`)."""

    code = "already_claimed"


class NotHolder(EscalationError):  # noqa: N818 (named after the wire code)
    """A step on an incident someone else holds: take it over first (`claimed_by_other`)."""

    code = "claimed_by_other"


class BadCommand(EscalationError):  # noqa: N818 (the name the team API uses)
    """The command itself is malformed: unknown outcome, urgency or resolution."""

    code = "bad_request"  # a bad payload's code, like any other (docs/protocol-extensions.md)
