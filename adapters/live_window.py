"""The live window (issue #21, docs/record.md): Redis keeps open incidents and those resolved
less than `live_window_hours` ago; older ones leave Redis and are read from the record.

- `Evictor`: a job every process runs, done by one at a time (a lease in Redis). It takes the
  resolved incidents created before the window (the `resolved` index is by creation time, and
  an incident is resolved after it is created), and removes from Redis each one resolved
  longer ago than the window **only once the record holds all of it**: the archive's
  watermark has its last `seq` and every step of its trail, and the record's copy has its
  current version. Removal is one MULTI under WATCH of the incident's hash: a write in
  between (a late step) leaves it where it is, for the next round.
- `IncidentsWithRecord`, `MessagesWithRecord`: the service's stores. A read of an incident
  that Redis no longer has (by id, its messages, whether a school owns it) falls back to
  the record, marked `from_record` (responders see it `read_only`); a write to one is
  refused with `archived`, changing nothing (the service brings it back first for a
  reporter's message: adapters/live_rebuild.py `LiveRestore`).
- A restored incident carries a hold (`restored_key`, RESTORE_HOLD_MS) that the evictor
  respects, so it is not taken away again between its return and the reopen that follows.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from redis.exceptions import WatchError

from adapters import archive, reach, redis_codec, redis_pages, slack_outbox
from adapters.redis_base import StoreError
from adapters.redis_keys import Keys
from tipline import models
from tipline.errors import AppError, Unavailable
from tipline.ports import (
    Appended,
    Budget,
    Claimed,
    Clock,
    IncidentPage,
    IncidentStore,
    MessageLog,
    Record,
)

log = logging.getLogger("tipline.live_window")

LEASE_MS = 60_000  # one evictor at a time; another takes over after this if it dies
CANDIDATES = 200  # incidents looked at a round
RECORD_PAGE = 100_000  # the record's messages of one incident, at most, in one read
# An incident brought back from the record is not evicted for this long (it is reopened at
# once; should that fail, it may go again once the hold is over).
RESTORE_HOLD_MS = 15 * 60_000


def restored_key(prefix: str, incident_id: str) -> str:
    """The hold on an incident brought back from the record (adapters/live_rebuild.py)."""
    return Keys(prefix).incident(incident_id) + ":restored"


# KEYS[1] the lease; ARGV[1] this process, ARGV[2] the lease in ms. 1 when it holds it.
_LEASE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


def archived_error() -> AppError:
    return AppError(
        "archived",
        "this incident was resolved long ago and is kept in the record only: it can be read, "
        "not changed",
    )


def resolved_at(incident: models.Incident) -> dt.datetime | None:
    """When the incident was resolved: its trail's last `resolve`; None while it is not."""
    if incident.status is not models.Status.RESOLVED:
        return None
    moments = [s.at for s in incident.escalation if s.action == "resolve"]
    return moments[-1] if moments else None


