"""The record's side of retention (docs/record.md, "Retention"): which incidents are due, and
their purge, one batch in one transaction.

An incident is due when it is resolved, not purged yet, and its last resolution (the trail's
last `resolve` step) is older than its school's period (0: kept for ever). A purge empties
what people wrote and keeps the anonymous figures: the report, the classifier's reasons
(they quote the report), every message's text and every step's note go, with their key
ids, and so does the receipt hash (nothing leads a reporter back to it); the incident's
school, channel, times, urgency, category, language and confidence, its messages' senders,
times and seqs, its steps' actions, actors, outcomes and times stay. `purged_at` marks it,
and `retention_purges` gets the batch's counts per school. Its Slack copy (the agents'
message, which quotes the report, and the thread replies that quote a note) is marked due
for a scrub in the same transaction (`slack_messages.scrub`, migration 0005); the caller
queues the scrubs after the commit (`scrubs`, `scrubs_queued`).

Whether an incident is still live in Redis is the caller's question (adapters/retention.py):
`purge_batch` takes it as a function of the batch's ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence

import asyncpg

from tipline.ports import SlackCopy

# $1 school codes, $2 their days (the overrides); $3 the deployment's days; $4, $5 the
# cursor (creation, id) to go on after; $6 the latest cutoff of any school (bounds the
# index scan: an incident is created before it is resolved); $7 now; $8 the batch size.
_DUE = """
SELECT i.incident_id, i.org_code, i.created_at, i.receipt_hash, r.resolved_at
FROM incidents i
CROSS JOIN LATERAL (
    SELECT max(e.at) AS resolved_at FROM escalation_steps e
    WHERE e.incident_id = i.incident_id AND e.action = 'resolve'
) r
LEFT JOIN unnest($1::text[], $2::int[]) AS p (org_code, days) ON p.org_code = i.org_code
WHERE i.status = 'resolved' AND i.purged_at IS NULL
  AND (i.created_at, i.incident_id) > ($4::timestamptz, $5::text)
  AND i.created_at < $6::timestamptz
  AND COALESCE(p.days, $3::int) > 0
  AND r.resolved_at < $7::timestamptz - make_interval(days => COALESCE(p.days, $3::int))
ORDER BY i.created_at, i.incident_id
LIMIT $8::int
"""
_LOCKED = _DUE + "FOR UPDATE OF i SKIP LOCKED"
_TEXTS = """
SELECT i.incident_id,
       (SELECT count(*) FROM messages m
        WHERE m.incident_id = i.incident_id AND m.body IS NOT NULL) AS messages,
       (SELECT count(*) FROM escalation_steps s
        WHERE s.incident_id = i.incident_id AND s.note IS NOT NULL) AS notes
FROM unnest($1::text[]) AS i (incident_id)
"""
_MESSAGES = """
UPDATE messages SET body = NULL, key_id = NULL
WHERE incident_id = ANY($1::text[]) AND body IS NOT NULL
RETURNING incident_id
"""
_NOTES = """
UPDATE escalation_steps SET note = NULL, note_key_id = NULL
WHERE incident_id = ANY($1::text[]) AND note IS NOT NULL
RETURNING incident_id
"""
# `reasons_key_id` (migration 0004) has no NULL: 'purged' names no key, so no data key is
# kept alive by a purged row (`reseal` forgets the keys no row names).
_INCIDENTS = """
UPDATE incidents SET report = NULL, report_key_id = NULL, reasons = NULL,
    reasons_key_id = 'purged', receipt_hash = NULL, purged_at = $2
WHERE incident_id = ANY($1::text[]) AND status = 'resolved' AND purged_at IS NULL
RETURNING incident_id, org_code
"""
_LOGGED = """
INSERT INTO retention_purges (purged_at, org_code, incidents, messages, notes, slack)
SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::int[], $6::int[])
"""
# The Slack copies of a batch (migration 0005): its message and its noted thread replies.
_SLACK_COUNT = """
SELECT s.incident_id, 1 + (SELECT count(*) FROM slack_replies r
                           WHERE r.incident_id = s.incident_id) AS slack
FROM slack_messages s
WHERE s.incident_id = ANY($1::text[]) AND s.scrub IS NULL
"""
_SLACK_DUE = """
UPDATE slack_messages s SET scrub = 'due'
WHERE s.incident_id = ANY($1::text[]) AND s.scrub IS NULL
RETURNING s.incident_id, 1 + (SELECT count(*) FROM slack_replies r
                              WHERE r.incident_id = s.incident_id) AS slack
