"""Client CPU per store append: the message path's one Redis round trip, without the server.

N tasks share one client as the server's handlers do, each running the append script (with
a dedupe key and a budget, as `message:send` does) on its own incident; CPU of this process
per append is what redis-py costs on the hot path. redis-py's blocking pool, the store's
SemaphorePool, and the SemaphorePool with the store's auto-pipelining (adapters/redis_batch),
its batches as a pipeline of one script call each (`calls_per_script=1`, as before stop 30)
and as one script call for the batch (as shipped), alternately, in one run:

    .venv/bin/python -m benchmarks.redis_client_bench [--tasks 200] [--appends 40000]
        [--rounds 2] [--loop uvloop|asyncio]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
import redis.utils

from adapters import redis_messages
from adapters.redis_batch import ScriptBatcher
from adapters.redis_pool import SemaphorePool
from tipline import app

REDIS_URL = os.environ.get("TIPLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POOLS: dict[str, Any] = {
    "BlockingConnectionPool": aioredis.BlockingConnectionPool,
    "SemaphorePool": SemaphorePool,
    "SemaphorePool+pipelined": SemaphorePool,
    "SemaphorePool+batcher": SemaphorePool,
}


async def one(name: str, tasks: int, appends: int) -> str:
    pool_class = POOLS[name]
    pool = pool_class.from_url(
        REDIS_URL, max_connections=app.STORE_CONNECTIONS, timeout=2.0, socket_timeout=2.0
    )
    client = aioredis.Redis.from_pool(pool)
    script: Any = client.register_script(redis_messages._APPEND)
    if name.endswith("batcher"):
        script = ScriptBatcher(client, redis_messages._APPEND)
    elif name.endswith("pipelined"):
        script = ScriptBatcher(client, redis_messages._APPEND, calls_per_script=1)
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    keys = [
        [f"{prefix}:inc:{{{i}}}{s}" for s in ("", ":msgs", ":cids", ":rl:r")]
        + [f"{prefix}:archive"]
        for i in range(tasks)
    ]
    for k in keys:
        await client.hset(k[0], mapping={"last_seq": 0})
    failed = 0

    async def worker(i: int, n: int, start: int) -> None:
        nonlocal failed
        for j in range(start, start + n):
            args: list[str | int] = [
                f"r:{j}",
                "reporter",
                "hello there",
                "2026-01-01T00:00:00Z",
                10**9,
                60000,
                "",  # no responder
                "",
                f"inc-{i}",  # the incident, for the archive's entry
                "",  # plain text
                f"{j:08x}",  # the call's token
            ]
            try:
                await script(keys=keys[i], args=args)
            except redis.exceptions.ConnectionError:
                failed += 1

    try:
        await asyncio.gather(*(worker(i, 20, 0) for i in range(tasks)))  # connect, warm up
        per_task = appends // tasks
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(i, per_task, 20) for i in range(tasks)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        done = per_task * tasks
        return (
            f"{name:>22}: {cpu / done * 1e6:5.1f} us CPU per append, "
            f"{done / wall:6.0f} appends/s, {failed} failed 'No connection available'"
        )
    finally:
        found = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for at in range(0, len(found), 500):
            await client.delete(*found[at : at + 500])
        await client.aclose()


async def main(args: argparse.Namespace) -> None:
    for _ in range(args.rounds):
        for name in POOLS:
            print(await one(name, args.tasks, args.appends), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--appends", type=int, default=40000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    arguments = parser.parse_args()
    os.environ["TIPLINE_UVLOOP"] = "1" if arguments.loop == "uvloop" else "0"
    hiredis = redis.utils.HIREDIS_AVAILABLE
    print(f"loop {arguments.loop}, hiredis {hiredis}, load {os.getloadavg()[0]:.2f}")
    with asyncio.Runner(loop_factory=app.loop_factory()) as runner:
        runner.run(main(arguments))
