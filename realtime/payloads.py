"""Wire payloads of the Socket.IO events (PROTOCOL.md), validated strictly at the edge.

Length limits on `text` are checked by the service (`clean_text`) so that `empty` and
`too_long` get their own codes; here a field only has to be there with the right type.
The caps on ids stop absurd payloads before they reach any code.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic

from tipline import models

_Id = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]
# No cap here: the frame limit bounds the size, and `clean_text` answers `too_long`.
_Text = str
_ClientId = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=128)]
# A report's client id (`report:create`): random, chosen by the client, sent again with
# every retry of the same report (tipline/report_client.py). At least 16 characters, so that
# it cannot be guessed; a UUID or 32 hex digits.
_ReportClientId = Annotated[
    str,
    pydantic.StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$"),
]
_Seq = Annotated[int, pydantic.Field(ge=0, le=2**53)]


class _Payload(pydantic.BaseModel):
    # strict: a number is not a string, a string is not a number; unknown keys are ignored so
    # that newer clients can send more.
    model_config = pydantic.ConfigDict(strict=True, extra="ignore", frozen=True)


def _category(value: object) -> object:
    # Enums arrive as plain strings on the wire; strict mode would refuse them.
    return models.Category(value) if isinstance(value, str) else value


_Category = Annotated[models.Category | None, pydantic.BeforeValidator(_category)]


class PowAnswer(_Payload):
    """The solved proof of work of a report (docs/protocol-extensions.md)."""

    challenge: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=200)]
    nonce: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]


class ReportCreate(_Payload):
    text: _Text
    category: _Category = None
    language: Annotated[str, pydantic.StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    client_id: _ReportClientId | None = None
    pow: PowAnswer | None = None


class ReporterMessage(_Payload):
    text: _Text
    client_id: _ClientId


class ReporterSince(_Payload):
    after_seq: _Seq


class IncidentList(_Payload):
    status: Literal["open", "resolved", "all"] = "all"
    # Paging (docs/protocol-extensions.md): `next` of the previous page, and the page size.
    # The default is the old fixed list's size, so older consoles see what they saw.
    before: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=100)] | None = None
    limit: Annotated[int, pydantic.Field(ge=1, le=500)] = 500


class IncidentRef(_Payload):
    incident_id: _Id


class ResponderMessage(_Payload):
    incident_id: _Id
    text: _Text
    client_id: _ClientId


class ResponderSince(_Payload):
    incident_id: _Id
    after_seq: _Seq


class PhoneReport(_Payload):
    org_code: _Id
    text: _Text
    category: _Category = None


class IncidentStep(_Payload):
    """`incident:step`; which fields an action needs is the engine's business (BadCommand)."""

    incident_id: _Id
    action: Literal[
        "contact_outcome",
        "next_contact",
        "law_enforcement",
        "set_urgency",
        "resolve",
        "reopen",
        "take_over",
    ]
    outcome: str | None = None
    urgency: str | None = None
    resolution: str | None = None
    note: Annotated[str, pydantic.StringConstraints(max_length=2000)] | None = None
