"""Ports: the Protocols through which the application talks to its edges.

Adapters (`adapters/`, `realtime/`, `bot/`, `classifiers/`) implement them; the composition
root (`tipline.app`) picks the implementations. Nothing here does I/O.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from escalation import commands
from tipline import pow as proof_of_work
from tipline.limits import Limits
from tipline.models import (
    Author,
    Category,
    Channel,
    Deadline,
    Incident,
    Message,
    Organization,
    Responder,
    Sender,
    Status,
    Step,
    Triage,
)


class Verdict(Protocol):
    """What a classifier says of one text, in the label strings of PROTOCOL.md
    (`tipline.triage.to_triage` makes it a `Triage`)."""

    @property
    def urgency(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class Classifier(Protocol):
    """Text in, verdicts out: the safety-net rules or the model, driven by the Triager
    (`tipline.triage`). `classifiers` imports nothing of the application, so its engines
    (`RulesClassifier`, `TransformerEngine`, each with its `classifiers.Verdict`) meet this
    port by shape. Synchronous and CPU-bound: callers run it off the event loop."""

    @property
    def name(self) -> str:
        """A short name for logs and `/healthz` ("rules", "e5-small+rules", ...)."""
        ...

    def classify(self, texts: Sequence[str]) -> Sequence[Verdict]:
        """One Verdict per text, in order. Never raises for any string input."""
        ...


class Clock(Protocol):
    """Time comes in through this port so that tests can drive it."""

    def now(self) -> dt.datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Appended:
    """The result of appending a chat message."""

    message: Message
    # True when the client_id was seen before: `message` is the original, nothing was written.
    duplicate: bool
    # The incident's status when the message was appended (None when the store cannot tell).
    status: Status | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Claimed:
    """The result of a claim: who holds the incident now, and whether this call took it."""

    incident: Incident
    holder: str
    taken: bool


@dataclasses.dataclass(frozen=True, slots=True)
class IncidentPage:
    """A page of `incident:list`: `next` is the cursor of the following page, None at the end."""

    incidents: list[Incident]
    next: str | None


class Directory(Protocol):
    """Organisations and responders."""

    async def organization(self, code: str) -> Organization | None: ...

    async def organizations(self) -> list[Organization]: ...

    async def put_organization(self, org: Organization, *, overwrite: bool) -> bool:
        """Store `org`; with overwrite=False only when missing. True when written."""
        ...

    async def responder_by_token_hash(self, token_hash: str) -> Responder | None: ...

    async def put_responder(self, responder: Responder, token_hash: str) -> None:
        """Store `responder` reachable by `token_hash`, replacing its previous token."""
        ...

    async def responder_by_slack_user(self, slack_user_id: str) -> Responder | None:
        """The responder mapped to this Slack user (`Responder.slack_user_id`), or None."""
        ...


class IncidentStore(Protocol):
    """Incidents, their indexes, receipts and claims."""

    async def create(
        self, incident: Incident, *, receipt_hash: str, effects: str | None = None
    ) -> None:
        """Store a new incident; `effects` as for `update` (of its version 1)."""
        ...

    async def create_once(
        self,
        incident: Incident,
        *,
        receipt_hash: str,
        client_key: str,
        sealed_receipt: str,
        window_s: float,
        effects: str | None = None,
    ) -> str:
        """Atomically create `incident` and keep (`sealed_receipt`, its id) under `client_key`
        for `window_s`, unless that key already names an incident: the id of the incident
        that holds the key (this one when it was created now, else the earlier one)."""
        ...

    async def filed_with(self, client_key: str) -> tuple[str, str] | None:
        """(incident id, sealed receipt) of the report filed under `client_key`, or None."""
        ...

    async def get(self, incident_id: str) -> Incident | None: ...

    async def get_many(self, ids: Sequence[str]) -> list[Incident | None]:
        """`get` for many incidents, in order, in one round trip."""
        ...

    async def in_org(self, incident_id: str, org_code: str) -> bool:
        """Whether the incident belongs to `org_code`, read from that school's data only."""
        ...

    async def by_receipt(self, receipt_hash: str) -> str | None:
        """The incident id a receipt hash opens, or None."""
        ...

    async def list_incidents(
        self, *, org_code: str | None, status: Status | None, limit: int = 500
    ) -> list[Incident]:
        """Newest first; org_code None means every school; status None means all."""
        ...

    async def page_incidents(
        self, *, org_code: str | None, status: Status | None, limit: int, before: str | None
    ) -> IncidentPage:
        """One page, newest first, older than the cursor `before` (None: the first page, which
        also holds every pinned incident in scope, `Incident.pinned`). ValueError for a cursor
        that is not one."""
        ...

    async def claim(
        self,
        incident: Incident,
        *,
        holder: str,
        expected_version: int,
        steps: Sequence[Step],
        effects: str | None = None,
    ) -> Claimed | None:
        """Atomically store `incident` (already showing `holder` as claimer) and append `steps`
        if nobody holds it yet. `taken=False` names who holds it; None when the incident is
        gone or its version moved on (read it again and retry)."""
        ...

    async def update(
        self,
        incident: Incident,
        *,
        expected_version: int,
        steps: Sequence[Step],
        effects: str | None = None,
    ) -> Incident | None:
        """Compare-and-set: write `incident`'s mutable fields and append `steps` when its
        stored version is `expected_version`. None when someone else changed it first.
        `effects` (create and claim alike): the durable effects of the version stored, as
        its EffectsOutbox record, written in the same atomic step; nothing when refused."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class PendingEffects:
    """The durable effects of one stored version of an incident, written with it."""

    incident_id: str
    version: int
    body: str  # what is to be done, one JSON line an effect (tipline/effects.py)


class EffectsOutbox(Protocol):
    """The effects written atomically with an incident's change (adapters.effects_outbox):
    dropped once they ran, re-run by a sweeper when they were left behind."""

    async def claim(self, now_ms: int, limit: int) -> list[PendingEffects]:
        """Lease up to `limit` records left past their grace, or whose lease ran out."""
        ...

    async def release(self, pending: PendingEffects, now_ms: int) -> bool:
        """Hand a claimed record out again from `now_ms` on, not after its whole lease;
        False if it was no longer held as claimed."""
        ...

    async def record(self, incident_id: str, version: int) -> str | None:
        """The pending record of the version (with the lines of earlier ones carried into
        it), or None."""
        ...

    async def done(self, incident_id: str, version: int) -> None:
        """The record's effects all ran: drop it (pending or held)."""
        ...


