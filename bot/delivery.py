"""The delivery worker: takes due jobs from the outbox and sends them to Slack.

One worker per process, any number of processes: the outbox hands each incident to one
worker at a time, so the jobs of an incident go out one after the other, in order, and the
incidents themselves go out side by side (one slow or failing incident holds up no other).
A 429 waits for its Retry-After; a 5xx, a `ratelimited`/`internal_error` answer or an outage
is retried with capped exponential backoff for as long as it takes; any other refusal is
retried `max_refusals` times and then dropped with an error in the log.

What Slack did is written down before anything else happens (`_settle`): once a call
succeeded, the worker stores its outcome (the posted message's address, the job done) and
tries again while Redis is away (a failover: a few seconds) rather than leaving the job to
its lease, whose expiry would send it to Slack a second time. And a post job finds the
incident already posted (its address stored, but the job not yet done when Redis went
away) and sends nothing. So Slack gets each post and thread line once across a Redis
failover; only a worker that dies between Slack's answer and Redis's leaves a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, jobs, notifier
from bot.config import BotConfig
from tipline.errors import Unavailable
from tipline.models import Incident, Organization
from tipline.ports import Directory, IncidentStore, OutboxJob, SlackCopies, SlackCopy, SlackOutbox

log = logging.getLogger("tipline.slack")

# How long a worker keeps trying to store what Slack did while Redis is away: well within
# the outbox's lease (60 s), so no other worker takes the job meanwhile.
SETTLE_S = 30.0
SETTLE_PAUSE_S = (0.05, 1.0)  # first and longest pause between tries

_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class Retry(Exception):  # noqa: N818  (a signal to the worker, not a failure of the caller)
    """Try this job again later; `after_s` when Slack said how long to wait."""

    def __init__(
        self, reason: str, *, transient: bool, after_s: float | None = None, error: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.after_s = after_s
        self.error = error  # Slack's error code, when it answered one


class Delivery:
    """Sends the outbox's jobs to Slack; `run` until stopped, `wake` to look at once."""

    def __init__(
        self,
        *,
        config: BotConfig,
        outbox: SlackOutbox,
        incidents: IncidentStore,
        directory: Directory,
        client: AsyncWebClient,
        look: blocks.Look,
        now_ms: Callable[[], int] = notifier.wall_ms,
        batch: int = 32,
        copies: SlackCopies | None = None,
    ) -> None:
        """`copies`: the record, told where the noted thread replies are and how each
        scrub went (docs/slack.md, "Retention"); None keeps neither."""
        self._config = config
        self._copies = copies
        self._outbox = outbox
        self._incidents = incidents
        self._directory = directory
        self._client = client
        self._look = look
        self._now_ms = now_ms
        self._batch = batch
        self._nudged = asyncio.Event()

    def wake(self) -> None:
        self._nudged.set()

    async def run(self, stop: asyncio.Event, *, poll_s: float = 0.25) -> None:
        """Deliver until `stop` is set; between rounds wait for a nudge or `poll_s` (jobs of
        other processes and retries that came due)."""
        while not stop.is_set():
            self._nudged.clear()
            try:
                handled = await self.deliver_due()
            except Exception:
                # Redis away for a moment: the jobs wait in Redis; look again soon.
                log.exception("slack.delivery_round_failed")
                handled = 0
            if handled >= self._batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), timeout=poll_s)

    async def deliver_due(self) -> int:
        """One round: every due incident's head job, side by side; how many were taken."""
        taken = await self._outbox.claim(self._now_ms(), self._batch)
        await asyncio.gather(*(self._deliver(j) for j in taken))
        return len(taken)

    async def _deliver(self, job: OutboxJob) -> None:
        fields = {"incident_id": job.incident_id, "attempts": job.attempts}
        try:
            try:
                await self._send(job.incident_id, _decoded(job))
            except Unavailable:
                # Our own store away (the incident not read, what Slack did not stored):
                # tried again after the backoff, not after the whole lease, never dropped.
                raise Retry("the store is unavailable", transient=True) from None
        except Retry as retry:
            if not retry.transient and job.attempts + 1 >= self._config.max_refusals:
                log.error("slack.dropped", extra=fields | {"reason": retry.reason})
                await self._outbox.done(job, self._now_ms())
                return
            wait_s = retry.after_s if retry.after_s is not None else self._backoff(job.attempts)
            log.warning("slack.retry", extra=fields | {"reason": retry.reason, "wait_s": wait_s})
            await self._outbox.retry(job, self._now_ms() + int(wait_s * 1000))
            return
        await _settle(lambda: self._outbox.done(job, self._now_ms()))

    def _backoff(self, attempts: int) -> float:
        return float(min(self._config.retry_cap_s, self._config.retry_base_s * 2**attempts))

    async def _send(self, incident_id: str, job: jobs.Job) -> None:
        if isinstance(job, jobs.Scrub):
            # A purged incident is no longer in Redis: the job carries what it needs.
            await self._scrub(job.copy)
            return
        incident = await self._incidents.get(incident_id)
        org = await self._directory.organization(incident.org_code) if incident else None
        if incident is None or org is None:
            log.warning("slack.job_without_incident", extra={"incident_id": incident_id})
            return
        match job:
            case jobs.Post():
                await self._post(incident, org)
            case jobs.Translator(by=by):
                await self._translator(incident, org, by)
            case jobs.Update() | jobs.Reply() | jobs.Alert():
                await self._in_thread(incident, org, job)

    async def _post(self, incident: Incident, org: Organization) -> None:
        incident_id = incident.incident_id
        if await self._outbox.posted(incident_id) is not None:
            # Posted and remembered, but Redis went away before the job was done.
            log.warning("slack.already_posted", extra={"incident_id": incident_id})
            return
        payload = blocks.message(incident, org, self._look)
        answer = await self._call("chat_postMessage", channel=self._config.channel, **payload)
        channel, ts = str(answer["channel"]), str(answer["ts"])
        await _settle(lambda: self._outbox.remember(incident_id, channel, ts))
        log.info("slack.posted", extra={"incident_id": incident_id})

    async def _in_thread(self, incident: Incident, org: Organization, job: jobs.InThread) -> None:
        where = await self._outbox.posted(incident.incident_id)
        if where is None:
            # Its post was given up (or Slack was off when it came in): nothing to update.
            log.warning("slack.not_posted", extra={"incident_id": incident.incident_id})
            return
        channel, ts = where
        match job:
            case jobs.Update():
                payload = blocks.message(incident, org, self._look)
                await self._call("chat_update", channel=channel, ts=ts, **payload)
            case jobs.Reply(step=step):
                text = blocks.step_line(step)
                answer = await self._call(
                    "chat_postMessage", channel=channel, thread_ts=ts, text=text
                )
                if step.note:  # it quotes what a person wrote: a purge deletes it
                    await self._keep_reply(incident.incident_id, channel, str(answer["ts"]))
            case jobs.Alert(reason=reason):
                text = blocks.alert_text(incident, reason, self._config.mentions)
                await self._call("chat_postMessage", channel=channel, thread_ts=ts, text=text)

    async def _keep_reply(self, incident_id: str, channel: str, ts: str) -> None:
        """Tell the record where a noted reply is. The reply is posted: a record away past
        SETTLE_S loses only its address (the purge then leaves that reply in Slack; logged),
        never posts it twice."""
        copies = self._copies
        if copies is None:
            return
        try:
            await _settle(lambda: copies.slack_reply(incident_id, channel=channel, ts=ts))
        except Unavailable:
            log.warning("slack.reply_not_kept", extra={"incident_id": incident_id})

    async def _scrub(self, copy: SlackCopy) -> None:
        """Rewrite the message to the anonymous figures and delete the noted replies. An
        outage or a 429 is retried as any job is; any other refusal (`message_not_found`,
        `cant_update_message`, `missing_scope`, ...) is what the record is told, once:
        no retry would change it. A reply already gone (an earlier try deleted it) is fine."""
        outcome = "scrubbed"
        try:
            payload = blocks.purged_message(copy)
            await self._call("chat_update", channel=copy.channel, ts=copy.ts, **payload)
        except Retry as refused:
            if refused.transient:
                raise
            outcome = refused.error or refused.reason
        for ts in copy.replies:
            try:
                await self._call("chat_delete", channel=copy.channel, ts=ts)
            except Retry as refused:
                if refused.transient:
                    raise
                if refused.error != "message_not_found" and outcome == "scrubbed":
                    outcome = refused.error or refused.reason
        fields = {"incident_id": copy.incident_id, "outcome": outcome}
        log.info("slack.scrubbed", extra=fields | {"replies": len(copy.replies)})
        copies = self._copies
        if copies is None:
            return
        try:
            await _settle(lambda: copies.slack_scrubbed(copy.incident_id, outcome=outcome))
        except Unavailable:
            # Slack is scrubbed but the record did not hear it: the job goes again later
            # (the same text again, the replies answer message_not_found).
            raise Retry("the record is unavailable", transient=True) from None

    async def _translator(self, incident: Incident, org: Organization, by: str) -> None:
        channel = self._config.translators_channel
        if channel:
            text = blocks.translator_text(incident, org, self._look, by)
            await self._call("chat_postMessage", channel=channel, text=text)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        """One Web API call; every failure comes out as Retry, classified."""
        try:
            return await getattr(self._client, method)(**kwargs)
        except SlackApiError as exc:
            raise _classify(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc}", transient=True) from None


