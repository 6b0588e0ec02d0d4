"""The archive worker's CPU a message, by part, and redis-py's cost per reply (issue #21).

    .venv/bin/python -m benchmarks.archive_batch_bench [--incidents 200] [--rounds 40]

Real Redis (127.0.0.1:6379) and PostgreSQL (a fresh schema of the `test` database, dropped
after). `--incidents` incidents each get one new message a round, then the worker archives
the round in one batch; `process_time` around each batch gives the worker's CPU a message,
and each of its store calls is timed the same way (parts overlap nothing: one coroutine).
Then the same keys read as a pipeline of commands and as one Lua call, client CPU a key.
To compare two commits, run it from a worktree of each (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from adapters import archive, sealing
from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from tests.escalation import factories
from tests.postgres import schema
from tipline import app, models

RING = sealing.parse(sealing.new_key_line("k-bench"))
PARTS = ("read", "take_over", "marks", "advance", "done", "settle")


def timed(cpu: dict[str, float], owner: object, name: str) -> None:
    """Wrap `owner.name` (a coroutine method) so that its CPU adds up in `cpu[name]`."""
    method: Callable[..., Awaitable[Any]] | None = getattr(owner, name, None)
    if method is None:  # a part the commit under test does not have
        return

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return await method(*args, **kwargs)
        finally:
            cpu[name] += time.process_time() - start

    setattr(owner, name, wrapper)


async def worker_cost(client: aioredis.Redis, incidents: int, rounds: int) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    store = RedisStore(client, prefix=prefix, ring=RING)
    cpu: dict[str, float] = collections.defaultdict(float)
    async with schema() as url:
        connections = await pool.open_migrated(url)
        try:
            record = PostgresRecord(connections, RING)
            await record.upsert_organization(factories.org())
            stream = archive.ArchiveStream(client, prefix=prefix)
            await stream.ensure_group()
            ids = [f"inc-{n:04d}" for n in range(incidents)]
            for incident_id in ids:
                incident = factories.incident(incident_id=incident_id)
                await store.create(incident, receipt_hash=incident_id)
            worker = archive.ArchiveWorker(
                stream, incidents=store, messages=store, record=record, block_ms=0
            )
            await worker.step()  # the creations
            for name in PARTS:
                timed(cpu, stream, name)
            for name in ("since_many", "get_many"):
                timed(cpu, store, name)
            timed(cpu, record, "write_batch")
            total, archived = 0.0, 0
            for n in range(rounds):
                for incident_id in ids:
                    await store.append(
                        incident_id,
                        sender=models.Sender.REPORTER,
                        text=f"round {n}: a message of an ordinary length",
                        at=factories.SCHOOL_HOURS,
                        dedupe_key=None,
                    )
                start = time.process_time()
                archived += await worker.step()
                total += time.process_time() - start
        finally:
            await connections.close()
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    ranked = sorted(cpu.items(), key=lambda kv: -kv[1])
    parts = ", ".join(f"{k} {v / archived * 1e6:.1f}" for k, v in ranked)
    print(f"worker CPU a message: {total / archived * 1e6:.1f} us ({archived} messages); {parts}")


async def reply_cost(client: aioredis.Redis, keys: int = 200, repeat: int = 100) -> None:
    names = [f"bench-{uuid.uuid4().hex[:8]}:{n}" for n in range(keys)]
    for name in names:
        await client.hset(name, mapping={"version": 3})
        await client.xadd(name + ":s", {"text": "a message of an ordinary length"})
    one_hget = client.register_script(
        "local o = {} for i, k in ipairs(KEYS) do o[i] = redis.call('HGET', k, 'version') end "
        "return o"
    )
    one_xrange = client.register_script(
        "local o = {} for i, k in ipairs(KEYS) do o[i] = redis.call('XRANGE', k, '-', '+') end "
        "return o"
    )

    async def hgets() -> None:
        async with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hget(name, "version")
            await pipe.execute()

    async def xranges() -> None:
        async with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.xrange(name + ":s")
            await pipe.execute()

    streams = [n + ":s" for n in names]
    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        (f"pipeline of {keys} HGET", hgets),
        (f"one Lua call, {keys} HGET", lambda: one_hget(keys=names)),
        (f"pipeline of {keys} XRANGE", xranges),
        (f"one Lua call, {keys} XRANGE", lambda: one_xrange(keys=streams)),
    ]
    for label, run in cases:
        await run()
        start = time.process_time()
        for _ in range(repeat):
            await run()
        print(f"{label}: {(time.process_time() - start) / repeat / keys * 1e6:.2f} us a key")
    await client.delete(*names, *streams)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    client = app.redis_client("redis://127.0.0.1:6379/0")
    try:
        await worker_cost(client, args.incidents, args.rounds)
        await reply_cost(client)
    finally:
        await client.aclose()


if __name__ == "__main__":
    asyncio.run(main())
