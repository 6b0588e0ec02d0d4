"""Urgent reports off-hours in Slack (setting `urgent_offhours`): a Broadcaster decorator.

The engine posts emergencies only. When the setting is on, an `urgent` report that comes in
while its school is closed is posted too, from the agents' review alert, and its later steps
update the message: the engine does that for emergencies, this does it for the steps the
engine does not cover (every step until the report becomes an emergency, if ever).
"""

from __future__ import annotations

import dataclasses

from bot.notifier import POST, SlackNotifier
from escalation import routing, schedule
from tipline.models import Incident, Message, Urgency
from tipline.ports import Broadcaster, Directory, SlackOutbox

REVIEW = "review"  # escalation.effects.Alert.REVIEW: an urgent report for the agents


class UrgentMirror:
    """Passes everything to `inner`; posts and updates off-hours urgent reports."""

    def __init__(
        self,
        inner: Broadcaster,
        *,
        notifier: SlackNotifier,
        directory: Directory,
        outbox: SlackOutbox,
    ) -> None:
        self._inner = inner
        self._notifier = notifier
        self._directory = directory
        self._outbox = outbox

    async def incident_new(self, incident: Incident) -> None:
        await self._inner.incident_new(incident)

    async def incident_updated(self, incident: Incident) -> None:
        await self._inner.incident_updated(incident)
        if not incident.escalation:
            return
        before = dataclasses.replace(incident, escalation=incident.escalation[:-1])
        if routing.slack_posted(before):
            return  # an emergency's steps: the engine's own SlackUpdate covers them
        if await self._outbox.was_enqueued(incident.incident_id, once=POST):
            await self._notifier.update(incident, incident.escalation[-1])

    async def message(self, message: Message, *, origin: str | None) -> None:
        await self._inner.message(message, origin=origin)

    async def alert(self, incident: Incident, *, reason: str, agents: bool, admins: bool) -> None:
        await self._inner.alert(incident, reason=reason, agents=agents, admins=admins)
        if not agents or reason != REVIEW or incident.urgency is not Urgency.URGENT:
            return
        org = await self._directory.organization(incident.org_code)
        if org is not None and not schedule.is_open(org, incident.created_at):
            await self._notifier.post(incident)
