"""Carries out the escalation engine's effects once the new state is stored.

The engine (`escalation/`) is pure and returns effects as data; this runs them in order
against the ports. A failing effect is logged and the others still run: the incident's new
state is already stored, and Slack has its own durable retry queue behind the Notifier.

The durable effects (deadlines scheduled and cancelled, Slack jobs) cannot be lost: before
the change is stored, `durable` writes them down as one record that the store writes in the
same atomic step as the change (EffectsOutbox, adapters/effects_outbox.py). `run` drops the
record once every durable effect ran; one left behind (a crash, Redis failing between the two
steps, an effect that failed) is run again by `sweep` past its grace. Running one twice is
harmless: deadlines are kept by key, and each Slack job goes in under a once key of its
incident, version and index. The rest (Socket.IO, console alerts, system messages) is not
re-run: a console reads the incident again when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from escalation import effects as fx
from escalation import routing
from tipline import models
from tipline.errors import Unavailable
from tipline.ports import (
    Broadcaster,
    Deadlines,
    EffectsOutbox,
    IncidentStore,
    Notifier,
    PendingEffects,
)

log = logging.getLogger("tipline.effects")

# (incident_id, text, dedupe key) -> the system message is appended and pushed.
PostSystem = Callable[[str, str, str], Awaitable[object]]
# Alerts that also go to the Slack thread (mentioning the on-duty agents).
_SLACK_ALERTS = frozenset({fx.Alert.REPAGE, fx.Alert.SUGGEST_NEXT, fx.Alert.REOPENED})


def once_key(name: str) -> str:
    """The dedupe key of a system message said at most once per incident."""
    return f"once:{name}"


def job_key(version: int, index: int) -> str:
    """The once key of the Slack job of effect `index` of an incident's `version`."""
    return f"fx:{version}:{index}"


class EffectRunner:
    def __init__(
        self,
        *,
        post_system: PostSystem,
        broadcaster: Broadcaster,
        deadlines: Deadlines,
        notifier: Notifier | None,
        outbox: EffectsOutbox | None = None,
    ) -> None:
        self._post_system = post_system
        self._broadcaster = broadcaster
        self._deadlines = deadlines
        self._notifier = notifier
        self._outbox = outbox

    def durable(
        self, incident: models.Incident, effects: Sequence[fx.Effect], *, version: int
    ) -> str | None:
        """The record of the durable effects of `incident` (as it is to be stored, as
        `version`) for the store to write with it: a JSON line an effect. None when there
        are none (or no outbox)."""
        ops = self._ops(incident, effects, version=version)
        if not ops or self._outbox is None:
            return None
        return "\n".join(json.dumps(op, sort_keys=True, separators=(",", ":")) for op in ops)

    async def run(
        self, incident: models.Incident, effects: Sequence[fx.Effect], *, actor: str | None
    ) -> None:
        """Run `effects` of the stored `incident` in order; `actor` took the step (or None).
        The durable effects of earlier versions carried into its record (left by a process
        that died or failed) run first; then the record is dropped, unless one failed."""
        version = incident.version
        durable = {op["i"] for op in self._ops(incident, effects, version=version)}
        failed = False
        if durable and self._outbox is not None and version > 1:
            failed = not await self._catch_up(incident)
        for index, effect in enumerate(effects):
            try:
                await self._one(incident, effect, index=index, actor=actor)
            except Exception:
                failed = failed or index in durable
                log.exception(
                    "effect.failed",
                    extra={"incident_id": incident.incident_id, "effect": type(effect).__name__},
                )
        if durable and not failed and self._outbox is not None:
            try:
                await self._outbox.done(incident.incident_id, incident.version)
            except Exception:  # the sweeper runs them again: twice is harmless
                log.warning("effect.done_failed", extra={"incident_id": incident.incident_id})

    async def rerun(self, incident: models.Incident, record: PendingEffects) -> None:
        """Run a left record's durable effects again, in order, on the incident as it is now;
        a failure reaches the caller (the sweeper leaves the record to its lease)."""
        for line in record.body.splitlines():
            await self._again(incident, json.loads(line))

    async def _catch_up(self, incident: models.Incident) -> bool:
        """Run the lines of earlier versions carried into this version's record; False when
        one failed (the record stays for the sweeper)."""
        assert self._outbox is not None
        try:
            body = await self._outbox.record(incident.incident_id, incident.version)
            for line in (body or "").splitlines():
                op = json.loads(line)
                if int(op["v"]) < incident.version:
                    log.warning("effect.caught_up", extra={"incident_id": incident.incident_id})
                    await self._again(incident, op)
        except Exception:
            log.exception("effect.catch_up_failed", extra={"incident_id": incident.incident_id})
            return False
        return True

    async def _again(self, incident: models.Incident, op: dict[str, Any]) -> None:
        """One durable effect of a record, as `run` did it (the same once keys)."""
        once = job_key(int(op["v"]), int(op["i"]))
        match op["op"]:
            case "schedule":
                await self._deadlines.schedule(models.Deadline.from_wire(op["deadline"]))
            case "cancel":
                await self._deadlines.cancel(str(op["key"]))
            case "post" if self._notifier:
                await self._notifier.post(incident)
            case "update" if self._notifier:
                step = incident.escalation[int(op["step"])]
                await self._notifier.update(incident, step, once=once)
            case "alert" if self._notifier:
                await self._notifier.alert(incident, str(op["reason"]), once=once)

    def _ops(
        self, incident: models.Incident, effects: Sequence[fx.Effect], *, version: int
    ) -> list[dict[str, Any]]:
        """The durable ones of `effects`, as the record keeps them (`v`: the version, `i`:
        the place among its effects): no text anyone wrote (a step is named by its place in
        the trail)."""
        ops: list[dict[str, Any]] = []
        for index, effect in enumerate(effects):
            op: dict[str, Any]
            match effect:
                case fx.ScheduleDeadline(deadline=deadline):
                    op = {"op": "schedule", "deadline": deadline.to_wire()}
                case fx.CancelDeadline(key=key):
                    op = {"op": "cancel", "key": key}
                case fx.SlackPost() if self._notifier:
                    op = {"op": "post"}
                case fx.SlackUpdate(step=step) if self._notifier and step in incident.escalation:
                    op = {"op": "update", "step": _place(incident, step)}
                case fx.NotifyAgents(reason=reason) if self._slack_alert(incident, reason):
                    op = {"op": "alert", "reason": reason.value}
                case _:
                    continue
            ops.append({"v": version, "i": index, **op})
        return ops

    def _slack_alert(self, incident: models.Incident, reason: fx.Alert) -> bool:
        """Whether an agents' alert also goes to the Slack thread (mentioning the on-duty);
        a reopened incident has a thread only if routing ever posted it."""
        return (
            self._notifier is not None
            and reason in _SLACK_ALERTS
            and (reason is not fx.Alert.REOPENED or routing.slack_posted(incident))
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
                await self._alert(incident, effect, index=index)
            case fx.SlackPost() | fx.SlackUpdate():
                await self._slack(incident, effect, index=index)
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
        self, incident: models.Incident, effect: fx.NotifyAgents | fx.NotifyAdmins, *, index: int
    ) -> None:
        if isinstance(effect, fx.NotifyAdmins):
            await self._broadcaster.alert_admins(incident, reason=effect.reason.value)
            return
        await self._broadcaster.alert_agents(incident, reason=effect.reason.value)
        if self._notifier and self._slack_alert(incident, effect.reason):
            once = job_key(incident.version, index)
            await self._notifier.alert(incident, effect.reason.value, once=once)

    async def _slack(
        self, incident: models.Incident, effect: fx.SlackPost | fx.SlackUpdate, *, index: int
    ) -> None:
        if self._notifier is None:
            return  # Slack is off; the console has everything
        if isinstance(effect, fx.SlackPost):
            await self._notifier.post(incident)
        else:
            await self._notifier.update(
                incident, effect.step, once=job_key(incident.version, index)
            )


