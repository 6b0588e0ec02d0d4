"""Tipline in its own process for the benchmarks: `tipline serve` with the abuse limits
lifted (the benchmarks send far more than one honest person may) and nothing else changed.

Every other setting comes from the environment as for `tipline serve` (TIPLINE_REDIS_URL,
TIPLINE_KEY_PREFIX, TIPLINE_FANOUT, TIPLINE_CLASSIFIER, TIPLINE_DEMO_AGENT_TOKEN, ...;
TIPLINE_BENCH_CLAIM_TIMEOUT_S shortens the schools' claim timeout and re-page interval;
TIPLINE_BENCH_ARCHIVE=0 starts every part but the archive worker, to measure what writing
the record costs the chat path: the live writes still add their stream entries):

    .venv/bin/python -m benchmarks.bench_server [--port 0] [--profile FILE.prof]

It prints `READY <url>` once the classifier is loaded and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import dataclasses
import gc
import os
import signal
import sys
import time
from typing import Any

from tipline import app, logs, settings
from tipline.limits import Limits

UNLIMITED = 10**9


def bench_settings(port: int) -> settings.Settings:
    base = settings.load(config_path=None, host="127.0.0.1", port=port)
    limits = Limits(
        reports_per_connection=UNLIMITED,
        unproven_reports_per_school=UNLIMITED,
        messages_per_connection=UNLIMITED,
        messages_per_incident=UNLIMITED,
    )
    # TIPLINE_BENCH_CLAIM_TIMEOUT_S: the schools' claim timeout and re-page interval, so
    # that re-page deadlines fire within a run (benchmarks/failover_bench.py --reports).
    repage_s = os.environ.get("TIPLINE_BENCH_CLAIM_TIMEOUT_S")
    if not repage_s:
        return dataclasses.replace(base, limits=limits)
    quick = [
        dataclasses.replace(
            org,
            policy=dataclasses.replace(
                org.policy, claim_timeout_s=int(repage_s), repage_interval_s=int(repage_s)
            ),
        )
        for org in base.organizations
    ]
    return dataclasses.replace(base, limits=limits, organizations=tuple(quick))


LONG_PAUSE_S = 0.02
# TIPLINE_BENCH_GC_CENSUS=1 (with TIPLINE_BENCH_GC=1): before a young or middle pass over
# more than CENSUS_MIN young objects, print what they are, by type.
CENSUS = os.environ.get("TIPLINE_BENCH_GC_CENSUS") == "1"
CENSUS_MIN = 10_000


class GcPauses:
    """Durations of the garbage collector's passes per generation (TIPLINE_BENCH_GC=1); a
    pass over 20 ms is printed with its CPU time."""

    def __init__(self) -> None:
        self.started = self.cpu = 0.0
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            if CENSUS and info["generation"] < 2:
                young = gc.get_objects(generation=0)
                if len(young) > CENSUS_MIN:
                    kinds = collections.Counter(type(o).__qualname__ for o in young)
                    top = ", ".join(f"{k} {n}" for k, n in kinds.most_common(10))
                    print(f"gc census: {len(young):,} young: {top}", file=sys.stderr, flush=True)
                del young
            self.started, self.cpu = time.perf_counter(), time.thread_time()
            return
        pause = time.perf_counter() - self.started
        self.pauses[info["generation"]].append(pause)
        if pause > LONG_PAUSE_S:  # wall time against CPU time: work, or the CPU taken away?
            cpu = time.thread_time() - self.cpu
            print(
                f"gc gen{info['generation']} {pause * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms) "
                f"at {time.monotonic():.2f}, collected {info['collected']}",
                file=sys.stderr,
                flush=True,
            )

    def summary(self) -> str:
        parts = []
        for generation, pauses in self.pauses.items():
            if pauses:
                worst = max(pauses) * 1000
                total = sum(pauses) * 1000
                parts.append(
                    f"gen{generation}: {len(pauses)} passes, "
                    f"max {worst:.1f} ms, total {total:.0f} ms"
                )
        return "; ".join(parts)


async def loop_lag() -> None:
    """TIPLINE_BENCH_LAG=1: print every stall of the event loop over 20 ms (a 5 ms sleep that
    woke late), with the time and the garbage collector's counts, to find the p99's bursts."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.005)
        late = loop.time() - before - 0.005
        if late > 0.02:
            print(
                f"lag {late * 1000:.0f} ms at {time.monotonic():.2f} gc {gc.get_count()}",
                file=sys.stderr,
                flush=True,
            )


async def serve(port: int) -> None:
    config = bench_settings(port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if os.environ.get("TIPLINE_BENCH_ARCHIVE") == "0":
        app.PARTS = tuple(part for part in app.PARTS if part is not app.archiver)
    async with app.running(config) as running:
        # Triage exposes no event to wait on; this polls once, at start-up.
        while not running.triage.ready:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if os.environ.get("TIPLINE_BENCH_GC_FREEZE"):
            gc.freeze()  # what start-up built (the model, the app) is never collected
        pauses = GcPauses()
        if os.environ.get("TIPLINE_BENCH_GC"):
            gc.callbacks.append(pauses)
            tracked = len(gc.get_objects())
            print(f"gc: {tracked:,} tracked objects at start", file=sys.stderr, flush=True)
        lag = asyncio.create_task(loop_lag()) if os.environ.get("TIPLINE_BENCH_LAG") else None
        # As `tipline serve` does; TIPLINE_BENCH_GC_PACE=0 leaves the collector to itself.
        pace = float(os.environ.get("TIPLINE_BENCH_GC_PACE", str(app.GC_YOUNG_EVERY_S)))
        pacer = asyncio.create_task(app.pace_gc(pace)) if pace > 0 else None
        print(f"READY {running.url} engine={running.triage.engine_name}", flush=True)
        await stop.wait()
        if lag is not None:
            lag.cancel()
        if pacer is not None:
            pacer.cancel()
        if os.environ.get("TIPLINE_BENCH_GC"):
            tracked = len(gc.get_objects())
            print(
                f"gc pauses: {pauses.summary()}; {tracked:,} tracked objects at the end",
                file=sys.stderr,
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="Tipline server for the benchmarks")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--profile", default=None, help="write cProfile stats to this file")
    args = parser.parse_args()
    logs.setup(level="WARNING")
    app.tune_gc()  # as `tipline serve` does
    if os.environ.get("TIPLINE_BENCH_GC_THRESHOLD"):  # to try others, e.g. "700,10,10"
        gc.set_threshold(*(int(t) for t in os.environ["TIPLINE_BENCH_GC_THRESHOLD"].split(",")))
    # The event loop `tipline serve` runs on (uvloop unless TIPLINE_UVLOOP=0).
    with asyncio.Runner(loop_factory=app.loop_factory()) as runner:
        if not args.profile:
            runner.run(serve(args.port))
            return
        profiler = cProfile.Profile()
        profiler.runcall(runner.run, serve(args.port))
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