class Deadlines(Protocol):
    """Durable timers (adapters.deadlines): they fire once, even across restarts."""

    async def schedule(self, deadline: Deadline) -> None: ...

    async def cancel(self, key: str) -> None: ...


class Notifier(Protocol):
    """Slack (bot.notifier): posts and updates that survive Slack being down."""

    async def post(self, incident: Incident) -> None:
        """Post the emergency with its claim button, once per incident."""
        ...

    async def update(self, incident: Incident, step: Step, *, once: str | None = None) -> None:
        """Update the posted message and add `step` as a line in its thread; with `once`,
        at most once per incident under that key (a left effect run again)."""
        ...

    async def alert(self, incident: Incident, reason: str, *, once: str | None = None) -> None:
        """Tell the on-duty agents again (a re-page or a suggestion) in the thread; `once`
        as for `update`."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxJob:
    """The head of one incident's Slack queue, handed to one delivery worker at a time."""

    incident_id: str
    # The job as stored (JSON); `SlackOutbox.done` compares it so a stale worker pops nothing.
    body: str
    # Failed deliveries of this head so far (0 on its first try).
    attempts: int
    # Names this worker's hold on the incident; a worker whose hold expired changes nothing.
    lease: str


class SlackOutbox(Protocol):
    """The durable queue behind the Slack notifier (adapters.slack_outbox).

    One FIFO per incident, so an update never overtakes its post; a due-time per incident,
    so a failing incident waits without holding up the others; at most one worker holds an
    incident at a time, across every process.
    """

    async def enqueue(
        self, incident_id: str, bodies: Sequence[str], *, once: str | None, now_ms: int
    ) -> bool:
        """Append `bodies` to the incident's queue, due at `now_ms`. With `once`, only the
        first call with that key for the incident ever enqueues (across processes); False
        when refused."""
        ...

    async def claim(self, now_ms: int, limit: int) -> list[OutboxJob]:
        """Lease the heads of up to `limit` due incidents not held by another worker."""
        ...

    async def done(self, job: OutboxJob, now_ms: int) -> None:
        """The head was delivered (or given up): pop it, release the incident."""
        ...

    async def retry(self, job: OutboxJob, due_ms: int) -> None:
        """Keep the head, release the incident until `due_ms`."""
        ...

    async def remember(self, incident_id: str, channel: str, ts: str) -> None:
        """Keep the posted message's channel and ts for its later updates."""
        ...

    async def posted(self, incident_id: str) -> tuple[str, str] | None:
        """The (channel, ts) of the incident's message, once it is posted."""
        ...

    async def release(self, incident_id: str, once: str) -> None:
        """Forget the incident's once key `once` (a job that no longer needs it: the scrub,
        once the record says it is queued), so nothing is kept for an incident not in Redis."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class SlackCopy:
    """A purged incident's messages in Slack, to scrub (docs/slack.md, "Retention"): where
    its message and the thread replies that quote a note are, and the anonymous figures
    its message keeps."""

    incident_id: str
    channel: str
    ts: str
    replies: tuple[str, ...]  # ts of the noted thread replies
    urgency: str
    category: str
    school: str
    reported_on: dt.date
    purged_on: dt.date


class SlackScrubs(Protocol):
    """Queues the scrub of a purged incident's Slack copy (bot.notifier, on the outbox)."""

    async def scrub(self, copy: SlackCopy, *, after_s: float = 0.0) -> bool:
        """Queue it, due `after_s` from now, once per incident across processes (False: it
        was already)."""
        ...

    async def scrub_queued(self, incident_id: str) -> None:
        """The record says it is queued: the once key that guarded it may go."""
        ...


