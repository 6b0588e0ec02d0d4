"""The archive: every acknowledged live write reaches the record (PostgreSQL) by a durable path.

Each live write (an incident created or changed, a message appended) also adds an entry
`{i: incident id}` to the Redis Stream `<prefix>:archive` **in the same Lua script or
MULTI as the write itself**, so an acknowledged write always has its entry. The entry is a
reference, not a copy: the worker reads the incident as it is now (its document, audit
trail and messages past what it archived before) and writes that through the idempotent
`Record` port, so many entries of one incident cost one read and one write per batch,
and a redelivered entry writes nothing new.

Durability: the worker reads with a consumer group (`XREADGROUP`), so several server
processes share the work, and acknowledges (`XACK`, then `XDEL`, in the script that moves
the watermarks) only after the record committed. A worker that dies holds its entries in
the group's pending list; any other worker takes them over once they are idle for
`CLAIM_IDLE_MS` (`XAUTOCLAIM`, looked for at most every `TAKE_OVER_EVERY_S`), and a
restarted one re-reads its own first. With PostgreSQL down the entries wait in Redis and
the backlog drains when it is back (the live state they point at is still in Redis: an
incident leaves Redis only once it is archived).

The Slack outbox adds `{i, sc: channel, st: ts}` when it learns where an incident's Slack
message is (adapters/slack_outbox.py `remember`): the worker writes that reference to the
record (`slack_messages`) after the incident, replacing any earlier one.

The watermark hash `<prefix>:archive:wm` keeps, per incident, the highest message `seq`,
the number of audit steps written and the version of the incident row written
(`seq,steps,version`; a mark without the version, as the live rebuild writes it, reads as
version 0); it is moved only after a commit, so it is never ahead of the record (a lost
update only makes the next batch write a few rows again, which `ON CONFLICT DO NOTHING`
and the version check ignore). A message append does not move the incident's version, so
a batch reads the live version first (with the marks, in one script reply) and reads, unseals
and writes again in full only the incidents whose version moved past their mark; for the
others it writes only their new messages. On the chat path that is nearly every incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from adapters import reach
from adapters.redis_keys import Keys
from tipline import models
from tipline.ports import IncidentStore, MessageLog, Record

_log = logging.getLogger("tipline.archive")

GROUP = "archive"
BATCH = 500  # entries a read
# A batch that was not full is followed by a rest, so that the next starts at least this
# long after it: under a steady trickle the entries of 0.1 s go in one batch, not one batch
# each. A batch costs about 8 round trips whatever its size (the read, the marks, the
# messages, the transaction's three, the settle); at 1,000 msg/s, unpaced, the worker took
# a batch of a few entries every millisecond or two, a fifth of the server's CPU
# (docs/performance.md). A full batch (a backlog) is followed by the next at once.
PACE_S = 0.1
CLAIM_IDLE_MS = 30_000  # a dead worker's entries are taken over after this
TAKE_OVER_EVERY_S = 1.0  # ... looked for this often at most
MESSAGES_PAGE = 200  # messages an incident a read (redis_messages: 40 incidents a script call)
BACKOFF_S = (0.5, 10.0)  # a failed batch waits 0.5 s, doubling up to 10 s ...
PROBE_EVERY_S = 1.0  # ... while the record is probed this often (jittered by +-25 %)
PROBE_TIMEOUT_S = 1.0


def stream_key(prefix: str) -> str:
    """The stream the live writes add their entries to (see the module docstring)."""
    return Keys(prefix).archive()


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    entry_id: str
    incident_id: str
    receipt: str | None  # the sealed receipt hash, on the entry of a creation
    slack: tuple[str, str] | None = None  # (channel, ts) of its Slack message, once posted


@dataclasses.dataclass(frozen=True, slots=True)
class Mark:
    """What the record has of one incident (its watermark), and its live version."""

    seq: int  # the last message archived
    steps: int  # audit steps archived
    version: int  # the version of the incident row archived; 0: not known
    live: int | None  # the version in Redis now; None: gone from Redis


@dataclasses.dataclass(frozen=True, slots=True)
class Lag:
    """How far the record is behind the live path."""

    backlog: int  # entries not yet archived (written or pending)
    oldest_s: float  # age of the oldest of them; 0 when there is none
    dead: int = 0  # entries of incidents the record refused (archive:dead)


# KEYS: the watermark hash, then the incidents' hashes; ARGV: the incident ids. Returns each
# incident's mark and live version, alternately (false: none). One reply for the batch:
# redis-py spends ~17 us of the caller's CPU on each reply of a pipeline, ~2 us an incident
# here (docs/performance.md).
_MARKS = """
local out = {}
for i = 2, #KEYS do
  out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i - 1])
  out[#out + 1] = redis.call('HGET', KEYS[i], 'version')
end
return out
"""
# KEYS: the watermark hash, the stream. ARGV: how many marks, the marks (incident, value),
# then the entry ids to ack and delete. At most BATCH of each: far below what Lua's
# `unpack` takes (about 8,000 values).
_SETTLE = f"""
local marks = tonumber(ARGV[1])
if marks > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * marks)) end
if #ARGV > 1 + 2 * marks then
  redis.call('XACK', KEYS[2], '{GROUP}', unpack(ARGV, 2 + 2 * marks))
  redis.call('XDEL', KEYS[2], unpack(ARGV, 2 + 2 * marks))
