"""Refill a lost Redis from the record (`tipline db rebuild-live`, docs/record.md).

For each open incident of the record (and each resolved within the live window, when the
caller gives its start): its document and audit trail, its status and school
indexes, the key of its receipt (the record keeps the receipt hash as the live store files
it, so no server key is needed here), its messages with their `seq`, its Slack reference,
and the deadlines the caller recomputes from its trail (`escalation.recovery`, passed in as
`deadlines_of`: adapters make no business decision).

Everything is written through the live stores' own methods, so that the stored format, and
the sealing of texts under the data key ring the caller passes, is theirs: `create`, then
`append` for each message in `seq` order (an incident rebuilt from nothing numbers them
1, 2, ... as the record does; a gap is refused), then its stored version set back to the
record's. An incident is first cleared of whatever an earlier run left (its hash, trail,
stream, dedupe record), so a second run gives the same state (the same texts, under new
nonces).

Those writes add their entries to the archive stream, as live writes do. They are no-ops for
the record: the watermarks are set to what the record holds, so the worker writes no message
or step again, and its upsert of the incident carries the record's own version and fields
(an older snapshot, read before the version is set back, changes nothing).

`LiveRestore` brings one incident back the same way, while the service runs: a reporter
writing on a case the live window let go (tipline/conversation.py). It writes the incident
under a staging prefix of its own through the same stores, then moves it into place in one
MULTI, so nothing sees half of it and two processes restoring at once leave one copy.

Not rebuilt: the `client_id` dedupe records (a resend of a message sent before the loss is
stored again), retry records, rate-limit counters and the Slack outbox's pending jobs; the
schools and responders, which `tipline serve` seeds from its configuration at every start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from adapters import archive, effects_outbox, live_window, reach, redis_keys
from adapters.deadlines import DeadlineStore
from adapters.record.store import LiveRef, PostgresRecord
from adapters.redis_incidents import RedisIncidents
from adapters.redis_messages import RedisMessages
from adapters.sealing import KeyRing
from adapters.slack_outbox import RedisSlackOutbox
from tipline import models

log = logging.getLogger("tipline.live_rebuild")

PAGE = 200
# A restore's staging keys expire by themselves if its process dies before moving them.
STAGING_TTL_MS = 10 * 60_000
# What `create` needs as a receipt hash when the record has none (an incident archived
# before the record kept them): never a SHA-256 digest, so no receipt opens it; deleted after.
_NO_RECEIPT = "none:"


class RebuildError(RuntimeError):
    """The record cannot be written back as it is (a gap in an incident's seq)."""


@dataclasses.dataclass(slots=True)
class Counts:
    incidents: int = 0
    messages: int = 0
    receipts: int = 0  # of the incidents written, and of every older one (read from the record)
    deadlines: int = 0
    slack: int = 0
    resolved: int = 0  # of the incidents, those resolved within the live window

    def line(self) -> str:
        return (
            f"{self.incidents} incidents, {self.messages} messages, {self.receipts} receipts, "
            f"{self.deadlines} deadlines, {self.slack} Slack references "
            f"({self.resolved} of the incidents resolved within the live window)"
        )


class Progress(Protocol):
    def __call__(self, counts: Counts, /) -> None: ...


async def live_incidents(client: aioredis.Redis, prefix: str) -> int:
    """How many incidents the live store indexes (open or resolved) for `prefix`."""
    keys = redis_keys.Keys(prefix)
    async with client.pipeline(transaction=False) as pipe:
        for status in models.Status:
            pipe.zcard(keys.index(status, None))
        counts: list[int] = await pipe.execute()
    return sum(counts)


@reach.translated
class LiveRebuild:
    """Writes the record's open incidents back into one deployment's Redis (`prefix`)."""

    def __init__(
        self,
        record: PostgresRecord,
        client: aioredis.Redis,
        *,
        prefix: str,
        deadlines_of: Callable[[models.Incident], Sequence[models.Deadline]],
        ring: KeyRing | None,
        resolved_since: dt.datetime | None = None,
    ) -> None:
        """`ring`: the data keys the service seals texts in Redis with (the record's);
        `resolved_since`: the start of the live window (None: open incidents only)."""
        self._record = record
        self._resolved_since = resolved_since
        self._live: set[str] = set()  # the incidents written whole (their receipt with them)
        self._r = client
        self._keys = redis_keys.Keys(prefix)  # no seal key: the record's hashes are sealed
        self._incidents = RedisIncidents(client, prefix=prefix, ring=ring)
        self._messages = RedisMessages(client, prefix=prefix, ring=ring)
        self._deadlines = DeadlineStore(client, prefix)
        self._outbox = RedisSlackOutbox(client, prefix=prefix)
        self._archive = archive.ArchiveStream(client, prefix=prefix)
        self._deadlines_of = deadlines_of

    async def run(
        self, *, dry_run: bool, progress: Progress, say: Callable[[str], None] = print
    ) -> Counts:
        """Every open incident of the record, a page at a time; `progress` after each page.
        `dry_run`: write nothing, `say` one line an incident of what would be written."""
        counts = Counts()
        after = ""
        while page := await self._record.live_refs(
            after=after, limit=PAGE, resolved_since=self._resolved_since
        ):
            for ref in page:
                await self._one(ref, counts, say if dry_run else None)
            after = page[-1].incident_id
            progress(counts)
        await self._receipts(counts, dry_run=dry_run)
        progress(counts)
        return counts

    async def _receipts(self, counts: Counts, *, dry_run: bool) -> None:
        """The receipt key of every other incident too (resolved before the window, so read
        from the record): a reporter who comes back to one still opens it, as before."""
        after = ""
        while page := await self._record.receipts(after=after, limit=PAGE * 5):
            after = page[-1][0]
            older = [(i, r) for i, r in page if i not in self._live]
            counts.receipts += len(older)
            if dry_run or not older:
                continue
            async with self._r.pipeline(transaction=False) as pipe:
                for incident_id, receipt_hash in older:
                    pipe.set(self._keys.receipt(receipt_hash), incident_id)
                await pipe.execute()

    async def _one(self, ref: LiveRef, counts: Counts, say: Callable[[str], None] | None) -> None:
        incident = await self._record.incident(ref.incident_id)
        if incident is None:  # deleted since the page was read
            return
        self._live.add(incident.incident_id)
        messages = await all_messages(self._record, ref.incident_id)
        deadlines = self._deadlines_of(incident)
        counts.incidents += 1
        counts.messages += len(messages)
        counts.receipts += ref.receipt_hash is not None
        counts.deadlines += len(deadlines)
        counts.slack += ref.slack is not None
        counts.resolved += incident.status is models.Status.RESOLVED
        if say is not None:  # a dry run
            say(_plan(incident, len(messages), ref, deadlines))
            return
        await self._clear(incident)
        receipt = ref.receipt_hash or _NO_RECEIPT + incident.incident_id
        await _write(self._incidents, self._messages, incident, messages, receipt)
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.incident(incident.incident_id), "version", incident.version)
            if ref.receipt_hash is None:
                pipe.delete(self._keys.receipt(receipt))
            await pipe.execute()
        await self._archive.advance(
            {incident.incident_id: (len(messages), len(incident.escalation), incident.version)}
        )
        for deadline in deadlines:
            await self._deadlines.schedule(deadline)
        if ref.slack is not None:
            await self._outbox.remember(incident.incident_id, *ref.slack)

    async def _clear(self, incident: models.Incident) -> None:
        """What an earlier run (or the live path) left of this incident, so it starts over."""
        k = self._keys
        incident_id = incident.incident_id
        async with self._r.pipeline(transaction=True) as pipe:
            pipe.delete(
                k.incident(incident_id),
                k.steps(incident_id),
                k.messages(incident_id),
                k.dedupe(incident_id),
            )
            for scope in (None, incident.org_code):
                for status in models.Status:
                    pipe.zrem(k.index(status, scope), incident_id)
                pipe.zrem(k.pinned(scope), incident_id)
            await pipe.execute()