class SlackCopies(Protocol):
    """What the delivery worker tells the record about Slack (adapters.record.store)."""

    async def slack_reply(self, incident_id: str, *, channel: str, ts: str) -> None:
        """A thread reply that quotes what people wrote was posted at `ts`."""
        ...

    async def slack_scrubbed(self, incident_id: str, *, outcome: str) -> None:
        """Slack answered the scrub of the incident's copy: 'scrubbed' or its error."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Budget:
    """At most `limit` messages of one sender side per incident in `window_s`."""

    limit: int
    window_s: float


class BudgetSpent(Exception):  # noqa: N818  (a refusal, not a failure)
    """`MessageLog.append` refused: the sender's budget for this incident is spent."""


class MessageLog(Protocol):
    """The conversation of each incident: gap-free `seq`, deduplicated by client id."""

    async def append(
        self,
        incident_id: str,
        *,
        sender: Sender,
        text: str,
        at: dt.datetime,
        dedupe_key: str | None,
        budget: Budget | None = None,
        author: Author | None = None,
    ) -> Appended:
        """Append atomically (seq, dedupe record, budget count, message); a duplicate
        returns the original and counts nothing; raises BudgetSpent past `budget`.
        `author`: the responder who wrote a responder message, stored with it."""
        ...

    async def since(self, incident_id: str, after_seq: int, limit: int = 1000) -> list[Message]: ...

    async def since_many(
        self, after: Mapping[str, int], limit: int = 1000
    ) -> dict[str, list[Message]]:
        """`since` for many incidents (id -> after_seq) in one round trip."""
        ...


