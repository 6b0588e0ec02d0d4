"""The record in PostgreSQL (tipline.ports.Record), over an asyncpg pool.

Every write is idempotent and keyed by what the live path already numbers: an incident by
its id (a snapshot older than the stored one changes nothing), a message by incident and
`seq`, a step by incident and its index in the audit trail. A batch is one statement over
arrays (`unnest`), the fastest of the shapes measured in docs/record.md.

What people wrote is sealed with AES-256-GCM under the data key ring (adapters/sealing.py),
each record bound to its own name (`report:<id>`, `reasons:<id>`, `msg:<id>:<seq>`,
`note:<id>:<index>`; the classifier's reasons quote the report); rows from before encryption
(key id `plain`) still open, and `reseal` moves them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from adapters import reach
from adapters.sealing import DataKeyError, KeyRing, SealedError
from tipline import models

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHECK_TEXT = "tipline data key check"


@dataclasses.dataclass(frozen=True, slots=True)
class LiveRef:
    """What the live path keeps beside an incident, as the record holds it."""

    incident_id: str
    receipt_hash: str | None  # as the live store files it (sealed under the server key)
    slack: tuple[str, str] | None  # (channel, ts) of its Slack message


class RecordError(RuntimeError):
    """The record holds something this release cannot read."""


def _report(incident_id: str) -> str:
    return f"report:{incident_id}"


def _reasons(incident_id: str) -> str:
    return f"reasons:{incident_id}"


def _message_context(incident_id: str, seq: int) -> str:
    return f"msg:{incident_id}:{seq}"


def _note(incident_id: str, index: int) -> str:
    return f"note:{incident_id}:{index}"


# The sealed columns: what `reseal` counts -> (table, key id column, bytes column, row key
# columns, its context).
_SEALED: dict[str, tuple[str, str, str, tuple[str, ...], Callable[..., str]]] = {
    "incidents": ("incidents", "report_key_id", "report", ("incident_id",), _report),
    "reasons": ("incidents", "reasons_key_id", "reasons", ("incident_id",), _reasons),
    "messages": ("messages", "key_id", "body", ("incident_id", "seq"), _message_context),
    "escalation_steps": (
        "escalation_steps",
        "note_key_id",
        "note",
        ("incident_id", "step_index"),
        _note,
    ),
}


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in and out as Python values (asyncpg's default is text)."""
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


_ORG = """
INSERT INTO organisations
    (code, name, timezone, languages, hours, holidays, contacts, law_enforcement, policy,
     retention_days)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, timezone = EXCLUDED.timezone, languages = EXCLUDED.languages,
    hours = EXCLUDED.hours, holidays = EXCLUDED.holidays, contacts = EXCLUDED.contacts,
    law_enforcement = EXCLUDED.law_enforcement, policy = EXCLUDED.policy,
    retention_days = EXCLUDED.retention_days, updated_at = now()
"""
_RESOLVED_PAGE = """
SELECT * FROM incidents
WHERE status = 'resolved' AND ($1::text IS NULL OR org_code = $1)
  AND ($2::timestamptz IS NULL OR created_at < $2
       OR (created_at = $2 AND incident_id COLLATE "C" < $3))
ORDER BY created_at DESC, incident_id COLLATE "C" DESC
LIMIT $4
"""
_RESPONDER = """
INSERT INTO responders (responder_id, name, role, org_code, slack_user_id)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (responder_id) DO UPDATE SET
    name = EXCLUDED.name, role = EXCLUDED.role, org_code = EXCLUDED.org_code,
    slack_user_id = EXCLUDED.slack_user_id, updated_at = now()
"""
_INCIDENT = """
INSERT INTO incidents
    (incident_id, org_code, channel, created_at, initial_urgency, initial_category, language,
     confidence, reasons, urgency, category, status, state, claimed_by, contact_index, version,
     policy, org_name, org_timezone, receipt_hash, report_key_id, report, reasons_key_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22, $23)
ON CONFLICT (incident_id) DO UPDATE SET
    urgency = EXCLUDED.urgency, category = EXCLUDED.category, status = EXCLUDED.status,
    state = EXCLUDED.state, claimed_by = EXCLUDED.claimed_by,
    contact_index = EXCLUDED.contact_index, version = EXCLUDED.version,
    policy = EXCLUDED.policy,
    receipt_hash = COALESCE(EXCLUDED.receipt_hash, incidents.receipt_hash), updated_at = now()
WHERE incidents.version <= EXCLUDED.version
"""
_MESSAGES = """
INSERT INTO messages (incident_id, seq, sender, at, author_id, author_name, key_id, body)
SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::text[],
                     $6::text[], $7::text[], $8::bytea[])
ON CONFLICT (incident_id, seq) DO NOTHING
"""
_STEPS = """
INSERT INTO escalation_steps
    (incident_id, step_index, at, actor, action, contact, outcome, urgency, note_key_id, note)
SELECT $1, * FROM unnest($2::int[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[],
                         $7::text[], $8::text[], $9::text[], $10::bytea[])
ON CONFLICT (incident_id, step_index) DO NOTHING
"""
_SLACK = """
INSERT INTO slack_messages (incident_id, channel, ts) VALUES ($1, $2, $3)
ON CONFLICT (incident_id) DO UPDATE SET channel = EXCLUDED.channel, ts = EXCLUDED.ts
"""


