"""Retention: incidents resolved longer ago than their school's period lose what people wrote
in the record (report, messages, notes, reasons, receipt); the anonymous figures stay."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis

from adapters import live_window, retention, sealing
from adapters.record import migrate, pool, purge
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from tests.clock import FakeClock
from tests.conftest import RING, RING_LINE
from tests.escalation import factories
from tests.postgres import schema
from tipline import logs, models

T0 = factories.SCHOOL_HOURS
RESOLVED_AT = T0 + dt.timedelta(minutes=30)
NOW = RESOLVED_AT + dt.timedelta(days=100)
OTHER = "OTHER"
REPORT = "my locker neighbour said he would bring a knife on friday"
NOTE = "called the principal, she will talk to the family"


@dataclasses.dataclass
class Setup:
    record: PostgresRecord
    url: str


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    async with schema() as url:
        connections = await pool.open_migrated(url)
        record = PostgresRecord(connections, RING)
        await record.upsert_organization(factories.org())
        await record.upsert_organization(dataclasses.replace(factories.org(), code=OTHER))
        yield Setup(record, url)
        await connections.close()


def case(
    incident_id: str,
    *,
    org_code: str = "LHS",
    resolved_at: dt.datetime | None = RESOLVED_AT,
) -> models.Incident:
    """An incident created at T0 with a noted claim step; resolved at `resolved_at` (None:
    still open)."""
    steps = [
        models.Step(at=T0, by="triage", action="triage"),
        models.Step(at=T0 + dt.timedelta(minutes=1), by="agent-7", action="claim", note=NOTE),
    ]
    if resolved_at is not None:
        steps.append(models.Step(at=resolved_at, by="agent-7", action="resolve", outcome="done"))
    return factories.incident(
        incident_id=incident_id,
        org_code=org_code,
        text=REPORT,
        triage=models.Triage(
            models.Urgency.EMERGENCY, models.Category.WEAPON, "en", 0.9, ('weapon: "a knife"',)
        ),
        category=models.Category.WEAPON,
        status=models.Status.RESOLVED if resolved_at is not None else models.Status.OPEN,
        state="resolved" if resolved_at is not None else "claimed",
        claimed_by="agent-7",
        escalation=tuple(steps),
        version=3,
    )


async def archived(record: PostgresRecord, incident: models.Incident) -> models.Incident:
    """`incident` in the record as the archive writes it: with two messages each way."""
    await record.upsert_incident(incident, receipt_hash=f"rcpt-{incident.incident_id}")
    await record.add_steps(incident.incident_id, incident.escalation, start=0)
    senders = [models.Sender.REPORTER, models.Sender.RESPONDER] * 2
    await record.add_messages(
        [
            models.Message(
                incident_id=incident.incident_id,
                seq=n + 1,
                sender=sender,
                text=f"message {n + 1} of {incident.incident_id}",
                at=T0 + dt.timedelta(minutes=n),
                author=models.Author("agent-7", "Alex Agent")
                if sender is models.Sender.RESPONDER
                else None,
            )
            for n, sender in enumerate(senders)
        ]
    )
    return incident


def purger(
    setup: Setup,
    redis_client: aioredis.Redis,
    prefix: str,
    periods: purge.Periods,
    *,
    now: dt.datetime = NOW,
    batch: int = retention.BATCH,
) -> retention.Purger:
    return retention.Purger(
        setup.record.pool,
        redis_client,
        prefix=prefix,
        periods=periods,
        clock=FakeClock(now),
        batch=batch,
    )


async def tables(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the record's incident tables, as they are stored."""
    conn = await asyncpg.connect(url)
    try:
        return {
            table: [
                dict(r)
                for r in await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")  # noqa: S608
            ]
            for table in ("incidents", "messages", "escalation_steps", "retention_purges")
        }
    finally:
        await conn.close()


