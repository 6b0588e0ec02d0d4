"""Encryption at rest: AES-256-GCM under a key ring, key checks at start, and a rotation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters import sealing
from adapters.record import migrate, pool
from adapters.record.store import PostgresRecord
from tests.escalation import factories
from tests.postgres import schema
from tipline import models

OLD = sealing.new_key_line("k-old")
NEW = sealing.new_key_line("k-new")


def test_a_sealed_text_opens_only_with_its_key_and_its_name() -> None:
    """Round trip; another key, another record's name or a flipped byte do not open."""
    ring = sealing.parse(OLD)
    key_id, data = ring.seal("he has a knife", context="msg:inc-1:3")
    assert key_id == "k-old"
    assert b"knife" not in data
    assert ring.unseal(key_id, data, context="msg:inc-1:3") == "he has a knife"
    with pytest.raises(sealing.SealedError):
        ring.unseal(key_id, data, context="msg:inc-1:4")
    with pytest.raises(sealing.SealedError):
        ring.unseal(key_id, data[:-1] + bytes([data[-1] ^ 1]), context="msg:inc-1:3")
    other = sealing.parse(sealing.new_key_line("k-old"))
    with pytest.raises(sealing.SealedError):
        other.unseal(key_id, data, context="msg:inc-1:3")


def test_two_seals_of_one_text_differ() -> None:
    """A fresh nonce a record: equal texts are not equal bytes."""
    ring = sealing.parse(OLD)
    assert ring.seal("same", context="c")[1] != ring.seal("same", context="c")[1]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "no-colon", "k1:not base64!!", "k1:" + "A" * 10, "plain:" + OLD.split(":")[1]],
)
def test_bad_key_settings_are_refused_with_a_reason(text: str) -> None:
    """Empty, malformed, short or reserved keys are a DataKeyError, never a silent default."""
    with pytest.raises(sealing.DataKeyError):
        sealing.parse(text)


def test_the_first_key_seals_and_every_key_opens() -> None:
    """A ring of new + old: new seals; what old sealed still opens."""
    old_id, old_data = sealing.parse(OLD).seal("before", context="c")
    ring = sealing.parse(f"{NEW},{OLD}")
    assert ring.current == "k-new"
    assert ring.unseal(old_id, old_data, context="c") == "before"
    assert ring.seal("after", context="c")[0] == "k-new"


@pytest.fixture
async def database() -> AsyncIterator[asyncpg.Pool]:
    async with schema() as url:
        connections = await pool.open_migrated(url)
        yield connections
        await connections.close()


async def _filled(record: PostgresRecord) -> None:
    await record.upsert_organization(factories.org())
    await record.upsert_incident(factories.incident(text="the report"))
    author = models.Author("agent-7", "Ana")
    await record.add_messages(
        [
            models.Message(
                "inc-1", seq, models.Sender.RESPONDER, f"m{seq}", factories.SCHOOL_HOURS, author
            )
            for seq in range(1, 4)
        ]
    )
    step = models.Step(at=factories.SCHOOL_HOURS, by="agent-7", action="note", note="called")
    await record.add_steps("inc-1", [step], start=0)


async def test_a_missing_or_wrong_key_stops_the_start(database: asyncpg.Pool) -> None:
    """After a start under k-old, a ring without it, or with another k-old, is refused."""
    first = PostgresRecord(database, sealing.parse(OLD))
    await first.check_keys()
    await _filled(first)
    with pytest.raises(sealing.DataKeyError, match="not configured"):
        await PostgresRecord(database, sealing.parse(NEW)).check_keys()
    impostor = sealing.parse(sealing.new_key_line("k-old"))
    with pytest.raises(sealing.DataKeyError, match="another one"):
        await PostgresRecord(database, impostor).check_keys()
    await PostgresRecord(database, sealing.parse(f"{NEW},{OLD}")).check_keys()


async def test_a_rotation_reseals_every_row_and_retires_the_old_key(
    database: asyncpg.Pool,
) -> None:
    """k-old -> k-new: reseal moves every sealed row, then a ring of k-new alone reads all."""
    old = PostgresRecord(database, sealing.parse(OLD))
    await old.check_keys()
    await _filled(old)
    both = PostgresRecord(database, sealing.parse(f"{NEW},{OLD}"))
    await both.check_keys()
    assert await both.reseal(batch=2) == {
        "incidents": 1,
        "reasons": 1,
        "messages": 3,
        "escalation_steps": 1,
    }
    assert await both.reseal() == {
        "incidents": 0,
        "reasons": 0,
        "messages": 0,
        "escalation_steps": 0,
    }
    new = PostgresRecord(database, sealing.parse(NEW))
    await new.check_keys()  # k-old is forgotten: no row uses it
    stored = await new.incident("inc-1")
    assert stored is not None
    assert stored.text == "the report"
    assert stored.escalation[0].note == "called"
    assert [m.text for m in await new.messages("inc-1")] == ["m1", "m2", "m3"]
    ids = await database.fetch(
        "SELECT report_key_id AS k FROM incidents UNION SELECT reasons_key_id FROM incidents"
        " UNION SELECT key_id FROM messages UNION SELECT note_key_id FROM escalation_steps"
    )
    assert {r["k"] for r in ids} == {"k-new"}


async def test_reasons_stored_plain_before_0004_read_back_and_reseal_seals_them() -> None:
    """An incident filed before migration 0004 (reasons a plain text[]): after the upgrade
    its reasons read back as they were, under key id `plain`; `reseal` seals them, and the
    words they quote are no longer in the row."""
    before = [m for m in migrate.shipped() if m.version < 4]
    async with schema() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate.upgrade(conn, before)
            await conn.execute(
                "INSERT INTO organisations (code, name, timezone, contacts, law_enforcement,"
                " policy) VALUES ('LHS', 'Lincoln', 'UTC', '[]', '{}', '{}')"
            )
            await conn.execute(
                "INSERT INTO incidents (incident_id, org_code, channel, created_at,"
                " initial_urgency, initial_category, language, confidence, reasons, urgency,"
                " category, status, state, version, report_key_id, report) VALUES ('inc-1',"
                " 'LHS', 'web', now(), 'emergency', 'threat', 'en', 0.9, $1, 'emergency',"
                " 'threat', 'open', 'new', 1, 'plain', 'he has a knife')",
                ['weapon: "a knife"', "«mañana»"],
            )
        finally:
            await conn.close()
        connections = await pool.open_migrated(url)  # 0004 and any later ones
        try:
            record = PostgresRecord(connections, sealing.parse(OLD))
            await record.check_keys()
            stored = await record.incident("inc-1")
            assert stored is not None
            assert stored.triage.reasons == ('weapon: "a knife"', "«mañana»")
            row = await connections.fetchrow("SELECT reasons, reasons_key_id FROM incidents")
            assert row is not None
            assert row["reasons_key_id"] == sealing.PLAIN
            assert b"knife" in bytes(row["reasons"])  # the search below can fail
            moved = await record.reseal()
            assert (moved["incidents"], moved["reasons"]) == (1, 1)
            row = await connections.fetchrow("SELECT reasons, reasons_key_id FROM incidents")
            assert row is not None
            assert row["reasons_key_id"] == "k-old"
            assert b"knife" not in bytes(row["reasons"])
            assert "mañana".encode() not in bytes(row["reasons"])
            again = await record.incident("inc-1")
            assert again is not None
            assert again.triage.reasons == ('weapon: "a knife"', "«mañana»")
        finally:
            await connections.close()
