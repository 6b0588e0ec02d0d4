"""Errors that reach a client as `{"ok": false, "error": {"code", "message"}}`."""

from __future__ import annotations

from tipline import pow as proof_of_work


class AppError(Exception):
    """A refusal with a stable code (PROTOCOL.md) and a message a person can read."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RefusedError(AppError):
    """A report or credential turned away; `challenge` lets a client that can solve one try
    again now (`pow_required`, `pow_invalid`: tipline/admission.py, tipline/guessing.py)."""

    def __init__(self, code: str, message: str, challenge: proof_of_work.Challenge) -> None:
        super().__init__(code, message)
        self.challenge = challenge


class Unavailable(AppError):  # noqa: N818 (named after the wire code)
    """A store (Redis, PostgreSQL) cannot be reached: the adapters raise it, whatever their
    library raised, so no edge needs to know which library that was."""

    def __init__(self) -> None:
        super().__init__("unavailable", "the service is briefly unavailable; try again in a moment")


def not_found(what: str = "incident") -> AppError:
    # The same answer whether the incident does not exist or belongs to another school,
    # so that an admin never learns that another school's incident exists.
    return AppError("not_found", f"no such {what}")


def forbidden(message: str) -> AppError:
    return AppError("forbidden", message)


def unavailable() -> Unavailable:
    return Unavailable()