def _place(incident: models.Incident, step: models.Step) -> int:
    """Where `step` is in the incident's trail (the last such step: the new ones are last)."""
    for place in range(len(incident.escalation) - 1, -1, -1):
        if incident.escalation[place] == step:
            return place
    raise ValueError("a step that is not in the incident's trail")  # `_ops` asks first


async def sweep(
    outbox: EffectsOutbox,
    incidents: IncidentStore,
    runner: EffectRunner,
    *,
    now_ms: int,
    limit: int = 100,
) -> int:
    """Run again the records left past their grace at `now_ms`, then drop each that ran;
    how many were claimed. One that fails is logged and left to its lease; one that found
    a store away (`Unavailable`) is handed out again at the next sweep, once the batch is
    through."""
    claimed = await outbox.claim(now_ms, limit)
    away: list[PendingEffects] = []
    for record in claimed:
        fields = {"incident_id": record.incident_id, "version": record.version}
        log.warning("effect.rerun", extra=fields)  # a crash or a Redis error left it
        try:
            incident = await incidents.get(record.incident_id)
            if incident is not None:
                await runner.rerun(incident, record)
            await outbox.done(record.incident_id, record.version)
        except Unavailable:
            log.warning("effect.rerun_unavailable", extra=fields)
            away.append(record)
        except Exception:
            log.exception("effect.rerun_failed", extra=fields)
    for record in away:
        with contextlib.suppress(Unavailable):  # still away: its lease runs out instead
            await outbox.release(record, now_ms)
    return len(claimed)


async def run_sweeper(
    outbox: EffectsOutbox,
    incidents: IncidentStore,
    runner: EffectRunner,
    *,
    now_ms: Callable[[], int],
    interval_s: float,
    stop_event: asyncio.Event,
    limit: int = 100,
) -> None:
    """`sweep` every `interval_s` until `stop_event` is set; a full batch sweeps again."""
    while not stop_event.is_set():
        try:
            claimed = await sweep(outbox, incidents, runner, now_ms=now_ms(), limit=limit)
        except Unavailable:
            log.warning("effect.sweep_unavailable")  # the records wait in Redis
            claimed = 0
        except Exception:
            log.exception("effect.sweep_failed")
            claimed = 0
        if claimed >= limit:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), timeout=interval_s)