async def _settle(store: Callable[[], Awaitable[None]]) -> None:
    """`store` what Slack did, again while Redis is unavailable, for up to SETTLE_S (then
    the job is left to its lease). Each store is idempotent: a try whose answer was lost
    and that ran is harmless to repeat."""
    loop = asyncio.get_running_loop()
    gives_up = loop.time() + SETTLE_S
    pause, longest = SETTLE_PAUSE_S
    while True:
        try:
            await store()
            return
        except Unavailable:
            if loop.time() + pause > gives_up:
                raise
            log.warning("slack.settle_unavailable")
        await asyncio.sleep(pause)
        pause = min(longest, pause * 2)


def _decoded(job: OutboxJob) -> jobs.Job:
    """The stored job; one this version cannot read is refused like a Slack refusal: tried
    again `max_refusals` times (a newer process may take it meanwhile), then dropped."""
    decoded = jobs.decode(job.body)
    if decoded is None:
        raise Retry("unreadable job", transient=False)
    return decoded


def _classify(exc: SlackApiError) -> Retry:
    response = exc.response
    status = response.status_code
    error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    if status == 429:
        after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        return Retry("429", transient=True, after_s=float(after) if after else None)
    transient = status >= 500 or error in _TRANSIENT
    return Retry(f"{status} {error}".strip(), transient=transient, error=error)
