"""The Record port's contract, against the real PostgreSQL (a fresh schema per test).

One suite for every implementation of `tipline.ports.Record`; PostgreSQL is the only one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters import sealing
from adapters.record import pool, store
from tests.escalation import factories
from tests.postgres import schema
from tipline import models, ports

T0 = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
AGENT = models.Author("agent-7", "Ana Agent")
RING = sealing.parse(sealing.new_key_line("k-test"))


@pytest.fixture
async def database() -> AsyncIterator[asyncpg.Pool]:
    async with schema() as url:
        connections = await pool.open_migrated(url)
        yield connections
        await connections.close()


@pytest.fixture(params=["postgres"])
async def record(request: pytest.FixtureRequest, database: asyncpg.Pool) -> ports.Record:
    """Every implementation of the port; the school of the incidents is already there."""
    implementation: ports.Record = store.PostgresRecord(database, RING)
    await implementation.upsert_organization(factories.org())
    return implementation


def message(seq: int, text: str | None = None, **changes: object) -> models.Message:
    base = models.Message(
        incident_id="inc-1",
        seq=seq,
        sender=models.Sender.REPORTER if seq % 2 else models.Sender.RESPONDER,
        text=text or f"message {seq}",
        at=T0 + dt.timedelta(seconds=seq),
        author=None if seq % 2 else AGENT,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def step(index: int, **changes: object) -> models.Step:
    base = models.Step(at=T0 + dt.timedelta(minutes=index), by="agent-7", action=f"action-{index}")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_the_same_message_batch_written_twice_is_stored_once(record: ports.Record) -> None:
    """A batch delivered again adds nothing and changes nothing."""
    await record.upsert_incident(factories.incident())
    batch = [message(seq) for seq in range(1, 6)]
    assert await record.add_messages(batch) == 5
    assert await record.add_messages(batch) == 0
    assert await record.messages("inc-1") == batch


async def test_messages_come_back_in_seq_order_whatever_order_batches_arrive(
    record: ports.Record,
) -> None:
    """Overlapping batches in any order leave each seq once, read back in seq order."""
    await record.upsert_incident(factories.incident())
    assert await record.add_messages([message(s) for s in (5, 6, 4)]) == 3
    assert await record.add_messages([message(s) for s in (2, 3, 4, 1)]) == 3
    assert [m.seq for m in await record.messages("inc-1")] == [1, 2, 3, 4, 5, 6]
    assert [m.seq for m in await record.messages("inc-1", after_seq=4)] == [5, 6]
    assert [m.seq for m in await record.messages("inc-1", after_seq=1, limit=2)] == [2, 3]


async def test_a_seq_stored_once_keeps_its_first_text(record: ports.Record) -> None:
    """A message is never rewritten: the first text stored under a seq stays."""
    await record.upsert_incident(factories.incident())
    await record.add_messages([message(1, "first")])
    assert await record.add_messages([message(1, "changed")]) == 0
    assert [m.text for m in await record.messages("inc-1")] == ["first"]


async def test_the_audit_trail_is_stored_once_and_in_order(record: ports.Record) -> None:
    """Steps keyed by their index: a repeated or overlapping batch adds only the new ones."""
    contact = factories.PRIMARY
    trail = [
        step(0, action="claim"),
        step(1, action="contact_outcome", contact=contact, outcome="reached", note="spoke"),
        step(2, action="set_urgency", urgency=models.Urgency.URGENT),
        step(3, action="resolve", outcome="handled_by_school"),
    ]
    await record.upsert_incident(factories.incident())
    assert await record.add_steps("inc-1", trail[:3], start=0) == 3
    assert await record.add_steps("inc-1", trail[:3], start=0) == 0
    assert await record.add_steps("inc-1", trail[2:], start=2) == 1
    stored = await record.incident("inc-1")
    assert stored is not None
    assert stored.escalation == tuple(trail)


async def test_an_incident_round_trips_and_an_older_snapshot_changes_nothing(
    record: ports.Record,
) -> None:
    """Upserts are keyed by id and ordered by version: replays and late snapshots are harmless."""
    first = factories.incident(policy=factories.POLICY, org_name="Lincoln High", org_timezone="LA")
    claimed = dataclasses.replace(first, state="claimed", claimed_by="agent-7", version=2)
    assert await record.upsert_incident(first, receipt_hash="a" * 64)
    assert await record.upsert_incident(claimed)
    assert not await record.upsert_incident(first)
    assert await record.upsert_incident(claimed)
    assert await record.incident("inc-1") == claimed
    assert await record.incident("inc-2") is None


async def test_what_people_wrote_is_sealed_under_a_key_id_and_figures_are_plain(
    record: ports.Record, database: asyncpg.Pool
) -> None:
    """Report, the triage's reasons (they quote it), messages and notes are AES-GCM bytes
    under the ring's key id (no text in them); school, urgency, category plain; all read
    back as written."""
    reasons = ('weapon: "a knife"', "threat of harm: «mañana»")
    triage = models.Triage(models.Urgency.EMERGENCY, models.Category.THREAT, "en", 0.9, reasons)
    reported = factories.incident(text="he has a knife", triage=triage)
    await record.upsert_incident(reported, receipt_hash="r" * 64)
    await record.add_messages([message(1, "where are you?")])
    await record.add_steps("inc-1", [step(0, note="called the office")], start=0)
    row = await database.fetchrow(
        "SELECT i.report, i.report_key_id, i.reasons, i.reasons_key_id, i.org_code, i.urgency,"
        " i.category, i.receipt_hash, m.body, m.key_id, s.note, s.note_key_id FROM incidents i"
        " JOIN messages m USING (incident_id) JOIN escalation_steps s USING (incident_id)"
    )
    assert row is not None
    for sealed, text in (
        (row["report"], b"knife"),
        (row["reasons"], b"knife"),
        (row["reasons"], "mañana".encode()),
        (row["body"], b"where"),
        (row["note"], b"office"),
    ):
        assert text not in bytes(sealed)
        assert len(bytes(sealed)) >= 12 + 16  # a nonce and a tag at least
    key_ids = {row["report_key_id"], row["reasons_key_id"], row["key_id"], row["note_key_id"]}
    assert key_ids == {RING.current}
    stored = await record.incident("inc-1")
    assert stored is not None
    assert stored.text == "he has a knife"
    assert stored.triage.reasons == reasons
    assert stored.escalation[0].note == "called the office"
    assert [m.text for m in await record.messages("inc-1")] == ["where are you?"]
    assert (row["org_code"], row["urgency"], row["category"]) == ("LHS", "emergency", "threat")
    assert row["receipt_hash"] == "r" * 64


async def test_schools_responders_and_slack_references_upsert_in_place(
    record: ports.Record, database: asyncpg.Pool
) -> None:
    """Writing a school, a responder or a Slack reference again replaces its one row."""
    school = factories.org(holidays=(dt.date(2026, 12, 25),))
    await record.upsert_organization(dataclasses.replace(school, name="Old name"))
    await record.upsert_organization(school)
    admin = models.Responder("admin-1", "Ada Admin", models.Role.ADMIN, org_code="LHS")
    await record.upsert_responder(admin)
    await record.upsert_responder(dataclasses.replace(admin, slack_user_id="U1"))
    await record.upsert_incident(factories.incident())
    await record.put_slack_message("inc-1", channel="C1", ts="1.1")
    await record.put_slack_message("inc-1", channel="C1", ts="1.2")
    org = await database.fetchrow("SELECT * FROM organisations")
    assert org is not None
    assert org["name"] == "Lincoln High"
    assert org["hours"]["mon"] == "08:00-16:00"
    assert "sat" not in org["hours"]
    assert org["holidays"] == [dt.date(2026, 12, 25)]
    assert org["contacts"][0] == factories.PRIMARY.to_wire()
    assert org["policy"]["claim_timeout_s"] == 180
    responders = await database.fetch("SELECT slack_user_id FROM responders")
    assert [r["slack_user_id"] for r in responders] == ["U1"]
    slack = await database.fetch("SELECT channel, ts FROM slack_messages")
    assert [tuple(r) for r in slack] == [("C1", "1.2")]


async def test_outcomes_lists_contact_and_incident_outcomes_from_the_trail(
    record: ports.Record, database: asyncpg.Pool
) -> None:
    """The outcomes view is the trail's contact outcomes and resolutions, nothing else."""
    await record.upsert_incident(factories.incident())
    trail = [
        step(0, action="claim"),
        step(1, action="contact_outcome", contact=factories.PRIMARY, outcome="no_answer"),
        step(2, action="resolve", outcome="referred_to_police"),
    ]
    await record.add_steps("inc-1", trail, start=0)
    rows = await database.fetch("SELECT kind, outcome, org_code FROM outcomes ORDER BY step_index")
    assert [tuple(r) for r in rows] == [
        ("contact", "no_answer", "LHS"),
        ("incident", "referred_to_police", "LHS"),
    ]