def _plan(
    incident: models.Incident, messages: int, ref: LiveRef, deadlines: Sequence[models.Deadline]
) -> str:
    """One line of `--dry-run`: what would be written for `incident` (no text anyone wrote)."""
    return json.dumps(
        {
            "incident_id": incident.incident_id,
            "org_code": incident.org_code,
            "status": incident.status.value,
            "state": incident.state,
            "version": incident.version,
            "steps": len(incident.escalation),
            "messages": messages,
            "receipt": ref.receipt_hash is not None,
            "slack": ref.slack is not None,
            "deadlines": [{"kind": d.kind.value, "due": models.iso(d.due)} for d in deadlines],
        }
    )


async def all_messages(record: PostgresRecord, incident_id: str) -> list[models.Message]:
    """Every message of the incident in the record, in seq order; RebuildError at a gap
    (nothing may be written then: the live seq would no longer match the record's)."""
    out: list[models.Message] = []
    while page := await record.messages(incident_id, out[-1].seq if out else 0):
        out += page
    for expected, message in enumerate(out, start=1):
        if message.seq != expected:
            raise RebuildError(
                f"incident {incident_id}: the record has no message {expected} "
                f"(next is {message.seq}); nothing of it was written"
            )
    return out


async def _write(
    incidents: RedisIncidents,
    messages: RedisMessages,
    incident: models.Incident,
    history: Sequence[models.Message],
    receipt_hash: str,
) -> None:
    """The incident and its messages through the live stores' own writes: `create`, then
    each message in seq order (numbered 1, 2, ... as the record numbers them)."""
    await incidents.create(incident, receipt_hash=receipt_hash)
    for message in history:
        appended = await messages.append(
            incident.incident_id,
            sender=message.sender,
            text=message.text,
            at=message.at,
            dedupe_key=None,
            author=message.author,
        )
        if appended.message.seq != message.seq:
            raise RebuildError(f"incident {incident.incident_id}: seq moved while rebuilding")


