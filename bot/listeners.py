"""Slack's inbound edge: buttons, modals and `/tipline`, each a thin call into IncidentService.

Every listener acks first (Slack wants an answer within 3 s) and works after, on the loop,
without blocking it. Whatever changes an incident goes through `IncidentService.claim` or
`IncidentService.step`, the same calls the console makes, so Slack and the console can
never disagree; the message itself is updated by the notifier from the stored result.
Bodies are read through `bot.payloads`: one that is not what Slack sends for our buttons,
modals and command is logged and does nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, payloads
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
# bolt finds a listener's arguments by name: `ack`, `body`, `client`.
Listener = Callable[[Ack, Body, AsyncWebClient], Awaitable[None]]
Click = Callable[[Responder, payloads.BlockActions, AsyncWebClient], Awaitable[None]]

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
        app.action(blocks.CLAIM)(self._on_click(self.claim))
        for result in commands.ContactResult:
            app.action(blocks.OUTCOME + result.value)(self._on_click(self.outcome))
        for action_id in _STEPS:
            app.action(action_id)(self._on_click(self.step))
        app.action(blocks.TRANSLATOR)(self._on_click(self.translator))
        app.action(blocks.SET_URGENCY)(self._on_click(self.open_modal))
        app.action(blocks.RESOLVE)(self._on_click(self.open_modal))
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
    async def claim(
        self, responder: Responder, clicked: payloads.BlockActions, client: AsyncWebClient
    ) -> None:
        incident_id, where = clicked.action.value, clicked.where
        try:
            claimed = await self._service.claim(responder, incident_id)
            holder = claimed.holder
        except AppError as exc:
            if exc.code != "already_claimed":
                await _tell(client, where, exc.message)
                return
            # The engine saw the claim before the store did; either way one agent holds it.
            holder = (await self._service.visible(responder, incident_id)).claimed_by or "?"
        if holder != responder.responder_id:
            await _tell(client, where, ALREADY_CLAIMED.format(holder=holder))

    async def outcome(
        self, responder: Responder, clicked: payloads.BlockActions, client: AsyncWebClient
    ) -> None:
        result = clicked.action.action_id.removeprefix(blocks.OUTCOME)
        where, incident_id = clicked.where, clicked.action.value
        await self._step(responder, where, client, "contact_outcome", incident_id, outcome=result)

    async def step(
        self, responder: Responder, clicked: payloads.BlockActions, client: AsyncWebClient
    ) -> None:
        action = _STEPS.get(clicked.action.action_id)
        if action is not None:
            await self._step(responder, clicked.where, client, action, clicked.action.value)

    async def translator(
        self, responder: Responder, clicked: payloads.BlockActions, client: AsyncWebClient
    ) -> None:
        try:
            incident = await self._service.visible(responder, clicked.action.value)
        except AppError as exc:
            await _tell(client, clicked.where, exc.message)
            return
        await self._notifier.translator(incident, by=responder.responder_id)
        await _tell(
            client, clicked.where, "A translator has been asked for in the translators' channel."
        )

    async def open_modal(
        self, _: Responder, clicked: payloads.BlockActions, client: AsyncWebClient
    ) -> None:
        incident_id = clicked.action.value
        meta = payloads.ModalMeta(incident_id=incident_id, channel=clicked.where.channel)
        make = (
            blocks.resolve_view
            if clicked.action.action_id == blocks.RESOLVE
            else (blocks.urgency_view)
        )
        view = make(incident_id, json.dumps(meta.model_dump()))
        await client.views_open(trigger_id=clicked.trigger_id, view=view)

    async def submitted(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        saved = payloads.parse(payloads.ViewSubmission, body)
        meta = payloads.meta(saved.view) if saved else None
        if saved is None or meta is None:
            return
        where = payloads.Where(saved.user.id, meta.channel)
        responder = await self._responder(where, client)
        if responder is None:
            return
        resolve = saved.view.callback_id == blocks.RESOLVE_VIEW
        action, field = ("resolve", "resolution") if resolve else ("set_urgency", "urgency")
        fields = {field: saved.selected(field), "note": saved.text("note")}
        await self._step(responder, where, client, action, meta.incident_id, **fields)

    # -- /tipline --------------------------------------------------------------------------
    async def command(self, ack: Ack, body: Body, client: AsyncWebClient) -> None:
        await ack()
        asked = payloads.parse(payloads.SlashCommand, body)
        if asked is None:
            return
        responder = await self._responder(asked.where, client)
        if responder is None:
            return
        try:
            answer = await self._answer(responder, asked.text.split())
        except AppError as exc:
            answer = exc.message
        await _tell(client, asked.where, answer)

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
    def _on_click(self, handler: Click) -> Listener:
        """bolt's listener for a button of ours: acks, reads the click and who made it, then
        `handler(responder, click, client)`; nothing for a body that is no click of ours
        (logged) or an unknown user (told why nothing happens)."""

        async def listener(ack: Ack, body: Body, client: AsyncWebClient) -> None:
            await ack()
            clicked = payloads.parse(payloads.BlockActions, body)
            if clicked is None:
                return
            responder = await self._responder(clicked.where, client)
            if responder is not None:
                await handler(responder, clicked, client)

        return listener

    async def _responder(self, where: payloads.Where, client: AsyncWebClient) -> Responder | None:
        """The agent `where.user` acts as; an unknown user is told why nothing happens."""
        responder = await self.responder(where.user)
        if responder is None:
            log.info("slack.unknown_user")
            await _tell(client, where, UNKNOWN_USER.format(user=where.user))
        return responder

    async def _step(
        self,
        responder: Responder,
        where: payloads.Where,
        client: AsyncWebClient,
        action: str,
        incident_id: str,
        **fields: str | None,
    ) -> None:
        try:
            command = commands.from_step(action, **fields)
            await self._service.step(responder, incident_id, command)
        except BadCommand as exc:
            await _tell(client, where, exc.message)
        except AppError as exc:
            await _tell(client, where, f"Not done: {exc.message}")


async def _tell(client: AsyncWebClient, where: payloads.Where, text: str) -> None:
    """An ephemeral answer to the one user who acted (best effort: it changes nothing)."""
    if not where.channel:
        return
    try:
        await client.chat_postEphemeral(channel=where.channel, user=where.user, text=text)
    except Exception:
        log.exception("slack.ephemeral_failed")