end
return 1
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _mark_of(value: Any) -> tuple[int, int, int]:
    """A stored watermark `seq,steps[,version]` (no version: 0, so the next batch rewrites
    the incident in full); (0, 0, 0) for an incident never archived."""
    fields = [int(f) for f in _text(value).split(",")] if value else []
    seq, steps, version = (*fields, 0, 0, 0)[:3]
    return seq, steps, version


@reach.translated
class ArchiveStream:
    """The stream and its consumer group, in Redis."""

    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._r = client
        self._keys = Keys(prefix)
        self.key = stream_key(prefix)
        self.wm_key = f"{prefix}:archive:wm"
        self._dead = f"{self.key}:dead"
        self._marks = client.register_script(_MARKS)
        self._settle = client.register_script(_SETTLE)

    async def ensure_group(self) -> None:
        """Create the group (from the stream's start: entries written before are kept)."""
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
            await self._r.xgroup_create(self.key, GROUP, id="0", mkstream=True)

    @staticmethod
    def _entries(raw: Any) -> list[Entry]:
        out = []
        for entry_id, fields in raw:
            if not fields:  # deleted meanwhile (XDEL by another worker after its commit)
                continue
            decoded = {_text(k): _text(v) for k, v in fields.items()}
            channel, ts = decoded.get("sc"), decoded.get("st")
            slack = (channel, ts) if channel is not None and ts is not None else None
            out.append(Entry(_text(entry_id), decoded.get("i", ""), decoded.get("r"), slack))
        return out

    async def read(self, consumer: str, *, count: int, block_ms: int, own: bool) -> list[Entry]:
        """New entries for `consumer`, or (`own`) those it read before and did not ack."""
        replies: Any = await self._r.xreadgroup(
            GROUP, consumer, {self.key: "0" if own else ">"}, count=count, block=block_ms
        )
        return [e for _, raw in replies or [] for e in self._entries(raw)]

    async def take_over(self, consumer: str, *, count: int, idle_ms: int) -> list[Entry]:
        """Entries another worker read and left idle for `idle_ms` (it died)."""
        reply: Any = await self._r.xautoclaim(
            self.key, GROUP, consumer, idle_ms, start_id="0-0", count=count
        )
        return self._entries(reply[1])

    async def settle(self, marks: Mapping[str, tuple[int, ...]], entry_ids: Sequence[str]) -> None:
        """After the record committed: move the marks and ack and delete the entries, at
        once (one script: a stop in between can no longer leave marks moved and entries
        pending, which cost a batch's rewrite, and it is one reply instead of three)."""
        if not marks and not entry_ids:
            return
        fields = [v for k, mark in marks.items() for v in (k, ",".join(map(str, mark)))]
        await self._settle(keys=[self.wm_key, self.key], args=[len(marks), *fields, *entry_ids])

    async def dead_letter(self, entries: Sequence[Entry], refused: dict[str, str]) -> None:
        """Keep what the record refused in `<prefix>:archive:dead` (the incident and the
        error code), for an operator: the incident stays in Redis, so nothing is lost."""
        async with self._r.pipeline(transaction=False) as pipe:
            for entry in entries:
                pipe.xadd(self._dead, {"i": entry.incident_id, "error": refused[entry.incident_id]})
            await pipe.execute()

    async def watermarks(self, incident_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(last seq, steps) archived for each incident; (0, 0) for one never archived."""
        values: list[Any] = await self._r.hmget(self.wm_key, list(incident_ids))
        return {i: _mark_of(v)[:2] for i, v in zip(incident_ids, values, strict=True)}

    async def marks(self, incident_ids: Sequence[str]) -> dict[str, Mark]:
        """Each incident's mark and its live version, in one round trip and one reply."""
        if not incident_ids:
            return {}
        keys = [self.wm_key, *(self._keys.incident(i) for i in incident_ids)]
        flat: list[Any] = await self._marks(keys=keys, args=list(incident_ids))
        values, versions = flat[::2], flat[1::2]
        out = {}
        for incident_id, value, live in zip(incident_ids, values, versions, strict=True):
            seq, steps, version = _mark_of(value)
            out[incident_id] = Mark(seq, steps, version, int(live) if live else None)
        return out

    async def advance(self, marks: Mapping[str, tuple[int, ...]]) -> None:
        """Move the marks: (seq, steps) or (seq, steps, version written)."""
        if marks:
            await self._r.hset(
                self.wm_key, mapping={k: ",".join(map(str, mark)) for k, mark in marks.items()}
            )

    async def lag(self) -> Lag:
        """Entries not archived yet, and the age of the oldest (from its stream id)."""
        async with self._r.pipeline(transaction=False) as pipe:
            pipe.xlen(self.key)
            pipe.xrange(self.key, count=1)
            pipe.xlen(self._dead)
            length, first, dead = await pipe.execute()
        if not first:
            return Lag(backlog=int(length), oldest_s=0.0, dead=int(dead))
        millis = int(_text(first[0][0]).split("-")[0])
        age = max(0.0, time.time() - millis / 1000)
        return Lag(backlog=int(length), oldest_s=age, dead=int(dead))


# One incident of a batch: its id, its state (None: unchanged since its mark, only its
# messages are written), its receipt hash, its new messages, its new steps.
_Written = tuple[
    str,
    models.Incident | None,
    str | None,
    list[models.Message],
    tuple[str, Sequence[models.Step], int] | None,
]


def _columns(
    batch: Sequence[_Written],
) -> tuple[
    list[tuple[models.Incident, str | None]],
    list[models.Message],
    list[tuple[str, Sequence[models.Step], int]],
]:
    return (
        [(incident, receipt) for _, incident, receipt, _, _ in batch if incident is not None],
        [m for _, _, _, new, _ in batch for m in new],
        [trail for _, _, _, _, trail in batch if trail is not None],
    )


def _refused(exc: BaseException) -> bool:
    """The record refused these rows for what they are (SQLSTATE class 22, a data
    exception, or 23, an integrity violation): retrying them cannot help. Anything else
    (the record away, a closed pool, a bug) is retried with the whole batch."""
    return str(getattr(exc, "sqlstate", "") or "")[:2] in {"22", "23"}


def consumer_name() -> str:
    """This process's name in the group: host and pid (a restart is a new consumer)."""
    return f"{socket.gethostname()}-{os.getpid()}"


class ArchiveWorker:
    """Moves what the entries point at into the record; run one per server process."""

    def __init__(
        self,
        stream: ArchiveStream,
        *,
        incidents: IncidentStore,
        messages: MessageLog,
        record: Record,
        consumer: str | None = None,
        block_ms: int = 1000,
        claim_idle_ms: int = CLAIM_IDLE_MS,
        probe: Callable[[], Awaitable[bool]] | None = None,
        backoff_s: tuple[float, float] = BACKOFF_S,
        pace_s: float = PACE_S,
    ) -> None:
        self._stream = stream
        self._incidents = incidents
        self._messages = messages
        self._record = record
        self.consumer = consumer or consumer_name()
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._probe = probe  # a cheap "is the record up?" (PostgresRecord.ping)
        self._backoff_s = backoff_s  # (first, longest) wait after a failed batch
        self._pace_s = pace_s  # the least time from a batch that was not full to the next
        self._own = True  # a (re)started worker reads what it left pending first
        # A dead worker's entries, claimable once idle claim_idle_ms, are looked for at most
        # every TAKE_OVER_EVERY_S (or half the idle time), not at every batch: under load
        # batches follow each other many times a second, each look a round trip.
        self._next_take_over = 0.0
        self.archived = 0  # entries acknowledged by this worker (a figure for tests, logs)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: archive batch after batch (after one that was not full, the
        next starts `pace_s` after it at the earliest); on a failure wait (the entries
        stay pending), then again. A stop is seen within `block_ms` (the longest read): the
        caller sets it and waits, rather than cancelling a read (redis-py may retry a
        cancelled blocking read instead of giving it up, measured: the stop then hung)."""
        await self._stream.ensure_group()
        loop = asyncio.get_running_loop()
        first, longest = self._backoff_s
        backoff = first
        while not stop.is_set():
            try:
                started = loop.time()
                if await self.step() < BATCH:  # no backlog: let the next batch fill
                    await self._rest(stop, started + self._pace_s - loop.time())
                backoff = first
            except Exception as exc:  # the record or Redis away: wait, then again
                # The type and, for PostgreSQL, its SQLSTATE: never a message, which may
                # quote a row (what someone wrote).
                code = getattr(exc, "sqlstate", None)
                _log.warning("archive.retry", extra={"error": type(exc).__name__, "sqlstate": code})
                self._own = True  # what we read is pending on us: read it again first
                back = await self._pause(stop, backoff)
                # Back: the next failure (a stale connection, say) waits the shortest again.
                backoff = first if back else min(backoff * 2, longest)

    @staticmethod
    async def _rest(stop: asyncio.Event, seconds: float) -> None:
        """Wait `seconds` (or less: until `stop`)."""
        if seconds > 0 and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    async def _pause(self, stop: asyncio.Event, backoff_s: float) -> bool:
        """Wait `backoff_s` after a failed batch, or less: the record is probed every
        PROBE_EVERY_S meanwhile, and once a probe failed and a later one answers (PostgreSQL
        is back) the wait ends there (True), so a backlog drains about a second after the
        record returns rather than after the rest of a 10 s backoff. A probe is one `SELECT
        true` (a connection attempt while the record is away), about once a second,
        jittered so that several processes do not knock together; the batch itself (Redis
        reads of up to 500 incidents) is retried only on the doubling backoff. A failure that
        was not the record's (Redis away: every probe answers) waits the whole backoff."""
        loop = asyncio.get_running_loop()
        until = loop.time() + backoff_s
        seen_down = False
        while not stop.is_set():
            left = until - loop.time()
            if left <= 0:
                return False
            nap = left
            if self._probe is not None:
                jitter = random.uniform(0.75, 1.25)  # noqa: S311 # spreads probes, not a secret
                nap = min(left, PROBE_EVERY_S * jitter)
            await self._rest(stop, nap)
            if self._probe is None or stop.is_set() or loop.time() >= until:
                continue
            try:
                up = await asyncio.wait_for(self._probe(), PROBE_TIMEOUT_S)
            except Exception:  # away (Unavailable, a timeout): keep waiting
                up = False
            if up and seen_down:
                _log.info("archive.record_back")
                return True
            seen_down = seen_down or not up
        return False

    async def step(self) -> int:
        """One batch: own pending entries first (after a start or a failure), then entries a
        dead worker left, then new ones (waiting up to `block_ms`); how many were archived."""
        if self._own:
            entries = await self._stream.read(self.consumer, count=BATCH, block_ms=0, own=True)
            self._own = bool(entries)
        if not self._own:
            entries = []
            now = time.monotonic()
            if now >= self._next_take_over:
                entries = await self._stream.take_over(
                    self.consumer, count=BATCH, idle_ms=self._claim_idle_ms
                )
                if len(entries) < BATCH:  # all taken: look again a moment later
                    self._next_take_over = now + min(TAKE_OVER_EVERY_S, self._claim_idle_ms / 2000)
            entries = entries or await self._stream.read(
                self.consumer, count=BATCH, block_ms=self._block_ms, own=False
            )
        if entries:
            await self.archive(entries)
        return len(entries)

    async def archive(self, entries: Sequence[Entry]) -> None:
        """Write what changed of every incident named in `entries`, then ack them: one
        script reply for the marks and live versions, one read of the incidents whose
        version moved, one script reply for 40 incidents' page of new messages, one
        PostgreSQL transaction for the batch, and one script that moves the marks and acks.
        An incident whose version is its mark's gets only its messages."""
        receipts = {e.incident_id: e.receipt for e in entries if e.receipt}
        ids = list(dict.fromkeys(e.incident_id for e in entries if e.incident_id))
        marks = await self._stream.marks(ids)
        # an incident gone from Redis was archived before it left: nothing to do for it
        live = [i for i in ids if marks[i].live is not None]
        stale = [i for i in live if (marks[i].live or 0) > marks[i].version]
        found = [i for i in await self._incidents.get_many(stale) if i is not None]
        messages = await self._messages_after({i: marks[i].seq for i in live})
        moved: dict[str, tuple[int, int, int]] = {}
        for incident_id in live:
            mark, new = marks[incident_id], messages.get(incident_id, [])
            moved[incident_id] = (new[-1].seq if new else mark.seq, mark.steps, mark.version)
        batch: list[_Written] = []
        for incident in found:
            incident_id, mark = incident.incident_id, marks[incident.incident_id]
            trail = (incident_id, incident.escalation[mark.steps :], mark.steps)
            new = messages.pop(incident_id, [])
            batch.append((incident_id, incident, receipts.get(incident_id), new, trail))
            moved[incident_id] = (moved[incident_id][0], len(incident.escalation), incident.version)
        # gone between the two reads: archived before it left, as above
        for incident_id in set(stale) - {i.incident_id for i in found}:
            moved.pop(incident_id)
            messages.pop(incident_id, None)
        batch += [(i, None, None, new, None) for i, new in messages.items() if new]
        refused = await self._write(batch)
        for incident_id in refused:
            moved.pop(incident_id)
        # The Slack references, after their incidents (a foreign key); the latest one wins.
        posted = {e.incident_id: e.slack for e in entries if e.slack is not None}
        for incident_id, (channel, ts) in posted.items():
            if incident_id in moved:  # archived now (not refused, not gone from Redis)
                await self._record.put_slack_message(incident_id, channel=channel, ts=ts)
        if refused:
            await self._stream.dead_letter(
                [e for e in entries if e.incident_id in refused], refused
            )
        await self._stream.settle(moved, [e.entry_id for e in entries])
        self.archived += len(entries)

    async def _write(self, batch: Sequence[_Written]) -> dict[str, str]:
        """Write the batch in one transaction. If the record refuses its rows (`_refused`),
        write each incident alone, so that one incident the record cannot take does not stop
        every other; the ids refused, with their SQLSTATE, go to the dead letters, never
        silently. Any other failure (the record away) raises: the batch is retried whole."""
        try:
            await self._record.write_batch(*_columns(batch))
            return {}
        except Exception as exc:
            if not _refused(exc):
                raise  # away, or our bug: the whole batch waits and is retried
        refused: dict[str, str] = {}
        for one in batch:
            try:
                await self._record.write_batch(*_columns([one]))
            except Exception as exc:
                if not _refused(exc):
                    raise
                code = str(getattr(exc, "sqlstate", ""))
                refused[one[0]] = code
                _log.error("archive.refused", extra={"incident_id": one[0], "error": code})
        return refused

    async def _messages_after(self, after: dict[str, int]) -> dict[str, list[models.Message]]:
        """Every message after each incident's mark, a page of MESSAGES_PAGE at a time."""
        out: dict[str, list[models.Message]] = {incident_id: [] for incident_id in after}
        while after:
            pages = await self._messages.since_many(after, limit=MESSAGES_PAGE)
            after = {}
            for incident_id, page in pages.items():
                out[incident_id] += page
                if len(page) == MESSAGES_PAGE:
                    after[incident_id] = page[-1].seq
        return out
