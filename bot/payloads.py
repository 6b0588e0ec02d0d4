"""Slack's payloads as the listeners read them, validated at the edge (as realtime/payloads.py
does for Socket.IO).

bolt hands a listener the request's body as a dict; `parse` turns it into one of these models
or refuses it: a body that is not what Slack sends for our buttons, modals and `/tipline` is
logged (the places of its bad fields, never their values) and does nothing. Unknown keys are
ignored, since Slack adds fields as it likes; a field we read has to be there with its type.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import pydantic

log = logging.getLogger("tipline.slack")

# Slack's ids (U..., C..., T...) and our incident ids: short; the caps stop absurd payloads.
_Id = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]
_Name = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]
# Why a refusal's log line names at most this many bad fields.
_LOGGED_ERRORS = 5


class _Payload(pydantic.BaseModel):
    # strict: a number is not a string; unknown keys are ignored (Slack sends many).
    model_config = pydantic.ConfigDict(strict=True, extra="ignore", frozen=True)


@dataclasses.dataclass(frozen=True, slots=True)
class Where:
    """Who acted and in which channel ('' when the request names none): where to answer."""

    user: str
    channel: str


class Ref(_Payload):
    """`{"id": ...}`: a user, a channel or a team."""

    id: _Id


class Action(_Payload):
    """One clicked element of our message: its `action_id`, and the incident id as `value`."""

    action_id: _Name
    value: _Id


class BlockActions(_Payload):
    """`block_actions`: a click on a button of our message."""

    user: Ref
    channel: Ref | None = None
    trigger_id: _Name  # for the modal a click may open
    actions: Annotated[list[Action], pydantic.Field(min_length=1)]

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def where(self) -> Where:
        return Where(self.user.id, self.channel.id if self.channel else "")


class SlashCommand(_Payload):
    """`/tipline <text>`."""

    user_id: _Id
    channel_id: _Id
    text: str = ""

    @property
    def where(self) -> Where:
        return Where(self.user_id, self.channel_id)


class Option(_Payload):
    value: _Name


class Element(_Payload):
    """The state of one input of a modal: a text input's `value`, a select's option."""

    value: str | None = None
    selected_option: Option | None = None


class ViewState(_Payload):
    # block id -> action id -> element; our modals use the same name for both.
    values: dict[str, dict[str, Element]] = {}


class View(_Payload):
    callback_id: _Name
    private_metadata: str = ""
    state: ViewState = ViewState()


class ViewSubmission(_Payload):
    """`view_submission`: a modal of ours, filled in and saved."""

    user: Ref
    view: View

    def text(self, field: str) -> str | None:
        """What was typed in the input `field`; None when empty."""
        element = self._element(field)
        return (element.value if element else None) or None

    def selected(self, field: str) -> str | None:
        """The value of the option chosen in the select `field`; None when none was."""
        element = self._element(field)
        option = element.selected_option if element else None
        return option.value if option else None

    def _element(self, field: str) -> Element | None:
        return self.view.state.values.get(field, {}).get(field)


class ModalMeta(_Payload):
    """What our modal carries in `private_metadata`: the incident, and the channel to answer in."""

    incident_id: _Id
    channel: str = ""


P = TypeVar("P", bound=_Payload)


def parse(kind: type[P], body: Mapping[str, Any]) -> P | None:
    """`body` as a `kind`; None, with a warning naming the bad fields' places, if it is none."""
    try:
        return kind.model_validate(body)
    except pydantic.ValidationError as exc:
        _refused(kind, exc)
        return None


def meta(view: View) -> ModalMeta | None:
    """The metadata of a submitted modal; None, with a warning, if it is not ours."""
    try:
        return ModalMeta.model_validate_json(view.private_metadata)
    except pydantic.ValidationError as exc:
        _refused(ModalMeta, exc)
        return None


def _refused(kind: type[_Payload], exc: pydantic.ValidationError) -> None:
    places = [".".join(map(str, e["loc"])) for e in exc.errors()[:_LOGGED_ERRORS]]
    log.warning("slack.bad_payload", extra={"payload": kind.__name__, "fields": places})
