"""Commands: what a responder asks the engine to do, one frozen dataclass per event.

`from_step` turns the fields of PROTOCOL.md's `incident:step` payload into a command, so the
edge only validates types and the engine owns the meaning of the values.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import TypeVar

from escalation import errors
from escalation.machine import Action
from tipline.models import Urgency


class ContactResult(enum.StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"


class Resolution(enum.StrEnum):
    HANDLED_BY_SCHOOL = "handled_by_school"
    REFERRED_TO_POLICE = "referred_to_police"
    FALSE_REPORT = "false_report"
    NO_ACTION = "no_action"


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class ContactOutcome:
    outcome: ContactResult
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class NextContact:
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LawEnforcement:
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SetUrgency:
    urgency: Urgency
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Resolve:
    resolution: Resolution
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Reopen:
    note: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TakeOver:
    """Take a claimed incident from its holder (recorded on the trail as `take_over`)."""

    note: str | None = None


_E = TypeVar("_E", bound=enum.StrEnum)

Command = (
    Claim | ContactOutcome | NextContact | LawEnforcement | SetUrgency | Resolve | Reopen | TakeOver
)
# The action each command asks for; who may take it is the machine's (`machine.allowed`).
_ACTIONS: dict[type[Command], Action] = {
    Claim: Action.CLAIM,
    ContactOutcome: Action.CONTACT_OUTCOME,
    NextContact: Action.NEXT_CONTACT,
    LawEnforcement: Action.LAW_ENFORCEMENT,
    SetUrgency: Action.SET_URGENCY,
    Resolve: Action.RESOLVE,
    Reopen: Action.REOPEN,
    TakeOver: Action.TAKE_OVER,
}
# Actions whose only field is the note.
_NOTE_ONLY: dict[str, type[NextContact | LawEnforcement | Reopen | TakeOver]] = {
    "next_contact": NextContact,
    "law_enforcement": LawEnforcement,
    "reopen": Reopen,
    "take_over": TakeOver,
}


def from_step(
    action: str,
    *,
    outcome: str | None = None,
    urgency: str | None = None,
    resolution: str | None = None,
    note: str | None = None,
) -> Command:
    """The command of an `incident:step` payload; BadCommand for a missing or unknown value."""
    match action:
        case "contact_outcome":
            return ContactOutcome(_member(ContactResult, "outcome", outcome), note)
        case "set_urgency":
            return SetUrgency(_member(Urgency, "urgency", urgency), note)
        case "resolve":
            return Resolve(_member(Resolution, "resolution", resolution), note)
    plain = _NOTE_ONLY.get(action)
    if plain is None:
        raise errors.BadCommand(f"unknown action {action!r}")
    return plain(note)


def action_of(command: Command) -> Action:
    """The action `command` asks for; BadCommand for something that is not a command."""
    action = _ACTIONS.get(type(command))
    if action is None:
        raise errors.BadCommand(f"unknown command {command!r}")
    return action


def _member(kind: type[_E], field: str, value: str | None) -> _E:
    if value is None:
        raise errors.BadCommand(f"{field} is required")
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise errors.BadCommand(f"{field} must be one of: {allowed}") from None
