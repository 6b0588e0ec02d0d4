"""How long `tipline db rebuild-live` takes: N open incidents of M messages each, rebuilt from
the record into an empty Redis (adapters/live_rebuild.py), on the test PostgreSQL and Redis.

A throw-away schema and key prefix, both removed afterwards. Prints the time and the rate.

    .venv/bin/python -m benchmarks.rebuild_live [--incidents 200] [--messages 50]
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

from adapters import live_rebuild, sealing
from adapters.record import pool
from adapters.record.store import PostgresRecord
from escalation import engine, recovery
from tests.escalation import factories
from tipline import models

DATABASE_URL = os.environ.get(
    "TIPLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TIPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _fill(record: PostgresRecord, incidents: int, messages: int) -> None:
    base = engine.triaged(factories.incident(), factories.org(), factories.NIGHT).incident
    for n in range(incidents):
        incident = dataclasses.replace(base, incident_id=f"inc-{n:06d}")
        await record.upsert_incident(incident, receipt_hash=f"receipt-{n}")
        await record.add_steps(incident.incident_id, incident.escalation, start=0)
        await record.add_messages(
            [
                models.Message(
                    incident_id=incident.incident_id,
                    seq=seq,
                    sender=models.Sender.REPORTER,
                    text="x" * 200,
                    at=factories.NIGHT + dt.timedelta(seconds=seq),
                )
                for seq in range(1, messages + 1)
            ]
        )


async def main(incidents: int, messages: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DATABASE_URL)
    await admin.execute(f"CREATE SCHEMA {schema}")
    client = aioredis.from_url(REDIS_URL)
    try:
        connections = await pool.open_migrated(f"{DATABASE_URL}?search_path={schema}")
        ring = sealing.parse(sealing.new_key_line("bench"))
        record = PostgresRecord(connections, ring)
        await record.upsert_organization(factories.org())
        await _fill(record, incidents, messages)
        rebuild = live_rebuild.LiveRebuild(
            record,
            client,
            prefix=prefix,
            deadlines_of=lambda i: recovery.pending(i, factories.org()),
            ring=ring,
        )
        started = time.perf_counter()
        counts = await rebuild.run(dry_run=False, progress=lambda _: None)
        took = time.perf_counter() - started
        await connections.close()
        print(f"{counts.line()} in {took:.2f} s")
        print(f"{counts.incidents / took:.0f} incidents/s, {counts.messages / took:.0f} msg/s")
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--messages", type=int, default=50)
    options = parser.parse_args()
    asyncio.run(main(options.incidents, options.messages))
