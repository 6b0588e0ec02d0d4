"""The record in PostgreSQL (tipline.ports.Record), over an asyncpg pool.

Every write is idempotent and keyed by what the live path already numbers: an incident by
its id (a snapshot older than the stored one changes nothing), a message by incident and
`seq`, a step by incident and its index in the audit trail. A batch is one statement over
arrays (`unnest`), the fastest of the shapes measured in docs/record.md.

What people wrote goes through `seal`/`unseal`: until encryption lands (docs/record.md) it is
stored as UTF-8 under the key id `plain`, so that the step that adds a real key can find and
re-seal every such row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import asyncpg

from adapters import reach
from tipline import models

PLAIN = "plain"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RecordError(RuntimeError):
    """The record holds something this release cannot read."""


def seal(text: str) -> tuple[str, bytes]:
    """(key id, stored bytes) of `text`; `plain` until encryption comes."""
    return PLAIN, text.encode()


def unseal(key_id: str, data: bytes) -> str:
    if key_id != PLAIN:
        raise RecordError(f"sealed with key {key_id!r}, which this release cannot open")
    return bytes(data).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in and out as Python values (asyncpg's default is text)."""
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


_ORG = """
INSERT INTO organisations
    (code, name, timezone, languages, hours, holidays, contacts, law_enforcement, policy)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, timezone = EXCLUDED.timezone, languages = EXCLUDED.languages,
    hours = EXCLUDED.hours, holidays = EXCLUDED.holidays, contacts = EXCLUDED.contacts,
    law_enforcement = EXCLUDED.law_enforcement, policy = EXCLUDED.policy, updated_at = now()
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
     policy, org_name, org_timezone, receipt_hash, report_key_id, report)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22)
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


def _count(status: str) -> int:
    """Rows written, from a command tag such as `INSERT 0 3`."""
    return int(status.rsplit(" ", 1)[-1])


@reach.translated  # PostgreSQL out of reach: `unavailable` (adapters/reach.py)
class PostgresRecord:
    """tipline.ports.Record on an asyncpg pool (built with `init_connection`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def ping(self) -> bool:
        return bool(await self.pool.fetchval("SELECT true"))

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
        key_id, report = seal(incident.text)
        triage = incident.triage
        status = await self.pool.execute(
            _INCIDENT,
            incident.incident_id,
            incident.org_code,
            incident.channel.value,
            incident.created_at,
            triage.urgency.value,
            triage.category.value,
            triage.language,
            triage.confidence,
            list(triage.reasons),
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
        )
        return _count(status) == 1

    async def add_messages(self, messages: Sequence[models.Message]) -> int:
        if not messages:
            return 0
        sealed = [seal(m.text) for m in messages]
        status = await self.pool.execute(
            _MESSAGES,
            [m.incident_id for m in messages],
            [m.seq for m in messages],
            [m.sender.value for m in messages],
            [m.at for m in messages],
            [m.author.responder_id if m.author else None for m in messages],
            [m.author.name if m.author else None for m in messages],
            [key_id for key_id, _ in sealed],
            [data for _, data in sealed],
        )
        return _count(status)

    async def add_steps(self, incident_id: str, steps: Sequence[models.Step], *, start: int) -> int:
        if not steps:
            return 0
        notes = [seal(s.note) if s.note is not None else (None, None) for s in steps]
        status = await self.pool.execute(
            _STEPS,
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
        )
        return _count(status)

    async def put_slack_message(self, incident_id: str, *, channel: str, ts: str) -> None:
        await self.pool.execute(_SLACK, incident_id, channel, ts)

    async def incident(self, incident_id: str) -> models.Incident | None:
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM incidents WHERE incident_id = $1", incident_id)
            if row is None:
                return None
            steps = await conn.fetch(
                "SELECT * FROM escalation_steps WHERE incident_id = $1 ORDER BY step_index",
                incident_id,
            )
        return _incident(row, tuple(_step(s) for s in steps))

    async def messages(
        self, incident_id: str, after_seq: int = 0, limit: int = 1000
    ) -> list[models.Message]:
        rows = await self.pool.fetch(
            "SELECT * FROM messages WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            incident_id,
            after_seq,
            limit,
        )
        return [_message(r) for r in rows]


def _span(hours: models.Hours) -> str:
    return f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"


def _incident(row: asyncpg.Record, steps: tuple[models.Step, ...]) -> models.Incident:
    policy = row["policy"]
    return models.Incident(
        incident_id=row["incident_id"],
        org_code=row["org_code"],
        text=unseal(row["report_key_id"], row["report"]),
        channel=models.Channel(row["channel"]),
        created_at=row["created_at"],
        triage=models.Triage(
            urgency=models.Urgency(row["initial_urgency"]),
            category=models.Category(row["initial_category"]),
            language=row["language"],
            confidence=row["confidence"],
            reasons=tuple(row["reasons"]),
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
    )


def _step(row: asyncpg.Record) -> models.Step:
    note = row["note"]
    return models.Step(
        at=row["at"],
        by=row["actor"],
        action=row["action"],
        contact=models.Contact.from_wire(row["contact"]) if row["contact"] else None,
        outcome=row["outcome"],
        note=unseal(row["note_key_id"], note) if note is not None else None,
        urgency=models.Urgency(row["urgency"]) if row["urgency"] else None,
    )


def _message(row: asyncpg.Record) -> models.Message:
    author_id = row["author_id"]
    return models.Message(
        incident_id=row["incident_id"],
        seq=row["seq"],
        sender=models.Sender(row["sender"]),
        text=unseal(row["key_id"], row["body"]),
        at=row["at"],
        author=models.Author(author_id, row["author_name"] or "") if author_id else None,
    )
