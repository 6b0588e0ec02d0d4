"""Slack's inbound edge: buttons, modals and `/tipline`, each a thin call into IncidentService.

Every listener acks first (Slack wants an answer within 3 s) and works after, on the loop,
without blocking it. Whatever changes an incident goes through `IncidentService.claim` or
`IncidentService.step`, the same calls the console makes, so Slack and the console can
never disagree; the message itself is updated by the notifier from the stored result.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.config import BotConfig
from bot.notifier import SlackNotifier
from escalation import commands
from escalation.errors import BadCommand
from tipline.errors import AppError
from tipline.models import Responder, Role, Status, Urgency
from tipline.ports import Directory, UseCases

log = logging.getLogger("tipline.slack")

Ack = Callable[..., Awaitable[None]]
Body = dict[str, Any]

UNKNOWN_USER = (
    "You are not set up as a Tipline agent, so this did nothing. Ask an administrator to add "
    "your Slack user id `{user}` to a responder in the Tipline configuration."
)
ALREADY_CLAIMED = "Already claimed by {holder}: this incident is theirs."
HELP = (
    "`/tipline open`: open emergencies and urgent reports with their state\n"
    "`/tipline status <incident id>`: one incident\n"
    "`/tipline help`: this help"
)
_STEPS = {
    blocks.NEXT_CONTACT: "next_contact",
    blocks.LAW_ENFORCEMENT: "law_enforcement",
    blocks.TAKE_OVER: "take_over",
}


class Listeners:
    """The bot's listeners, bound to the service and the directory of this deployment."""

    def __init__(
        self,
        *,
        config: BotConfig,
        demo: bool = False,
        service: UseCases,
        directory: Directory,
        notifier: SlackNotifier,
    ) -> None:
        self._config = config
        self._demo = demo
        self._service = service
        self._directory = directory
        self._notifier = notifier

    def register(self, app: AsyncApp) -> None:
        app.action(blocks.CLAIM)(self.claim)
        for result in commands.ContactResult:
            app.action(blocks.OUTCOME + result.value)(self.outcome)
        for action_id in _STEPS:
            app.action(action_id)(self.step)
        app.action(blocks.TRANSLATOR)(self.translator)
        app.action(blocks.SET_URGENCY)(self.open_modal)
        app.action(blocks.RESOLVE)(self.open_modal)
        app.view(blocks.RESOLVE_VIEW)(self.submitted)
        app.view(blocks.URGENCY_VIEW)(self.submitted)
        app.command("/tipline")(self.command)

    async def responder(self, user_id: str) -> Responder | None:
        """The agent a Slack user acts as: the mapped responder; in demo mode an unmapped
        user is an agent named by their Slack user id (PROTOCOL.md); else nobody."""
        mapped = await self._directory.responder_by_slack_user(user_id)
        if mapped is not None:
            return mapped
        if self._demo:
            return Responder(
                responder_id=user_id, name=user_id, role=Role.AGENT, slack_user_id=user_id
            )
        return None

    # -- buttons ---------------------------------------------------------------------------
    async def claim(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        click = await self._click(body, client)
        if click is None:
            return
        responder, incident_id = click
        try:
            claimed = await self._service.claim(responder, incident_id)
            holder = claimed.holder
        except AppError as exc:
            if exc.code != "already_claimed":
                await _tell(client, body, exc.message)
                return
            # The engine saw the claim before the store did; either way one agent holds it.
            holder = (await self._service.visible(responder, incident_id)).claimed_by or "?"
        if holder != responder.responder_id:
            await _tell(client, body, ALREADY_CLAIMED.format(holder=holder))

    async def outcome(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        result = _action(body)["action_id"].removeprefix(blocks.OUTCOME)
        await self._step(body, client, "contact_outcome", outcome=result)

    async def step(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await self._step(body, client, _STEPS[_action(body)["action_id"]])

    async def translator(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        click = await self._click(body, client)
        if click is None:
            return
        responder, incident_id = click
        try:
            incident = await self._service.visible(responder, incident_id)
        except AppError as exc:
            await _tell(client, body, exc.message)
            return
        await self._notifier.translator(incident, by=responder.responder_id)
        await _tell(client, body, "A translator has been asked for in the translators' channel.")

    async def open_modal(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        click = await self._click(body, client)
        if click is None:
            return
        _, incident_id = click
        meta = json.dumps({"incident_id": incident_id, "channel": _channel(body)})
        make = (
            blocks.resolve_view
            if _action(body)["action_id"] == blocks.RESOLVE
            else (blocks.urgency_view)
        )
        await client.views_open(trigger_id=body["trigger_id"], view=make(incident_id, meta))

    async def submitted(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        values = view["state"]["values"]
        note = (values.get("note", {}).get("note") or {}).get("value") or None
        user, channel = body["user"]["id"], str(meta.get("channel", ""))
        fields = {"user": {"id": user}, "channel": {"id": channel}}
        if view["callback_id"] == blocks.RESOLVE_VIEW:
            choice = _selected(values, "resolution")
            await self._step(fields, client, "resolve", meta, resolution=choice, note=note)
        else:
            choice = _selected(values, "urgency")
            await self._step(fields, client, "set_urgency", meta, urgency=choice, note=note)

    # -- /tipline --------------------------------------------------------------------------
    async def command(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        responder = await self.responder(body["user_id"])
        where = {"user": {"id": body["user_id"]}, "channel": {"id": body["channel_id"]}}
        if responder is None:
            await _tell(client, where, UNKNOWN_USER.format(user=body["user_id"]))
            return
        words = str(body.get("text") or "").split()
        try:
            answer = await self._answer(responder, words)
        except AppError as exc:
            answer = exc.message
        await _tell(client, where, answer)

    async def _answer(self, responder: Responder, words: list[str]) -> str:
        if words[:1] == ["open"]:
            incidents = await self._service.list_for(responder, Status.OPEN)
            lines = [
                blocks.status_text(i, await self._org(i.org_code))
                for i in incidents
                if i.urgency in {Urgency.EMERGENCY, Urgency.URGENT}
            ]
            return "\n".join(lines) or "No open emergency or urgent report."
        if words[:1] == ["status"] and len(words) == 2:
            incident = await self._service.visible(responder, words[1])
            lines = [blocks.status_text(incident, await self._org(incident.org_code))]
            lines += [blocks.step_line(s) for s in incident.escalation[-blocks.TIMELINE_STEPS :]]
            return "\n".join(lines)
        return HELP

    async def _org(self, code: str) -> Any:
        org = await self._directory.organization(code)
        if org is None:
            raise AppError("not_found", "no such school")
        return org

    # -- shared ----------------------------------------------------------------------------
    async def _click(self, body: Body, client: AsyncWebClient) -> tuple[Responder, str] | None:
        """Who clicked and on which incident; an unknown user is told why nothing happens."""
        user = body["user"]["id"]
        responder = await self.responder(user)
        if responder is None:
            log.info("slack.unknown_user")
            await _tell(client, body, UNKNOWN_USER.format(user=user))
            return None
        return responder, str(_action(body)["value"])

    async def _step(
        self,
        body: Body,
        client: AsyncWebClient,
        action: str,
        meta: dict[str, Any] | None = None,
        **fields: str | None,
    ) -> None:
        responder = await self.responder(body["user"]["id"])
        if responder is None:
            await _tell(client, body, UNKNOWN_USER.format(user=body["user"]["id"]))
            return
        incident_id = str(meta["incident_id"]) if meta else str(_action(body)["value"])
        try:
            command = commands.from_step(action, **fields)
            await self._service.step(responder, incident_id, command)
        except BadCommand as exc:
            await _tell(client, body, exc.message)
        except AppError as exc:
            await _tell(client, body, f"Not done: {exc.message}")


def _action(body: Body) -> dict[str, Any]:
    action: dict[str, Any] = body["actions"][0]
    return action


def _channel(body: Body) -> str:
    return str((body.get("channel") or {}).get("id") or body.get("channel_id") or "")


def _selected(values: dict[str, Any], field: str) -> str | None:
    option = (values.get(field, {}).get(field) or {}).get("selected_option") or {}
    value = option.get("value")
    return str(value) if value else None


async def _tell(client: AsyncWebClient, body: Body, text: str) -> None:
    """An ephemeral answer to the one user who acted (best effort: it changes nothing)."""
    channel, user = _channel(body), body["user"]["id"]
    if not channel:
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception:
        log.exception("slack.ephemeral_failed")