@reach.translated
class Evictor:
    """Removes from Redis what the window no longer keeps and the record holds."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        incidents: IncidentStore,
        record: Record,
        clock: Clock,
        window: dt.timedelta,
        consumer: str | None = None,
    ) -> None:
        self._r = client
        self._prefix = prefix
        self._keys = Keys(prefix)
        self._stream = archive.ArchiveStream(client, prefix=prefix)
        self._slack = slack_outbox.RedisSlackOutbox(client, prefix=prefix)
        self._lease_key = f"{prefix}:evict:lease"
        self._incidents = incidents
        self._record = record
        self._clock = clock
        self.window = window
        self.consumer = consumer or archive.consumer_name()
        self._lease = client.register_script(_LEASE)

    async def holds_lease(self) -> bool:
        held = await self._lease(keys=[self._lease_key], args=[self.consumer, LEASE_MS])
        return bool(held)

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        """Until `stop`: a round every `interval_s` while this process holds the lease."""
        while not stop.is_set():
            try:
                if await self.holds_lease():
                    await self.round()
            except Exception as exc:  # Redis or the record away: the next round tries again
                log.warning("live_window.retry", extra={"error": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    async def round(self) -> list[str]:
        """One pass: the ids removed from Redis."""
        now = self._clock.now()
        before = (now - self.window).timestamp()
        index = self._keys.index(models.Status.RESOLVED, None)
        raw: list[Any] = await self._r.zrangebyscore(index, "-inf", before, start=0, num=CANDIDATES)
        ids = [redis_codec.text(i) for i in raw]
        removed = []
        for incident in await self._incidents.get_many(ids):
            if incident is None:
                continue
            at = resolved_at(incident)
            if at is None or at > now - self.window:
                continue
            if await self.in_record(incident) and await self._evict(incident):
                removed.append(incident.incident_id)
        if removed:
            log.info("live_window.evicted", extra={"count": len(removed)})
        return removed

    async def in_record(self, incident: models.Incident) -> bool:
        """Whether the record holds all of `incident`: the archive's watermark has its last
        message and every step, and the record's copy is of its version."""
        incident_id = incident.incident_id
        key = self._keys.incident(incident_id)
        last_seq = int(await self._r.hget(key, "last_seq") or 0)
        marks = await self._stream.watermarks([incident_id])
        seq, steps = marks[incident_id]
        if seq < last_seq or steps < len(incident.escalation):
            return False
        stored = await self._record.incident(incident_id)
        return stored is not None and stored.version >= incident.version

    async def _evict(self, incident: models.Incident) -> bool:
        """Every key of the incident, in one MULTI, if its version is still the one checked
        and it is not held (brought back from the record a moment ago)."""
        k, incident_id = self._keys, incident.incident_id
        hold = restored_key(self._prefix, incident_id)
        async with self._r.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(k.incident(incident_id), hold)
                version = await pipe.hget(k.incident(incident_id), "version")
                if version is None or int(version) != incident.version:
                    return False
                if await pipe.exists(hold):
                    return False
                older = await self._slack.older_once(incident_id)
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.delete(
                    k.incident(incident_id),
                    k.steps(incident_id),
                    k.messages(incident_id),
                    k.dedupe(incident_id),
                    *(k.budget(incident_id, sender) for sender in models.Sender),
                )
                for status in models.Status:
                    pipe.zrem(k.index(status, None), incident_id)
                    pipe.zrem(k.index(status, incident.org_code), incident_id)
                pipe.zrem(k.pinned(None), incident_id)
                pipe.zrem(k.pinned(incident.org_code), incident_id)
                pipe.hdel(self._stream.wm_key, incident_id)
                self._slack.forget(pipe, incident_id, older)  # its once keys, where it was posted
                await pipe.execute()
            except WatchError:
                return False
        return True


def _entry(incident: models.Incident) -> redis_pages.Entry:
    """Where an incident sorts in a page (adapters/redis_pages.py): its creation, then id."""
    return incident.created_at.timestamp(), incident.incident_id


async def _from_record(read: Any) -> Any:
    """A read of the record. The record away is `unavailable` already (PostgresRecord is
    `reach.translated`); so is its pool closed under the read (a stop). Anything else is a
    bug and is not passed off as the record being away."""
    try:
        return await read
    except asyncpg.InterfaceError as exc:
        raise Unavailable from exc