def _span(hours: models.Hours) -> str:
    return f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"


def _count(status: str) -> int:
    """Rows written, from a command tag such as `INSERT 0 3`."""
    return int(status.rsplit(" ", 1)[-1])


@reach.translated  # PostgreSQL out of reach: `unavailable` (adapters/reach.py)
class PostgresRecord:
    """tipline.ports.Record on an asyncpg pool (built with `init_connection`)."""

    def __init__(self, pool: asyncpg.Pool, ring: KeyRing) -> None:
        self.pool = pool
        self.ring = ring

    async def check_keys(self) -> None:
        """Stop (DataKeyError) unless every key that sealed the record is in the ring and
        is the same key; then register the ring's current key. Run at every start."""
        rows = await self.pool.fetch('SELECT key_id, "check" FROM data_keys')
        for row in rows:
            try:
                opened = self.ring.unseal(row["key_id"], row["check"], context="check")
            except SealedError as exc:
                raise DataKeyError(
                    f"the record was sealed with data key {row['key_id']!r}, and "
                    + (
                        "that key is not configured"
                        if row["key_id"] not in self.ring.key_ids
                        else "the key configured under that id is another one"
                    )
                    + ": set TIPLINE_DATA_KEY (or the data key file) to the keys it was "
                    "sealed with (docs/operations.md)"
                ) from exc
            if opened != CHECK_TEXT:
                raise DataKeyError(f"data key {row['key_id']!r}: its check row is not ours")
        key_id, check = self.ring.seal(CHECK_TEXT, context="check")
        await self.pool.execute(
            'INSERT INTO data_keys (key_id, "check") VALUES ($1, $2) ON CONFLICT DO NOTHING',
            key_id,
            check,
        )

    async def ping(self) -> bool:
        return bool(await self.pool.fetchval("SELECT true"))

    async def reseal(self, *, batch: int = 500) -> dict[str, int]:
        """Seal again, under the ring's current key, every row sealed under another key (or
        stored plain before encryption); then forget the keys no row uses any more, so they
        may leave the ring. Rows per table; safe to run while the service writes."""
        moved = {what: await self._reseal(what, batch) for what in _SEALED}
        unused = " AND ".join(
            f"NOT EXISTS (SELECT 1 FROM {table} WHERE {key_col} = d.key_id)"  # noqa: S608 # names from _SEALED
            for table, key_col, *_ in _SEALED.values()
        )
        await self.pool.execute(
            f"DELETE FROM data_keys d WHERE d.key_id <> $1 AND {unused}",  # noqa: S608 # names from _SEALED
            self.ring.current,
        )
        return moved

    async def _reseal(self, what: str, batch: int) -> int:
        table, key_col, data_col, keys, context = _SEALED[what]
        done = 0
        while True:
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"SELECT {', '.join(keys)}, {key_col} AS k, {data_col} AS d FROM {table}"  # noqa: S608 # names from _SEALED
                    f" WHERE {key_col} <> $1 AND {data_col} IS NOT NULL LIMIT $2"
                    " FOR UPDATE SKIP LOCKED",
                    self.ring.current,
                    batch,
                )
                if not rows:
                    return done
                for row in rows:
                    name = context(*(row[k] for k in keys))
                    key_id, data = self.ring.seal(
                        self.ring.unseal(row["k"], row["d"], context=name), context=name
                    )
                    where = " AND ".join(f"{k} = ${i + 3}" for i, k in enumerate(keys))
                    await conn.execute(
                        f"UPDATE {table} SET {key_col} = $1, {data_col} = $2 WHERE {where}",  # noqa: S608
                        key_id,
                        data,
                        *(row[k] for k in keys),
                    )
                done += len(rows)

    async def upsert_organization(self, org: models.Organization) -> None:
        policy = org.policy.to_wire()
        await self.pool.execute(
            _ORG,
            org.code,
            org.name,
            org.timezone,
            list(org.languages),
            {WEEKDAYS[day]: _span(hours) for day, hours in sorted(org.hours.items())},
            list(org.holidays),
            policy.pop("contacts"),
            policy.pop("law_enforcement"),
            policy,
            org.retention_days,  # its own period, for `tipline db purge` without the config
        )

    async def upsert_responder(self, responder: models.Responder) -> None:
        await self.pool.execute(
            _RESPONDER,
            responder.responder_id,
            responder.name,
            responder.role.value,
            responder.org_code,
            responder.slack_user_id,
        )

    async def upsert_incident(
        self, incident: models.Incident, *, receipt_hash: str | None = None
    ) -> bool:
        status = await self.pool.execute(_INCIDENT, *self._incident_args(incident, receipt_hash))
        return _count(status) == 1

    def _incident_args(self, incident: models.Incident, receipt_hash: str | None) -> list[Any]:
        key_id, report = self.ring.seal(incident.text, context=_report(incident.incident_id))
        triage = incident.triage
        reasons_key_id, reasons = self.ring.seal(
            json.dumps(list(triage.reasons), ensure_ascii=False),
            context=_reasons(incident.incident_id),
        )
        return [
            incident.incident_id,
            incident.org_code,
            incident.channel.value,
            incident.created_at,
            triage.urgency.value,
            triage.category.value,
            triage.language,
            triage.confidence,
            reasons,
            incident.urgency.value,
            incident.category.value,
            incident.status.value,
            incident.state,
            incident.claimed_by,
            incident.contact_index,
            incident.version,
            incident.policy.to_wire() if incident.policy else None,
            incident.org_name,
            incident.org_timezone,
            receipt_hash,
            key_id,
            report,
            reasons_key_id,
        ]

    async def write_batch(
        self,
        incidents: Sequence[tuple[models.Incident, str | None]],
        messages: Sequence[models.Message],
        steps: Sequence[tuple[str, Sequence[models.Step], int]],
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            if incidents:
                await conn.executemany(_INCIDENT, [self._incident_args(i, r) for i, r in incidents])
            if messages:
                await conn.execute(_MESSAGES, *self._message_args(messages))
            trails = [(i, list(s), n) for i, s, n in steps if s]
            if trails:
                await conn.executemany(_STEPS, [self._step_args(i, s, n) for i, s, n in trails])

    async def add_messages(self, messages: Sequence[models.Message]) -> int:
        if not messages:
            return 0
        status = await self.pool.execute(_MESSAGES, *self._message_args(messages))
        return _count(status)

    def _message_args(self, messages: Sequence[models.Message]) -> list[Any]:
        sealed = [
            self.ring.seal(m.text, context=_message_context(m.incident_id, m.seq)) for m in messages
        ]
        return [
            [m.incident_id for m in messages],
            [m.seq for m in messages],
            [m.sender.value for m in messages],
            [m.at for m in messages],
            [m.author.responder_id if m.author else None for m in messages],
            [m.author.name if m.author else None for m in messages],
            [key_id for key_id, _ in sealed],
            [data for _, data in sealed],
        ]

    async def add_steps(self, incident_id: str, steps: Sequence[models.Step], *, start: int) -> int:
        if not steps:
            return 0
        status = await self.pool.execute(_STEPS, *self._step_args(incident_id, steps, start))
        return _count(status)

    def _step_args(self, incident_id: str, steps: Sequence[models.Step], start: int) -> list[Any]:
        notes = [
            self.ring.seal(s.note, context=_note(incident_id, start + i))
            if s.note is not None
            else (None, None)
            for i, s in enumerate(steps)
        ]
        return [
            incident_id,
            list(range(start, start + len(steps))),
            [s.at for s in steps],
            [s.by for s in steps],
            [s.action for s in steps],
            [s.contact.to_wire() if s.contact else None for s in steps],
            [s.outcome for s in steps],
            [s.urgency.value if s.urgency else None for s in steps],
            [key_id for key_id, _ in notes],
            [data for _, data in notes],
        ]

    async def put_slack_message(self, incident_id: str, *, channel: str, ts: str) -> None:
        await self.pool.execute(_SLACK, incident_id, channel, ts)

    async def slack_reply(self, incident_id: str, *, channel: str, ts: str) -> None:
        """A thread reply that quotes a note (bot/delivery.py), for the purge to delete."""
        await self.pool.execute(
            "INSERT INTO slack_replies (incident_id, channel, ts) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            incident_id,
            channel,
            ts,
        )

    async def slack_scrubbed(self, incident_id: str, *, outcome: str) -> None:
        """Slack answered the scrub of a purged incident's copy (docs/slack.md)."""
        await self.pool.execute(
            "UPDATE slack_messages SET scrub = 'done', scrub_outcome = $2, scrubbed_at = now()"
            " WHERE incident_id = $1",
            incident_id,
            outcome,
        )

    async def live_refs(
        self, *, after: str = "", limit: int = 500, resolved_since: dt.datetime | None = None
    ) -> list[LiveRef]:
        """The incidents the live path keeps, past id `after`, by id (a page of `limit`): the
        open ones, and those last resolved at or after `resolved_since` (None: open only);
        with what the live path keeps beside them: the receipt hash as it files it, and the
        Slack message."""
        rows = await self.pool.fetch(
            "SELECT i.incident_id, i.receipt_hash, s.channel, s.ts FROM incidents i"
            " LEFT JOIN slack_messages s USING (incident_id)"
            " WHERE i.incident_id > $1 AND (i.status = 'open' OR ($3::timestamptz IS NOT NULL"
            " AND i.status = 'resolved' AND (SELECT max(e.at) FROM escalation_steps e"
            " WHERE e.incident_id = i.incident_id AND e.action = 'resolve') >= $3))"
            " ORDER BY i.incident_id LIMIT $2",
            after,
            limit,
            resolved_since,
        )
        return [
            LiveRef(
                incident_id=r["incident_id"],
                receipt_hash=r["receipt_hash"],
                slack=(r["channel"], r["ts"]) if r["channel"] is not None else None,
            )
            for r in rows
        ]

    async def live_ref(self, incident_id: str) -> LiveRef | None:
        """What the live path keeps beside one incident (`live_refs`, by id, whatever its
        status); None when the record does not have it."""
        row = await self.pool.fetchrow(
            "SELECT i.incident_id, i.receipt_hash, s.channel, s.ts FROM incidents i"
            " LEFT JOIN slack_messages s USING (incident_id) WHERE i.incident_id = $1",
            incident_id,
        )
        if row is None:
            return None
        slack = (row["channel"], row["ts"]) if row["channel"] is not None else None
        return LiveRef(incident_id=incident_id, receipt_hash=row["receipt_hash"], slack=slack)

    async def receipts(self, *, after: str = "", limit: int = 1000) -> list[tuple[str, str]]:
        """(incident id, receipt hash as the live store files it) of every incident that has
        one, past id `after`, by id: a page of `limit`."""
        rows = await self.pool.fetch(
            "SELECT incident_id, receipt_hash FROM incidents WHERE incident_id > $1"
            " AND receipt_hash IS NOT NULL ORDER BY incident_id LIMIT $2",
            after,
            limit,
        )
        return [(r["incident_id"], r["receipt_hash"]) for r in rows]

    async def incident(self, incident_id: str) -> models.Incident | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM incidents WHERE incident_id = $1", incident_id)
            if row is None:
                return None
            steps = await conn.fetch(
                "SELECT * FROM escalation_steps WHERE incident_id = $1 ORDER BY step_index",
                incident_id,
            )
        return self._incident(row, tuple(self._step(s) for s in steps))

    async def resolved_page(
        self, *, org_code: str | None, before: tuple[dt.datetime, str] | None, limit: int
    ) -> list[models.Incident]:
        """Newest first by creation, ties by id in byte order (as Redis sorts them)."""
        at, after_id = before if before else (None, "")
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(_RESOLVED_PAGE, org_code, at, after_id, limit)
            steps = await conn.fetch(
                "SELECT * FROM escalation_steps WHERE incident_id = ANY($1::text[])"
                " ORDER BY incident_id, step_index",
                [r["incident_id"] for r in rows],
            )
        trails: dict[str, list[models.Step]] = {}
        for step in steps:
            trails.setdefault(step["incident_id"], []).append(self._step(step))
        return [self._incident(r, tuple(trails.get(r["incident_id"], ()))) for r in rows]

    async def messages(
        self, incident_id: str, after_seq: int = 0, limit: int = 1000
    ) -> list[models.Message]:
        rows = await self.pool.fetch(
            # A purged message (retention) has no text left to show: its figures stay.
            "SELECT * FROM messages WHERE incident_id = $1 AND seq > $2 AND body IS NOT NULL"
            " ORDER BY seq LIMIT $3",
            incident_id,
            after_seq,
            limit,
        )
        return [self._message(r) for r in rows]

    def _incident(self, row: asyncpg.Record, steps: tuple[models.Step, ...]) -> models.Incident:
        policy = row["policy"]
        return models.Incident(
            incident_id=row["incident_id"],
            org_code=row["org_code"],
            text=self.ring.unseal(
                row["report_key_id"], row["report"], context=_report(row["incident_id"])
            )
            if row["report"] is not None
            else "",  # purged (adapters/record/purge.py): `purged_at` says so
            channel=models.Channel(row["channel"]),
            created_at=row["created_at"],
            triage=models.Triage(
                urgency=models.Urgency(row["initial_urgency"]),
                category=models.Category(row["initial_category"]),
                language=row["language"],
                confidence=row["confidence"],
                reasons=self._triage_reasons(row),
            ),
            urgency=models.Urgency(row["urgency"]),
            category=models.Category(row["category"]),
            status=models.Status(row["status"]),
            state=row["state"],
            claimed_by=row["claimed_by"],
            contact_index=row["contact_index"],
            policy=models.Policy.from_wire(policy) if policy is not None else None,
            escalation=steps,
            version=row["version"],
            org_name=row["org_name"],
            org_timezone=row["org_timezone"],
            purged_at=row["purged_at"],
        )

    def _triage_reasons(self, row: asyncpg.Record) -> tuple[str, ...]:
        """The triage's reasons, opened (a JSON list; `plain` rows from before 0004 too)."""
        if row["reasons"] is None:  # none kept (a purge may empty what quotes the report)
            return ()
        opened = self.ring.unseal(
            row["reasons_key_id"], row["reasons"], context=_reasons(row["incident_id"])
        )
        reasons = json.loads(opened)
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise RecordError(f"incident {row['incident_id']}: its reasons are not a list of texts")
        return tuple(reasons)

    def _step(self, row: asyncpg.Record) -> models.Step:
        note = row["note"]
        return models.Step(
            at=row["at"],
            by=row["actor"],
            action=row["action"],
            contact=models.Contact.from_wire(row["contact"]) if row["contact"] else None,
            outcome=row["outcome"],
            note=self.ring.unseal(
                row["note_key_id"], note, context=_note(row["incident_id"], row["step_index"])
            )
            if note is not None
            else None,
            urgency=models.Urgency(row["urgency"]) if row["urgency"] else None,
        )

    def _message(self, row: asyncpg.Record) -> models.Message:
        author_id = row["author_id"]
        return models.Message(
            incident_id=row["incident_id"],
            seq=row["seq"],
            sender=models.Sender(row["sender"]),
            text=self.ring.unseal(
                row["key_id"], row["body"], context=_message_context(row["incident_id"], row["seq"])
            ),
            at=row["at"],
            author=models.Author(author_id, row["author_name"] or "") if author_id else None,
        )
