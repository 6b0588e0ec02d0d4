"""asyncpg against psycopg 3 (async) on the record's write shape, side by side in one run.

What the record does most: idempotent inserts of chat messages keyed by (incident, seq), one
at a time (a small archive batch) and in batches (the archive stream catching up). Each
driver, alternately, on its own throw-away schema of the test database:

- `single`: N awaited `INSERT ... ON CONFLICT DO NOTHING`, one row each, autocommit (each
  one a commit: the disk's flush sets the pace more than the driver);
- `single_tx`: the same N single-row statements inside one transaction (the driver's own
  cost per round trip, with one flush);
- `executemany`: the same N rows in batches of B through the driver's `executemany`
  (both pipeline the statements: asyncpg always, psycopg 3 since 3.1);
- `unnest`: the same N rows in batches of B as ONE statement over arrays
  (`INSERT ... SELECT * FROM unnest($1::text[], $2::int[], ...)`), the adapter's way.

Every row is written twice (the second pass must store nothing: idempotent), and both
passes count. psycopg is not a dependency of the service: install it to run this,
`.venv/bin/pip install "psycopg[binary]==3.3.9"`.

    .venv/bin/python -m benchmarks.record_drivers [--rows 10000] [--batch 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

DATABASE_URL = os.environ.get(
    "TIPLINE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TABLE = """CREATE TABLE {schema}.messages (
    incident_id text NOT NULL, seq integer NOT NULL, sender text NOT NULL,
    at timestamptz NOT NULL, key_id text NOT NULL, body bytea NOT NULL,
    PRIMARY KEY (incident_id, seq))"""
SINGLE = (
    "INSERT INTO {schema}.messages (incident_id, seq, sender, at, key_id, body) "
    "VALUES ({p}) ON CONFLICT (incident_id, seq) DO NOTHING"
)
UNNEST = (
    "INSERT INTO {schema}.messages (incident_id, seq, sender, at, key_id, body) "
    "SELECT * FROM unnest({a}::text[], {b}::int[], {c}::text[], {d}::timestamptz[], "
    "{e}::text[], {f}::bytea[]) ON CONFLICT (incident_id, seq) DO NOTHING"
)
Row = tuple[str, int, str, dt.datetime, str, bytes]


def rows(n: int) -> list[Row]:
    """n messages over n/20 incidents, 200-byte bodies (a chat line once encrypted)."""
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    return [(f"inc-{i // 20}", i % 20 + 1, "reporter", at, "k1", os.urandom(200)) for i in range(n)]


def columns(batch: list[Row]) -> list[list[Any]]:
    return [list(c) for c in zip(*batch, strict=True)]


async def asyncpg_runs(schema: str, data: list[Row], size: int) -> dict[str, tuple[float, float]]:
    conn = await asyncpg.connect(DATABASE_URL)
    single = SINGLE.format(schema=schema, p="$1, $2, $3, $4, $5, $6")
    unnest = UNNEST.format(schema=schema, a="$1", b="$2", c="$3", d="$4", e="$5", f="$6")

    async def one_by_one() -> None:
        for row in data:
            await conn.execute(single, *row)

    async def one_tx() -> None:
        async with conn.transaction():
            await one_by_one()

    async def many() -> None:
        for i in range(0, len(data), size):
            await conn.executemany(single, data[i : i + size])

    async def arrays() -> None:
        for i in range(0, len(data), size):
            await conn.execute(unnest, *columns(data[i : i + size]))

    try:
        return await timed(conn.execute, schema, one_by_one, one_tx, many, arrays)
    finally:
        await conn.close()


async def psycopg_runs(schema: str, data: list[Row], size: int) -> dict[str, tuple[float, float]]:
    import psycopg  # noqa: PLC0415  (only this benchmark needs it)

    conn = await psycopg.AsyncConnection.connect(DATABASE_URL, autocommit=True)
    single = SINGLE.format(schema=schema, p="%s, %s, %s, %s, %s, %s")
    unnest = UNNEST.format(schema=schema, a="%s", b="%s", c="%s", d="%s", e="%s", f="%s")

    async def one_by_one() -> None:
        for row in data:
            # prepare=True: a server-side prepared statement from the first call, as asyncpg.
            await conn.execute(single, row, prepare=True)

    async def one_tx() -> None:
        async with conn.transaction():
            await one_by_one()

    async def many() -> None:
        async with conn.cursor() as cur:
            for i in range(0, len(data), size):
                await cur.executemany(single, data[i : i + size])

    async def arrays() -> None:
        for i in range(0, len(data), size):
            await conn.execute(unnest, columns(data[i : i + size]), prepare=True)

    async def execute(sql: str) -> None:
        await conn.execute(sql.encode())

    try:
        return await timed(execute, schema, one_by_one, one_tx, many, arrays)
    finally:
        await conn.close()


RUNS = ("single", "single_tx", "executemany", "unnest")


async def timed(
    execute: Callable[[str], Awaitable[Any]], schema: str, *runs: Callable[[], Awaitable[None]]
) -> dict[str, tuple[float, float]]:
    """(wall seconds, this process's CPU seconds) of each run, both passes (a fresh table,
    then the same rows again, which must store nothing)."""
    seconds: dict[str, tuple[float, float]] = {}
    for name, run in zip(RUNS, runs, strict=True):
        await execute(f"DROP TABLE IF EXISTS {schema}.messages")
        await execute(TABLE.format(schema=schema))
        start, cpu = time.perf_counter(), time.process_time()
        await run()
        await run()
        seconds[name] = (time.perf_counter() - start, time.process_time() - cpu)
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.rows)
    admin = await asyncpg.connect(DATABASE_URL)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    results: dict[str, dict[str, list[tuple[float, float]]]] = {"asyncpg": {}, "psycopg": {}}
    drivers = [("asyncpg", asyncpg_runs), ("psycopg", psycopg_runs)]
    try:
        for _ in range(args.rounds):
            for driver, run in drivers:
                for name, secs in (await run(schema, data, args.batch)).items():
                    results[driver].setdefault(name, []).append(secs)
            drivers.reverse()  # neither always runs first
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
    written = 2 * args.rows
    print(f"{written} row writes per run (each row twice), batches of {args.batch}, median of")
    print(f"{args.rounds} rounds: rows/s (higher is better), client CPU µs per row (lower is)")
    print(f"{'run':<12} {'asyncpg':>10} {'psycopg':>10} {'asyncpg µs':>11} {'psycopg µs':>11}")
    for name in RUNS:
        line = [f"{name:<12}"]
        for index in (0, 1):
            for driver in ("asyncpg", "psycopg"):
                median = statistics.median(r[index] for r in results[driver][name])
                line.append(
                    f"{written / median:>10,.0f}"
                    if index == 0
                    else f"{median * 1e6 / written:>11.1f}"
                )
        print(" ".join(line))


if __name__ == "__main__":
    asyncio.run(main())