"""
# The purged incidents whose Slack copy waits to be queued, and what their scrub needs.
_SCRUBS = """
SELECT s.incident_id, s.channel, s.ts, i.urgency, i.category, i.created_at, i.purged_at,
       COALESCE(NULLIF(i.org_name, ''), o.name, i.org_code) AS school,
       ARRAY(SELECT r.ts FROM slack_replies r
             WHERE r.incident_id = s.incident_id ORDER BY r.ts) AS replies
FROM slack_messages s
JOIN incidents i USING (incident_id)
LEFT JOIN organisations o ON o.code = i.org_code
WHERE s.scrub = 'due' AND i.purged_at IS NOT NULL
ORDER BY s.incident_id
LIMIT $1
FOR UPDATE OF s SKIP LOCKED
"""
_SCRUBS_WAITING = """
SELECT (SELECT count(*) FROM slack_messages WHERE scrub = 'due')
     + (SELECT count(*) FROM slack_replies r JOIN slack_messages s USING (incident_id)
        WHERE s.scrub = 'due')
"""
_QUEUED = """
UPDATE slack_messages SET scrub = 'queued' WHERE incident_id = ANY($1::text[]) AND scrub = 'due'
"""
START = (dt.datetime.min.replace(tzinfo=dt.UTC), "")  # before every incident


@dataclasses.dataclass(frozen=True, slots=True)
class Periods:
    """How many days after its resolution an incident's texts are kept: the deployment's
    `default_days` and the schools' own (`by_school`); 0 keeps them for ever."""

    default_days: int
    by_school: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def days(self, org_code: str) -> int:
        return self.by_school.get(org_code, self.default_days)

    @property
    def purges(self) -> bool:
        """Whether any school's texts are ever purged."""
        return self.default_days > 0 or any(d > 0 for d in self.by_school.values())

    def latest_cutoff(self, now: dt.datetime) -> dt.datetime:
        """No school purges anything resolved (so created) at or after this."""
        shortest = min(d for d in (self.default_days, *self.by_school.values()) if d > 0)
        return now - dt.timedelta(days=shortest)


@dataclasses.dataclass(frozen=True, slots=True)
class Due:
    """An incident whose texts may go."""

    incident_id: str
    org_code: str
    created_at: dt.datetime
    resolved_at: dt.datetime
    receipt_hash: str | None  # as the live store files it: its Redis key goes too


@dataclasses.dataclass(slots=True)
class Tally:
    """What went (or, in a dry run, would go) of one school: counts only."""

    incidents: int = 0
    messages: int = 0
    notes: int = 0
    slack: int = 0  # Slack messages sent to be scrubbed: the message and its noted replies
    oldest_resolved: dt.datetime | None = None
    # Due, but still in Redis (its live window, or the archive behind): left for later.
    live: int = 0

    def add(self, other: Tally) -> None:
        self.incidents += other.incidents
        self.messages += other.messages
        self.notes += other.notes
        self.slack += other.slack
        self.live += other.live
        if other.oldest_resolved is not None and (
            self.oldest_resolved is None or other.oldest_resolved < self.oldest_resolved
        ):
            self.oldest_resolved = other.oldest_resolved


Cursor = tuple[dt.datetime, str]
Live = Callable[[Sequence[str]], Awaitable[set[str]]]
Conn = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy  # a connection, or the pool's


async def due(
    conn: Conn,
    periods: Periods,
    *,
    now: dt.datetime,
    after: Cursor = START,
    limit: int = 500,
    lock: bool = False,
) -> list[Due]:
    """The next `limit` due incidents past `after`, oldest first; with `lock`, each row is
    locked for this transaction (rows another purge holds are skipped)."""
    if not periods.purges:
        return []
    rows = await conn.fetch(
        _LOCKED if lock else _DUE,
        list(periods.by_school),
        list(periods.by_school.values()),
        periods.default_days,
        *after,
        periods.latest_cutoff(now),
        now,
        limit,
    )
    return [
        Due(r["incident_id"], r["org_code"], r["created_at"], r["resolved_at"], r["receipt_hash"])
        for r in rows
    ]


