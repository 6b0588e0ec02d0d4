"""How long retention's purge takes (adapters/retention.py): N resolved incidents of M
messages each, all past their period, planned (`--dry-run`) and then purged, on the test
PostgreSQL and Redis; and whether the search for due incidents uses its index.

A throw-away schema and key prefix, both removed afterwards. Prints the times and the rates.

    .venv/bin/python -m benchmarks.retention_bench [--incidents 2000] [--messages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import time
import uuid

import asyncpg
import redis.asyncio as aioredis

from adapters import retention, sealing
from adapters.record import pool, purge
from adapters.record.store import PostgresRecord
from tests.clock import FakeClock
from tests.escalation import factories
from tipline import models

DATABASE_URL = os.environ.get(
    "TIPLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TIPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = factories.SCHOOL_HOURS
NOW = T0 + dt.timedelta(days=400)


async def _fill(record: PostgresRecord, incidents: int, messages: int) -> None:
    steps = (
        models.Step(at=T0, by="triage", action="triage"),
        models.Step(at=T0, by="agent-7", action="claim", note="called the principal"),
        models.Step(at=T0 + dt.timedelta(hours=1), by="agent-7", action="resolve"),
    )
    base = factories.incident(
        status=models.Status.RESOLVED, state="resolved", escalation=steps, text="x" * 300
    )
    for start in range(0, incidents, 200):
        batch = [
            dataclasses.replace(
                base, incident_id=f"inc-{n:06d}", created_at=T0 + dt.timedelta(seconds=n)
            )
            for n in range(start, min(start + 200, incidents))
        ]
        await record.write_batch(
            [(i, f"receipt-{i.incident_id}") for i in batch],
            [
                models.Message(
                    incident_id=i.incident_id,
                    seq=seq,
                    sender=models.Sender.REPORTER if seq % 2 else models.Sender.RESPONDER,
                    text="y" * 200,
                    at=T0 + dt.timedelta(seconds=seq),
                )
                for i in batch
                for seq in range(1, messages + 1)
            ],
            [(i.incident_id, steps, 0) for i in batch],
        )


async def main(incidents: int, messages: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DATABASE_URL)
    await admin.execute(f"CREATE SCHEMA {schema}")
    client = aioredis.from_url(REDIS_URL)
    url = f"{DATABASE_URL}?search_path={schema}"
    try:
        connections = await pool.open_migrated(url)
        record = PostgresRecord(connections, sealing.parse(sealing.new_key_line("bench")))
        await record.upsert_organization(factories.org())
        await _fill(record, incidents, messages)
        await connections.execute("ANALYZE")
        periods = purge.Periods(30)
        job = retention.Purger(
            connections, client, prefix=prefix, periods=periods, clock=FakeClock(NOW)
        )
        async with connections.acquire() as conn:
            plan = await conn.fetch(
                "EXPLAIN " + purge._DUE,  # the query as the purge sends it
                [], [], 30, *purge.START, periods.latest_cutoff(NOW), NOW, retention.BATCH,
            )  # fmt: skip
        print("\n".join(r[0] for r in plan))
        for name, run in (("dry run", job.plan), ("purge", job.purge), ("again", job.purge)):
            started = time.perf_counter()
            tallies = await run()
            took = time.perf_counter() - started
            done = tallies.get("LHS", purge.Tally())
            print(
                f"{name}: {done.incidents} incidents, {done.messages} messages, "
                f"{done.notes} notes in {took:.2f} s"
                + (f" ({done.incidents / took:,.0f} incidents/s)" if done.incidents else "")
            )
        await connections.close()
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=20)
    options = parser.parse_args()
    asyncio.run(main(options.incidents, options.messages))
