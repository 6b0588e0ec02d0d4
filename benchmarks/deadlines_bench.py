"""How late do durable deadlines fire, and what does sweeping cost?

Schedules N deadlines (default 10,000) due over a window of a few seconds, runs S sweepers
(separate Redis connections, as separate processes would have) with the production loop
`adapters.deadlines.run_sweeper`, and reports lateness (p50, p99, max), duplicates, and the
CPU the sweepers and the Redis server used while sweeping.

    .venv/bin/python -m benchmarks.deadlines_bench [--count 10000] [--spread 10]
        [--sweepers 2] [--interval 0.1] [--limit 200] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import statistics
import time
import uuid
from typing import Any

import redis.asyncio as aioredis

from adapters.deadlines import DeadlineStore, run_sweeper
from tipline.clock import SystemClock
from tipline.models import Deadline, DeadlineKind


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which due")
    parser.add_argument("--sweepers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.1, help="sweep interval, seconds")
    parser.add_argument("--limit", type=int, default=200, help="claim batch size")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    return parser.parse_args()


async def _redis_cpu(client: aioredis.Redis) -> float:
    info: dict[str, Any] = await client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def _schedule(store: DeadlineStore, count: int, start: dt.datetime, spread: float) -> None:
    deadlines = [
        Deadline(
            key=f"bench-{n}:repage",
            incident_id=f"bench-{n}",
            kind=DeadlineKind.REPAGE,
            due=start + dt.timedelta(seconds=spread * n / count),
        )
        for n in range(count)
    ]
    # Under 100 at a time: redis-py 8's default async pool raises beyond 100 connections.
    for chunk in range(0, count, 50):
        await asyncio.gather(*(store.schedule(d) for d in deadlines[chunk : chunk + 50]))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclasses.dataclass
class Run:
    """What one sweeping run measured."""

    fired: dict[str, list[float]]  # key -> lateness of each time it fired, ms
    cpu_s: float
    wall_s: float
    redis_cpu_s: float


async def _sweep(
    args: argparse.Namespace, stores: list[DeadlineStore], probe: aioredis.Redis, start: dt.datetime
) -> Run:
    clock = SystemClock()
    fired: dict[str, list[float]] = {}
    all_fired = asyncio.Event()

    async def handle(deadline: Deadline) -> None:
        late = (clock.now() - deadline.due).total_seconds() * 1000
        fired.setdefault(deadline.key, []).append(late)
        if len(fired) >= args.count:
            all_fired.set()

    stop = asyncio.Event()
    # Start the sweepers at the first due time, so CPU is measured over the sweeping only.
    await asyncio.sleep(max(0.0, (start - clock.now()).total_seconds()))
    cpu0, wall0, redis0 = time.process_time(), time.perf_counter(), await _redis_cpu(probe)
    tasks = [
        asyncio.create_task(run_sweeper(s, clock, handle, args.interval, stop, limit=args.limit))
        for s in stores
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_fired.wait(), timeout=args.spread + 30)
    stop.set()
    await asyncio.gather(*tasks)
    return Run(
        fired=fired,
        cpu_s=time.process_time() - cpu0,
        wall_s=time.perf_counter() - wall0,
        redis_cpu_s=await _redis_cpu(probe) - redis0,
    )


def _report(args: argparse.Namespace, schedule_s: float, run: Run) -> None:
    lateness = [ms for runs in run.fired.values() for ms in runs]
    fired = len(run.fired)
    print(
        f"deadlines={args.count} spread={args.spread}s sweepers={args.sweepers} "
        f"interval={args.interval}s limit={args.limit}"
    )
    print(f"scheduled {args.count} in {schedule_s:.2f}s ({args.count / schedule_s:,.0f}/s)")
    print(f"fired={fired} duplicates={len(lateness) - fired} missing={args.count - fired}")
    print(
        f"lateness ms: p50={statistics.median(lateness):.1f} p99={_pct(lateness, 0.99):.1f} "
        f"max={max(lateness):.1f}"
    )
    share = 100 * run.cpu_s / run.wall_s
    print(
        f"sweeper process CPU: {run.cpu_s:.2f}s over {run.wall_s:.1f}s wall ({share:.1f}% of a"
        f" core); redis-server CPU: {run.redis_cpu_s:.2f}s"
    )


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    clients = [aioredis.Redis.from_url(args.redis) for _ in range(args.sweepers + 1)]
    stores = [DeadlineStore(c, prefix) for c in clients[: args.sweepers]]
    # Far enough ahead that scheduling finishes before the first one is due.
    start = SystemClock().now() + dt.timedelta(seconds=5)
    t0 = time.perf_counter()
    await _schedule(stores[0], args.count, start, args.spread)
    schedule_s = time.perf_counter() - t0
    try:
        run = await _sweep(args, stores, clients[-1], start)
    finally:
        keys = [k async for k in clients[-1].scan_iter(match=f"{prefix}:*")]
        if keys:
            await clients[-1].delete(*keys)
        for client in clients:
            await client.aclose()
    _report(args, schedule_s, run)


if __name__ == "__main__":
    asyncio.run(main(_args()))