def _tally(found: Sequence[Due], skipped: set[str]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for incident in found:
        tally = tallies.setdefault(incident.org_code, Tally())
        if incident.incident_id in skipped:
            tally.live += 1
            continue
        tally.incidents += 1
        if tally.oldest_resolved is None or incident.resolved_at < tally.oldest_resolved:
            tally.oldest_resolved = incident.resolved_at
    return tallies


async def plan_batch(conn: Conn, found: Sequence[Due], live: Live) -> dict[str, Tally]:
    """What purging `found` would remove, per school; changes nothing."""
    skipped = await live([d.incident_id for d in found])
    tallies = _tally(found, skipped)
    school = {d.incident_id: d.org_code for d in found}
    ids = [d.incident_id for d in found if d.incident_id not in skipped]
    for row in await conn.fetch(_TEXTS, ids):
        tally = tallies[school[row["incident_id"]]]
        tally.messages += row["messages"]
        tally.notes += row["notes"]
    for row in await conn.fetch(_SLACK_COUNT, ids):
        tallies[school[row["incident_id"]]].slack += row["slack"]
    return tallies


async def purge_batch(
    conn: Conn, found: Sequence[Due], live: Live, *, now: dt.datetime
) -> tuple[dict[str, Tally], list[Due]]:
    """Purge `found` but what `live` says Redis still has, in the caller's transaction (in
    which `found` was locked): the counts per school, and the incidents purged."""
    skipped = await live([d.incident_id for d in found])
    ids = [d.incident_id for d in found if d.incident_id not in skipped]
    purged_rows = await conn.fetch(_INCIDENTS, ids, now) if ids else []
    purged_ids = {r["incident_id"] for r in purged_rows}
    purged = [d for d in found if d.incident_id in purged_ids]
    # Locked and still due, each is purged unless Redis has it; one a concurrent writer
    # changed after all (reopened) is neither, and left out of the counts.
    tallies = _tally([d for d in found if d.incident_id in purged_ids | skipped], skipped)
    school = {d.incident_id: d.org_code for d in purged}
    for query, field in ((_MESSAGES, "messages"), (_NOTES, "notes")):
        for row in await conn.fetch(query, list(purged_ids)) if purged_ids else []:
            tally = tallies[school[row["incident_id"]]]
            setattr(tally, field, getattr(tally, field) + 1)
    # Its Slack copy is due for a scrub, in the same transaction (queued after the commit).
    for row in await conn.fetch(_SLACK_DUE, list(purged_ids)) if purged_ids else []:
        tallies[school[row["incident_id"]]].slack += row["slack"]
    done = {code: t for code, t in tallies.items() if t.incidents}
    if done:
        await conn.execute(
            _LOGGED,
            now,
            list(done),
            [t.incidents for t in done.values()],
            [t.messages for t in done.values()],
            [t.notes for t in done.values()],
            [t.slack for t in done.values()],
        )
    return tallies, purged


async def stored_periods(conn: Conn) -> dict[str, int]:
    """The schools' own periods as the record has them (`organisations.retention_days`,
    written from their config's `policy.retention_days` when a server starts)."""
    rows = await conn.fetch(
        "SELECT code, retention_days FROM organisations WHERE retention_days IS NOT NULL"
    )
    return {r["code"]: r["retention_days"] for r in rows}


async def scrubs(conn: Conn, *, limit: int = 500) -> list[SlackCopy]:
    """Up to `limit` purged incidents' Slack copies not queued for their scrub yet, each
    locked for the caller's transaction (rows another purge holds are skipped)."""
    return [
        SlackCopy(
            incident_id=r["incident_id"],
            channel=r["channel"],
            ts=r["ts"],
            replies=tuple(r["replies"]),
            urgency=r["urgency"],
            category=r["category"],
            school=r["school"],
            reported_on=r["created_at"].astimezone(dt.UTC).date(),
            purged_on=r["purged_at"].astimezone(dt.UTC).date(),
        )
        for r in await conn.fetch(_SCRUBS, limit)
    ]


async def scrubs_waiting(conn: Conn) -> int:
    """How many Slack messages of incidents purged already wait to be queued for a scrub
    (purged before Slack copies were scrubbed, or while the outbox was away)."""
    return int(await conn.fetchval(_SCRUBS_WAITING))


async def scrubs_queued(conn: Conn, incident_ids: Sequence[str]) -> None:
    """Their scrubs are in the Slack outbox: no later round queues them again."""
    await conn.execute(_QUEUED, list(incident_ids))