@reach.translated
class LiveRestore:
    """Brings one incident that only the record has (the live window let it go) back into
    one deployment's Redis, whole: its document and trail at the record's version, its
    indexes, its receipt key, its messages with their seq (the next one is n + 1), its
    archive watermark (the record has it all: nothing is archived again), its Slack message
    and pending deadlines, and a hold that keeps the evictor off it for `hold_ms` (the
    caller reopens it right after; open, it is no longer the evictor's).

    Safe with several processes: each writes a copy under a staging prefix of its own
    (`<prefix>:restore:<random>`) through the live stores, then one MULTI under WATCH of the
    incident's hash renames the copy into place, indexes it and drops the rest of the
    staging; whoever finds the incident in Redis already (another process restored it, or it
    never left) drops its copy and reuses that one. Nothing sees half an incident, and a
    live write to it can only come after the MULTI."""

    def __init__(
        self,
        record: PostgresRecord,
        client: aioredis.Redis,
        *,
        prefix: str,
        deadlines_of: Callable[[models.Incident], Sequence[models.Deadline]],
        ring: KeyRing | None,
        hold_ms: int = live_window.RESTORE_HOLD_MS,
    ) -> None:
        self._record = record
        self._r = client
        self._prefix = prefix
        self._keys = redis_keys.Keys(prefix)  # no seal key: the record's hashes are sealed
        self._ring = ring
        self._deadlines = DeadlineStore(client, prefix)
        self._outbox = RedisSlackOutbox(client, prefix=prefix)
        self._archive = archive.ArchiveStream(client, prefix=prefix)
        self._deadlines_of = deadlines_of
        self._hold_ms = hold_ms

    async def restore(self, incident_id: str) -> bool:
        """Bring the incident back; True when this call did, False when Redis has it
        already (another process restored it first), or the record does not have it or has
        purged what people wrote in it (then the write stays `archived`)."""
        if await self._r.exists(self._keys.incident(incident_id)):
            return False
        incident = await self._record.incident(incident_id)
        ref = await self._record.live_ref(incident_id)
        if incident is None or ref is None or incident.purged_at is not None:
            return False  # unknown, or purged (retention): no text is left to bring back
        history = await all_messages(self._record, incident_id)
        staging = redis_keys.Keys(f"{self._prefix}:restore:{secrets.token_hex(8)}")
        receipt = ref.receipt_hash or _NO_RECEIPT + incident_id
        leftovers = self._staged(staging, incident, receipt)
        try:
            await _write(
                RedisIncidents(self._r, prefix=staging.prefix, ring=self._ring),
                RedisMessages(self._r, prefix=staging.prefix, ring=self._ring),
                incident,
                history,
                receipt,
            )
            async with self._r.pipeline(transaction=False) as pipe:
                for key in leftovers:
                    pipe.pexpire(key, STAGING_TTL_MS)
                await pipe.execute()
            moved = await self._move(staging, incident, len(history), ref.receipt_hash)
        finally:
            await self._r.delete(*leftovers)  # after the move only what was not moved
        if not moved:
            return False
        for deadline in self._deadlines_of(incident):
            await self._deadlines.schedule(deadline)
        if ref.slack is not None and await self._outbox.posted(incident_id) is None:
            await self._outbox.remember(incident_id, *ref.slack)
        log.info("live_window.restored", extra={"incident_id": incident_id})
        return True

    @staticmethod
    def _staged(staging: redis_keys.Keys, incident: models.Incident, receipt: str) -> list[str]:
        """Every key the live stores' writes make under the staging prefix."""
        incident_id, scopes = incident.incident_id, (None, incident.org_code)
        effects = effects_outbox.Keys.of(staging.prefix)
        return [
            staging.incident(incident_id),
            staging.steps(incident_id),
            staging.messages(incident_id),
            staging.dedupe(incident_id),
            *(staging.index(status, scope) for status in models.Status for scope in scopes),
            *(staging.pinned(scope) for scope in scopes),
            staging.receipt(receipt),
            staging.archive(),
            effects.due,
            effects.data,
        ]

    async def _move(
        self,
        staging: redis_keys.Keys,
        incident: models.Incident,
        messages: int,
        receipt_hash: str | None,
    ) -> bool:
        """The staged copy into place in one MULTI, unless Redis has the incident already."""
        live, incident_id = self._keys, incident.incident_id
        score = incident.created_at.timestamp()
        async with self._r.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(live.incident(incident_id))
                if await pipe.exists(live.incident(incident_id)):
                    return False  # restored by another process meanwhile: that copy stays
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.hset(staging.incident(incident_id), "version", incident.version)
                pipe.rename(staging.incident(incident_id), live.incident(incident_id))
                pipe.persist(live.incident(incident_id))
                if incident.escalation:
                    pipe.rename(staging.steps(incident_id), live.steps(incident_id))
                    pipe.persist(live.steps(incident_id))
                if messages:
                    pipe.rename(staging.messages(incident_id), live.messages(incident_id))
                    pipe.persist(live.messages(incident_id))
                for scope in (None, incident.org_code):
                    pipe.zadd(live.index(incident.status, scope), {incident_id: score})
                    if incident.pinned:
                        pipe.zadd(live.pinned(scope), {incident_id: score})
                if receipt_hash is not None:
                    pipe.set(live.receipt(receipt_hash), incident_id)
                pipe.hset(
                    self._archive.wm_key,
                    incident_id,
                    f"{messages},{len(incident.escalation)},{incident.version}",
                )
                pipe.set(live_window.restored_key(self._prefix, incident_id), "1", px=self._hold_ms)
                await pipe.execute()
            except WatchError:
                return False
        return True
