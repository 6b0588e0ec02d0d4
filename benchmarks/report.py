"""Markdown tables from the chat benchmark's JSON results (for docs/performance.md).

    .venv/bin/python -m benchmarks.report RESULTS.json [RESULTS.json ...]

Every figure is the median of the repeats, with the smallest and largest run in brackets.
"CPU-bound capacity" is 10^6 / server CPU µs per message: the messages a second one fully
available core would carry, a figure that other work on a shared machine disturbs far less
than the measured throughput (which is bounded by the share of CPU the server got).
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def spread(values: Sequence[float], fmt: str = "{:,.0f}") -> str:
    if not values:
        return "n/a"
    median = fmt.format(statistics.median(values))
    if len(values) == 1:
        return median
    return f"{median} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def closed_table(results: list[dict[str, Any]]) -> list[str]:
    base = {(r["pairs"], r.get("loop", "uvloop")): r for r in results if r["kind"] == "baseline"}
    rows = [
        "| configuration | N pairs | closed loop msg/s | vs baseline | server CPU µs/msg "
        "| CPU-bound capacity msg/s | vs baseline | client CPU µs/msg | Redis CPU µs/msg "
        "| server core used | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        runs = r["closed"]
        rate = statistics.median(m["rate"] for m in runs)
        cpu = statistics.median(m["server_cpu_us"] for m in runs)
        b = base.get((r["pairs"], r.get("loop", "uvloop")))
        b_rate = statistics.median(m["rate"] for m in b["closed"]) if b else float("nan")
        b_cpu = statistics.median(m["server_cpu_us"] for m in b["closed"]) if b else float("nan")
        rows.append(
            f"| {r['label']} | {r['pairs']:,} | {spread([m['rate'] for m in runs])} "
            f"| {rate / b_rate:.0%} | {spread([m['server_cpu_us'] for m in runs])} "
            f"| {1e6 / cpu:,.0f} | {b_cpu / cpu:.0%} "
            f"| {spread([m['client_cpu_us'] for m in runs])} "
            f"| {spread([m['redis_cpu_us'] for m in runs])} "
            f"| {spread([m['server_cpu_util'] for m in runs], '{:.2f}')} "
            f"| {spread([m['load_avg'] for m in runs], '{:.1f}')} |"
        )
    return rows


def open_table(results: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| configuration | N pairs | offered msg/s | delivered | p50 ms | p99 ms | max ms "
        "| failed (`unavailable`) | duplicates | server CPU µs/msg | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for rate, runs in r["open"].items():
            rows.append(
                f"| {r['label']} | {r['pairs']:,} | {int(rate):,} "
                f"| {spread([m['delivered'] / max(m['sent'], 1) * 100 for m in runs], '{:.0f} %')} "
                f"| {spread([m['p50_ms'] for m in runs], '{:,.1f}')} "
                f"| {spread([m['p99_ms'] for m in runs], '{:,.1f}')} "
                f"| {spread([m['max_ms'] for m in runs], '{:,.1f}')} "
                f"| {spread([m['acks_err'] for m in runs])} "
                f"| {sum(m['duplicates'] for m in runs)} "
                f"| {spread([m['server_cpu_us'] for m in runs])} "
                f"| {spread([m['load_avg'] for m in runs], '{:.1f}')} |"
            )
    return rows


def memory_table(results: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| configuration | N pairs | connections | idle KiB/connection "
        "| after traffic KiB/connection | set-up s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows.append(
            f"| {r['label']} | {r['pairs']:,} | {2 * r['pairs']:,} "
            f"| {r['idle_kib_per_conn']:.1f} | {r['active_kib_per_conn']:.1f} "
            f"| {r['setup_s']:.1f} |"
        )
    return rows


def main() -> None:
    results = [r for f in sys.argv[1:] for r in json.loads(Path(f).read_text())["results"]]
    for table in (closed_table, open_table, memory_table):
        print("\n".join(table(results)), end="\n\n")


if __name__ == "__main__":
    main()