class IncidentsWithRecord:
    """The IncidentStore of the service: Redis, and the record for what left the window."""

    def __init__(self, live: IncidentStore, record: Record) -> None:
        self._live = live
        self._record = record

    async def archived(self, incident_id: str) -> models.Incident | None:
        """The record's copy of an incident Redis no longer has, marked `from_record` (the
        responders' wire says it is read-only)."""
        found: models.Incident | None = await _from_record(self._record.incident(incident_id))
        return None if found is None else dataclasses.replace(found, from_record=True)

    async def get(self, incident_id: str) -> models.Incident | None:
        found = await self._live.get(incident_id)
        return found if found is not None else await self.archived(incident_id)

    async def in_org(self, incident_id: str, org_code: str) -> bool:
        if await self._live.in_org(incident_id, org_code):
            return True
        found = await self.archived(incident_id)
        return found is not None and found.org_code == org_code

    async def _refuse_if_archived(self, incident_id: str) -> None:
        if await self._live.get(incident_id) is None and await self.archived(incident_id):
            raise archived_error()

    async def claim(
        self,
        incident: models.Incident,
        *,
        holder: str,
        expected_version: int,
        steps: Sequence[models.Step],
        effects: str | None = None,
    ) -> Claimed | None:
        claimed = await self._live.claim(
            incident,
            holder=holder,
            expected_version=expected_version,
            steps=steps,
            effects=effects,
        )
        if claimed is None:
            await self._refuse_if_archived(incident.incident_id)
        return claimed

    async def update(
        self,
        incident: models.Incident,
        *,
        expected_version: int,
        steps: Sequence[models.Step],
        effects: str | None = None,
    ) -> models.Incident | None:
        stored = await self._live.update(
            incident, expected_version=expected_version, steps=steps, effects=effects
        )
        if stored is None:
            await self._refuse_if_archived(incident.incident_id)
        return stored

    # -- the rest is the live store's ------------------------------------------------------
    async def create(
        self, incident: models.Incident, *, receipt_hash: str, effects: str | None = None
    ) -> None:
        await self._live.create(incident, receipt_hash=receipt_hash, effects=effects)

    async def create_once(
        self,
        incident: models.Incident,
        *,
        receipt_hash: str,
        client_key: str,
        sealed_receipt: str,
        window_s: float,
        effects: str | None = None,
    ) -> str:
        return await self._live.create_once(
            incident,
            receipt_hash=receipt_hash,
            client_key=client_key,
            sealed_receipt=sealed_receipt,
            window_s=window_s,
            effects=effects,
        )

    async def filed_with(self, client_key: str) -> tuple[str, str] | None:
        return await self._live.filed_with(client_key)

    async def get_many(self, ids: Sequence[str]) -> list[models.Incident | None]:
        return await self._live.get_many(ids)

    async def by_receipt(self, receipt_hash: str) -> str | None:
        return await self._live.by_receipt(receipt_hash)

    async def list_incidents(
        self, *, org_code: str | None, status: models.Status | None, limit: int = 500
    ) -> list[models.Incident]:
        return await self._live.list_incidents(org_code=org_code, status=status, limit=limit)

    async def page_incidents(
        self,
        *,
        org_code: str | None,
        status: models.Status | None,
        limit: int,
        before: str | None,
    ) -> IncidentPage:
        """Redis's page, with the resolved incidents only the record still has merged in by
        creation (the same order and cursors); Redis's page alone while the record is away."""
        live = await self._live.page_incidents(
            org_code=org_code, status=status, limit=limit, before=before
        )
        if status not in {None, models.Status.RESOLVED}:
            return live
        edge = redis_pages.parse(before) if before is not None else None
        try:
            older = await self._record.resolved_page(
                org_code=org_code,
                before=(dt.datetime.fromtimestamp(edge[0], dt.UTC), edge[1]) if edge else None,
                limit=limit + 1,
            )
        except Exception as exc:  # the record away: the live list still answers
            log.warning("live_window.list_without_record", extra={"error": type(exc).__name__})
            return live
        # The record holds the live ones too (a moment late): Redis's copy is the one shown.
        here = await self._live.get_many([i.incident_id for i in older])
        gone = [
            dataclasses.replace(i, from_record=True)
            for i, found in zip(older, here, strict=True)
            if found is None
        ]
        if not gone:
            return live
        pinned = [i for i in live.incidents if i.pinned]  # the first page holds them all
        ordinary = sorted(
            [i for i in live.incidents if not i.pinned] + gone, key=_entry, reverse=True
        )
        taken = ordinary[:limit]
        more = len(ordinary) > limit or live.next is not None or len(older) > limit
        next_cursor = redis_pages.cursor(_entry(taken[-1])) if more and taken else None
        return IncidentPage(sorted(taken + pinned, key=_entry, reverse=True), next_cursor)

    def __getattr__(self, name: str) -> Any:  # ping, close, ...: the live store's
        return getattr(self._live, name)


class MessagesWithRecord:
    """The MessageLog of the service: Redis, and the record for incidents it no longer has."""

    def __init__(self, live: MessageLog, incidents: IncidentsWithRecord, record: Record) -> None:
        self._live = live
        self._incidents = incidents
        self._record = record

    async def append(
        self,
        incident_id: str,
        *,
        sender: models.Sender,
        text: str,
        at: dt.datetime,
        dedupe_key: str | None,
        budget: Budget | None = None,
        author: models.Author | None = None,
    ) -> Appended:
        try:
            return await self._live.append(
                incident_id,
                sender=sender,
                text=text,
                at=at,
                dedupe_key=dedupe_key,
                budget=budget,
                author=author,
            )
        except StoreError:
            if await self._incidents.archived(incident_id):
                raise archived_error() from None
            raise

    async def since(
        self, incident_id: str, after_seq: int, limit: int = 1000
    ) -> list[models.Message]:
        found = await self._live.since(incident_id, after_seq, limit)
        if found or await self._incidents.get_many([incident_id]) != [None]:
            return found
        archived: list[models.Message] = await _from_record(
            self._record.messages(incident_id, after_seq, limit)
        )
        return archived

    async def since_many(
        self, after: Mapping[str, int], limit: int = 1000
    ) -> dict[str, list[models.Message]]:
        return await self._live.since_many(after, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._live, name)