class Triager(Protocol):
    """The asynchronous face of the classifier that the service awaits."""

    @property
    def ready(self) -> bool:
        """True once the model (or the rules it fell back to) can answer."""
        ...

    async def triage(self, text: str, *, school: str = "") -> Triage:
        """The model's verdict, however long it takes."""
        ...

    async def safety_net(self, text: str) -> Triage:
        """The safety-net rules' verdict, at once (never behind the model): an emergency on a
        life-threat pattern, else at least urgent."""
        ...

    def submit(self, text: str, *, school: str) -> asyncio.Future[Triage]:
        """Queue `text` for the model, fairly among schools; cancel the future to withdraw."""
        ...


class Broadcaster(Protocol):
    """Pushes changes to connected people (Socket.IO rooms, across processes)."""

    async def incident_new(self, incident: Incident) -> None: ...

    async def incident_updated(self, incident: Incident) -> None: ...

    async def message(self, message: Message, *, origin: str | None) -> None:
        """Send `message` to its conversation except the connection `origin` that wrote it."""
        ...

    async def alert_agents(self, incident: Incident, *, reason: str) -> None:
        """`incident:alert` (a sound, a browser notification) to the agents of the center."""
        ...

    async def alert_admins(self, incident: Incident, *, reason: str) -> None:
        """`incident:alert` to the admins of the incident's school."""
        ...


class RateLimiter(Protocol):
    """Counts hits per named bucket and window, across processes."""

    async def allow(self, bucket: str, *, limit: int, window_s: float) -> bool:
        """Count one hit; False when `bucket` is over `limit` in the current window."""
        ...

    async def count(self, bucket: str, *, window_s: float) -> int:
        """Count one hit; how many `bucket` has had in the current window, this one included."""
        ...

    async def refund(self, bucket: str) -> None:
        """Take back one hit of the current window (nothing once the window is over)."""
        ...


class ProofLedger(Protocol):
    """Proof-of-work state shared by every process (tipline.pow, adapters.pow_ledger)."""

    async def secret(self) -> bytes:
        """The key that signs challenges; the same in every process."""
        ...

    async def spend(self, spend_id: str, *, ttl_s: float) -> bool:
        """Record a redeemed challenge for `ttl_s`; False when it was spent before."""
        ...

    async def load(self, org_code: str) -> int:
        """Reports the school took in the current window."""
        ...

    async def add_load(self, org_code: str, *, window_s: float) -> None:
        """Count one report of the school in the window."""
        ...