def purged_ids(rows: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {r["incident_id"] for r in rows["incidents"] if r["purged_at"] is not None}


async def test_only_incidents_resolved_past_their_schools_period_and_gone_from_redis_go(
    setup: Setup, redis_client: aioredis.Redis, prefix: str, store: RedisStore
) -> None:
    """30 days by default, 400 for OTHER: an LHS case resolved 100 days ago goes; OTHER's of
    the same age, an open one, one resolved 10 days ago and one Redis still has stay."""
    await archived(setup.record, case("old"))
    await archived(setup.record, case("other-school", org_code=OTHER))
    await archived(setup.record, case("open", resolved_at=None))
    await archived(setup.record, case("recent", resolved_at=NOW - dt.timedelta(days=10)))
    await store.create(await archived(setup.record, case("live")), receipt_hash="r-live")
    periods = purge.Periods(30, {OTHER: 400})
    tallies = await purger(setup, redis_client, prefix, periods).purge()
    assert purged_ids(await tables(setup.url)) == {"old"}
    assert tallies["LHS"] == purge.Tally(
        incidents=1, messages=4, notes=1, oldest_resolved=RESOLVED_AT, live=1
    )
    assert OTHER not in tallies


async def test_a_schools_own_period_wins_over_the_deployments_either_way(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Kept for ever by default (0) but 30 days for LHS: LHS's case goes; 30 days by default
    but for ever (0) for LHS: only OTHER's goes."""
    await archived(setup.record, case("lhs"))
    await archived(setup.record, case("other", org_code=OTHER))
    await purger(setup, redis_client, prefix, purge.Periods(0, {"LHS": 30})).purge()
    assert purged_ids(await tables(setup.url)) == {"lhs"}
    await archived(setup.record, case("lhs-2"))
    await purger(setup, redis_client, prefix, purge.Periods(30, {"LHS": 0})).purge()
    assert purged_ids(await tables(setup.url)) == {"lhs", "other"}


async def test_a_schools_period_stored_with_it_applies_unless_the_given_periods_name_it(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """OTHER stored with its own 30 days, no period given (as `tipline db purge` without the
    config): OTHER's case goes, LHS's stays; given 400 days for OTHER, the given one wins."""
    other = dataclasses.replace(factories.org(), code=OTHER, retention_days=30)
    await setup.record.upsert_organization(other)
    await archived(setup.record, case("lhs"))
    await archived(setup.record, case("other", org_code=OTHER))
    given = purge.Periods(0, {OTHER: 400})
    assert await purger(setup, redis_client, prefix, given).purge() == {}
    await purger(setup, redis_client, prefix, purge.Periods(0)).purge()
    assert purged_ids(await tables(setup.url)) == {"other"}


async def test_the_texts_go_and_the_figures_stay(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """After a purge no byte anyone wrote is left in the incident's rows (report, reasons,
    messages, notes, receipt hash); its school, times, urgency, category, language, its
    messages' senders and times and its steps' actions and outcomes are as before."""
    await archived(setup.record, case("old"))
    before = await tables(setup.url)
    await purger(setup, redis_client, prefix, purge.Periods(30)).purge()
    after = await tables(setup.url)

    incident = after["incidents"][0]
    assert [incident[c] for c in ("report", "report_key_id", "reasons", "receipt_hash")] == [
        None,
        None,
        None,
        None,
    ]
    assert incident["purged_at"] == NOW
    kept = ["org_code", "channel", "created_at", "initial_urgency", "initial_category"]
    kept += ["language", "confidence", "urgency", "category", "status", "claimed_by"]
    assert {c: incident[c] for c in kept} == {c: before["incidents"][0][c] for c in kept}

    assert [(m["seq"], m["sender"], m["at"]) for m in after["messages"]] == [
        (m["seq"], m["sender"], m["at"]) for m in before["messages"]
    ]
    assert {(m["body"], m["key_id"]) for m in after["messages"]} == {(None, None)}
    assert [(s["action"], s["at"], s["outcome"]) for s in after["escalation_steps"]] == [
        (s["action"], s["at"], s["outcome"]) for s in before["escalation_steps"]
    ]
    assert {(s["note"], s["note_key_id"]) for s in after["escalation_steps"]} == {(None, None)}
    assert [
        (r["org_code"], r["incidents"], r["messages"], r["notes"])
        for r in after["retention_purges"]
    ] == [("LHS", 1, 4, 1)]


async def test_a_purged_incident_reads_as_purged_without_text(
    setup: Setup, redis_client: aioredis.Redis, prefix: str, store: RedisStore
) -> None:
    """The record's read (and the console's store over it) gives the purged incident with
    `purged_at`, no text, no notes and no messages, its trail's actions in order; the
    reporter's receipt key leaves Redis, another incident's receipt key stays."""
    await archived(setup.record, case("old"))
    await redis_client.set(f"{prefix}:rcpt:rcpt-old", "old")
    await redis_client.set(f"{prefix}:rcpt:rcpt-other", "other")
    await purger(setup, redis_client, prefix, purge.Periods(30)).purge()

    incidents = live_window.IncidentsWithRecord(store, setup.record)
    read = await incidents.get("old")
    assert read is not None
    assert (read.text, read.triage.reasons, read.purged_at) == ("", (), NOW)
    assert [(s.action, s.note) for s in read.escalation] == [
        ("triage", None),
        ("claim", None),
        ("resolve", None),
    ]
    wire = read.to_wire()
    assert (wire["text"], wire["purged_at"], wire["category"]) == ("", models.iso(NOW), "weapon")
    messages = live_window.MessagesWithRecord(store, incidents, setup.record)
    assert await messages.since("old", 0) == []
    assert await redis_client.get(f"{prefix}:rcpt:rcpt-old") is None
    assert await redis_client.get(f"{prefix}:rcpt:rcpt-other") == b"other"


async def test_a_second_purge_finds_nothing(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Purging again removes nothing and changes no row."""
    for n in range(3):
        await archived(setup.record, case(f"old-{n}"))
    job = purger(setup, redis_client, prefix, purge.Periods(30), batch=2)
    assert (await job.purge())["LHS"].incidents == 3
    first = await tables(setup.url)
    assert await job.purge() == {}
    assert await tables(setup.url) == first


async def test_a_dry_run_counts_what_would_go_and_changes_nothing(
    setup: Setup, redis_client: aioredis.Redis, prefix: str, store: RedisStore
) -> None:
    """`plan` gives the counts the purge then removes, per school, and leaves every row."""
    for n in range(3):
        await archived(setup.record, case(f"old-{n}"))
    await archived(setup.record, case("other", org_code=OTHER))
    await store.create(await archived(setup.record, case("live")), receipt_hash="r-live")
    job = purger(setup, redis_client, prefix, purge.Periods(30), batch=2)
    before = await tables(setup.url)
    planned = await job.plan()
    assert await tables(setup.url) == before
    assert planned == {
        "LHS": purge.Tally(incidents=3, messages=12, notes=3, oldest_resolved=RESOLVED_AT, live=1),
        OTHER: purge.Tally(incidents=1, messages=4, notes=1, oldest_resolved=RESOLVED_AT),
    }
    assert await job.purge() == planned


async def test_two_purges_at_once_purge_each_incident_once(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Two purgers racing (two processes, or serve and the CLI) count every incident once."""
    for n in range(12):
        await archived(setup.record, case(f"old-{n:02d}"))
    jobs = [purger(setup, redis_client, prefix, purge.Periods(30), batch=3) for _ in range(2)]
    results = await asyncio.gather(*(job.purge() for job in jobs))
    assert sum(r["LHS"].incidents for r in results if "LHS" in r) == 12
    assert sum(r["LHS"].messages for r in results if "LHS" in r) == 48
    rows = await tables(setup.url)
    assert sum(r["incidents"] for r in rows["retention_purges"]) == 12


async def test_a_round_waits_its_turn_behind_another_process(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """While another session holds the retention lock a round does nothing; then it purges."""
    await archived(setup.record, case("old"))
    job = purger(setup, redis_client, prefix, purge.Periods(30))
    other = await asyncpg.connect(setup.url)
    try:
        lock = "hashtextextended('tipline.retention.' || current_schema(), 0)"
        assert await other.fetchval(f"SELECT pg_try_advisory_lock({lock})")
        assert await job.round() is None
        assert purged_ids(await tables(setup.url)) == set()
        await other.execute(f"SELECT pg_advisory_unlock({lock})")
    finally:
        await other.close()
    done = await job.round()
    assert done is not None
    assert done["LHS"].incidents == 1


async def test_each_purge_is_logged_with_counts_only(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """`record.purged` names the school and the counts, never an incident id or a text."""
    await archived(setup.record, case("old-secret-id"))
    await archived(setup.record, case("other-secret-id", org_code=OTHER))
    with logs.capture(level="INFO") as entries:
        await purger(setup, redis_client, prefix, purge.Periods(30)).purge()
    purged = [e for e in entries if e["event"] == "record.purged"]
    assert [{k: v for k, v in e.items() if k != "ts"} for e in purged] == [
        {
            "level": "info",
            "logger": "tipline.retention",
            "event": "record.purged",
            "school": code,
            "incidents": 1,
            "messages": 4,
            "notes": 1,
            "slack": 0,
        }
        for code in ("LHS", OTHER)
    ]
    written = json.dumps(entries)
    assert "secret-id" not in written
    assert REPORT not in written


async def test_a_key_rotation_after_a_purge_skips_what_is_gone_and_forgets_the_old_key(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """`reseal` under a new key finds nothing of a purged incident to move, and the key
    that sealed it is forgotten: no purged row keeps a data key alive."""
    await setup.record.check_keys()
    await archived(setup.record, case("old"))
    await purger(setup, redis_client, prefix, purge.Periods(30)).purge()
    rotated = PostgresRecord(
        setup.record.pool, sealing.parse(f"{sealing.new_key_line('next')},{RING_LINE}")
    )
    await rotated.check_keys()
    assert set((await rotated.reseal()).values()) == {0}
    keys = await setup.record.pool.fetch("SELECT key_id FROM data_keys")
    assert [r["key_id"] for r in keys] == ["next"]


async def test_a_backlog_of_slack_scrubs_is_queued_paced(
    setup: Setup, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Three purged cases with Slack messages: their scrubs are due 2 s apart in the Slack
    outbox (a backlog leaves Slack's update budget to live emergencies), each once."""
    for name in ("a", "b", "c"):
        await archived(setup.record, case(name))
        await setup.record.put_slack_message(name, channel="C1", ts=f"1.{name}")
    outbox = RedisSlackOutbox(redis_client, prefix=prefix)
    job = retention.Purger(
        setup.record.pool,
        redis_client,
        prefix=prefix,
        periods=purge.Periods(30),
        clock=FakeClock(NOW),
        scrubs=SlackNotifier(outbox, now_ms=lambda: 1_000_000),
    )
    assert (await job.purge())["LHS"].slack == 3
    due = f"{prefix}:slack:{{outbox}}:due"
    scores = [await redis_client.zscore(due, name) for name in ("a", "b", "c")]
    assert scores == [1_000_000.0, 1_002_000.0, 1_004_000.0]
    assert await job.queue_scrubs() == 0


async def test_migration_0005_marks_the_slack_copies_of_cases_purged_before_it_due() -> None:
    """A case purged before 0005 (its Slack message never scrubbed) is due after the upgrade;
    a case not purged is not."""
    async with schema() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate.upgrade(conn, [m for m in migrate.shipped() if m.version < 5])
            await conn.execute(
                "INSERT INTO organisations (code, name, timezone, contacts, law_enforcement,"
                " policy) VALUES ('LHS', 'Lincoln', 'UTC', '[]', '{}', '{}')"
            )
            for incident_id, purged in (("purged", True), ("kept", False)):
                await conn.execute(
                    "INSERT INTO incidents (incident_id, org_code, channel, created_at,"
                    " initial_urgency, initial_category, language, confidence, reasons,"
                    " reasons_key_id, urgency, category, status, state, version,"
                    " report_key_id, report, purged_at) VALUES ($1, 'LHS', 'web', now(),"
                    " 'emergency', 'weapon', 'en', 0.9, NULL, 'purged', 'emergency', 'weapon',"
                    " 'resolved', 'resolved', 1, $2, $3, $4)",
                    incident_id,
                    None if purged else "plain",
                    None if purged else b"a report",
                    dt.datetime.now(dt.UTC) if purged else None,
                )
                await conn.execute(
                    "INSERT INTO slack_messages (incident_id, channel, ts) VALUES ($1, 'C1', $1)",
                    incident_id,
                )
        finally:
            await conn.close()
        connections = await pool.open_migrated(url)
        try:
            rows = await connections.fetch("SELECT incident_id, scrub FROM slack_messages")
        finally:
            await connections.close()
    assert {r["incident_id"]: r["scrub"] for r in rows} == {"purged": "due", "kept": None}
