"""Carries out the escalation engine's effects once the new state is stored.

The engine (`escalation/`) is pure and returns effects as data; this runs them in order
against the ports. A failing effect is logged and the others still run: the incident's new
state is already stored, and Slack has its own durable retry queue behind the Notifier.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from escalation import effects as fx
from escalation import routing
from tipline import models
from tipline.ports import Broadcaster, Deadlines, Notifier

log = logging.getLogger("tipline.effects")

# (incident_id, text, dedupe key) -> the system message is appended and pushed.
PostSystem = Callable[[str, str, str], Awaitable[object]]
# Alerts that also go to the Slack thread (mentioning the on-duty agents).
_SLACK_ALERTS = frozenset({fx.Alert.REPAGE, fx.Alert.SUGGEST_NEXT, fx.Alert.REOPENED})


def once_key(name: str) -> str:
    """The dedupe key of a system message said at most once per incident."""
    return f"once:{name}"


class EffectRunner:
    def __init__(
        self,
        *,
        post_system: PostSystem,
        broadcaster: Broadcaster,
        deadlines: Deadlines,
        notifier: Notifier | None,
    ) -> None:
        self._post_system = post_system
        self._broadcaster = broadcaster
        self._deadlines = deadlines
        self._notifier = notifier

    async def run(
        self, incident: models.Incident, effects: Sequence[fx.Effect], *, actor: str | None
    ) -> None:
        """Run `effects` of the stored `incident` in order; `actor` took the step (or None)."""
        for index, effect in enumerate(effects):
            try:
                await self._one(incident, effect, index=index, actor=actor)
            except Exception:
                log.exception(
                    "effect.failed",
                    extra={"incident_id": incident.incident_id, "effect": type(effect).__name__},
                )

    async def say(self, incident_id: str, effect: fx.MessageReporter) -> None:
        """Say a `once` line outside a stored change (the join notice before a responder's
        first reply); unlike `run`, a failure reaches the caller."""
        if effect.once is None:
            raise ValueError("only a once line is said outside a stored change")
        await self._post_system(incident_id, effect.text, once_key(effect.once))

    async def _one(
        self, incident: models.Incident, effect: fx.Effect, *, index: int, actor: str | None
    ) -> None:
        match effect:
            case fx.AppendStep():
                pass  # stored with the incident by the compare-and-set that preceded
            case fx.Publish(event="incident:new"):
                await self._broadcaster.incident_new(incident)
            case fx.Publish():
                await self._broadcaster.incident_updated(incident)
            case fx.NotifyAgents() | fx.NotifyAdmins():
                await self._alert(incident, effect)
            case fx.SlackPost() | fx.SlackUpdate():
                await self._slack(incident, effect)
            case fx.MessageReporter(text=text, once=once):
                # A `once` line (the join notice) at most once per incident, however it came
                # about; any other system message once per stored version of the incident.
                key = once_key(once) if once else f"fx:{incident.version}:{index}"
                await self._post_system(incident.incident_id, text, key)
            case fx.ScheduleDeadline(deadline=deadline):
                await self._deadlines.schedule(deadline)
            case fx.CancelDeadline(key=key):
                await self._deadlines.cancel(key)

    async def _alert(
        self, incident: models.Incident, effect: fx.NotifyAgents | fx.NotifyAdmins
    ) -> None:
        if isinstance(effect, fx.NotifyAdmins):
            await self._broadcaster.alert_admins(incident, reason=effect.reason.value)
            return
        await self._broadcaster.alert_agents(incident, reason=effect.reason.value)
        # A reopened incident has a thread only if routing ever posted it.
        if (
            self._notifier
            and effect.reason in _SLACK_ALERTS
            and (effect.reason is not fx.Alert.REOPENED or routing.slack_posted(incident))
        ):
            await self._notifier.alert(incident, effect.reason.value)

    async def _slack(
        self, incident: models.Incident, effect: fx.SlackPost | fx.SlackUpdate
    ) -> None:
        if self._notifier is None:
            return  # Slack is off; the console has everything
        if isinstance(effect, fx.SlackPost):
            await self._notifier.post(incident)
        else:
            await self._notifier.update(incident, effect.step)