class Record(Protocol):
    """The system of record (PostgreSQL, adapters/record): what is kept for years.

    Every write is idempotent, keyed by what the live path already numbers, so the archive
    stream may deliver the same batch twice (docs/record.md)."""

    async def upsert_organization(self, org: Organization) -> None: ...

    async def upsert_responder(self, responder: Responder) -> None: ...

    async def upsert_incident(self, incident: Incident, *, receipt_hash: str | None = None) -> bool:
        """Insert `incident`, or update its mutable fields unless the stored version is newer
        (a late, older snapshot changes nothing). True when a row was written. The audit
        trail goes in through `add_steps`; a missing `receipt_hash` keeps the stored one."""
        ...

    async def add_messages(self, messages: Sequence[Message]) -> int:
        """Store the messages not stored yet, by incident and `seq`; how many were new."""
        ...

    async def add_steps(self, incident_id: str, steps: Sequence[Step], *, start: int) -> int:
        """Store the audit-trail steps numbered `start`, `start + 1`, ... that are not stored
        yet; how many were new."""
        ...

    async def write_batch(
        self,
        incidents: Sequence[tuple[Incident, str | None]],
        messages: Sequence[Message],
        steps: Sequence[tuple[str, Sequence[Step], int]],
    ) -> None:
        """`upsert_incident` (with its receipt hash or None), `add_messages` and `add_steps`
        (incident, steps, start) for many incidents in one transaction: what the archive
        writes a batch with (one commit, not one per row)."""
        ...

    async def put_slack_message(self, incident_id: str, *, channel: str, ts: str) -> None:
        """The Slack message (channel, ts) that carries the incident."""
        ...

    async def incident(self, incident_id: str) -> Incident | None:
        """The incident with its audit trail, oldest step first."""
        ...

    async def resolved_page(
        self, *, org_code: str | None, before: tuple[dt.datetime, str] | None, limit: int
    ) -> list[Incident]:
        """Resolved incidents (of `org_code`; None: every school) with their trails, newest
        first by creation, equal times by id descending, after `before` (created_at, id) in
        that order; at most `limit`."""
        ...

    async def messages(
        self, incident_id: str, after_seq: int = 0, limit: int = 1000
    ) -> list[Message]:
        """The incident's messages after `after_seq`, in `seq` order."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Filed:
    """A new report: the incident and the receipt, which is shown once and never stored."""

    incident: Incident
    receipt: str


class UseCases(Protocol):
    """What reporters and responders can do, whatever edge they come from: the calls the
    inbound edges (`realtime/`, `bot/`) make. `tipline.service.IncidentService` implements
    it; the edges know only this, so the service can change shape behind it. Refusals are
    `tipline.errors.AppError` (a store out of reach: `Unavailable`)."""

    limits: Limits

    # -- reporters -------------------------------------------------------------------------
    async def organization(self, org_code: str) -> Organization:
        """The school of an access code; `unknown_org` otherwise."""
        ...

    async def admit_reporter(self, org_code: str) -> Organization:
        """A new reporter connection for a school."""
        ...

    async def pow_challenge(self, org_code: str) -> proof_of_work.Challenge:
        """A proof-of-work challenge for a report to the school (`pow:challenge`)."""
        ...

    async def resume(self, receipt: str, *, proof: proof_of_work.Proof | None = None) -> Incident:
        """The incident a receipt opens; `bad_receipt` otherwise."""
        ...

    async def own_report(self, incident_id: str) -> Incident:
        """The incident of a reporter's own session."""
        ...

    async def file_report(
        self,
        *,
        org_code: str,
        text: str,
        category: Category | None = None,
        channel: Channel = Channel.WEB,
        filed_by: str | None = None,
        client_id: str | None = None,
        proof: proof_of_work.Proof | None = None,
        connection_spent: bool = False,
    ) -> Filed:
        """Triage, store and route a report."""
        ...

    # -- both sides ------------------------------------------------------------------------
    async def post(
        self,
        incident_id: str,
        *,
        sender: Sender,
        text: str,
        dedupe_key: str | None,
        origin: str | None,
        author: Responder | None = None,
    ) -> Appended:
        """Append a message (deduplicated by `dedupe_key`) and push it to the conversation."""
        ...

    async def since(self, incident_id: str, after_seq: int) -> list[Message]:
        """The conversation's messages after `after_seq`."""
        ...

    # -- responders ------------------------------------------------------------------------
    async def authenticate(
        self, token: str, *, proof: proof_of_work.Proof | None = None
    ) -> Responder | None:
        """The responder of `token`, None for a wrong one."""
        ...

    async def visible(self, responder: Responder, incident_id: str) -> Incident:
        """The incident if `responder` may see it; `not_found` otherwise."""
        ...

    async def check_visible(self, responder: Responder, incident_id: str) -> None:
        """What `visible` decides, without returning the incident."""
        ...

    async def list_for(self, responder: Responder, status: Status | None) -> list[Incident]:
        """Every incident `responder` may see, of `status` (None: all)."""
        ...

    async def page_for(
        self, responder: Responder, status: Status | None, *, limit: int, before: str | None
    ) -> IncidentPage:
        """`incident:list`, paged."""
        ...

    async def join(self, responder: Responder, incident_id: str) -> Incident:
        """Let `responder` into the conversation."""
        ...

    async def claim(self, responder: Responder, incident_id: str) -> Claimed:
        """Exactly one responder wins."""
        ...

    async def step(
        self, responder: Responder, incident_id: str, command: commands.Command
    ) -> Incident:
        """One escalation step through the engine."""
        ...
