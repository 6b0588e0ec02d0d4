"""The chat benchmark's charts as PNG with matplotlib (the `bench` extra: `make plots`).

    .venv/bin/python -m benchmarks.plot_png OUT_DIR RESULTS.json [RESULTS.json ...]

The same three charts as `benchmarks.plot` (SVG, no dependency): closed-loop throughput,
CPU-bound capacity and open-loop p99 against N pairs, one line per configuration, the median
of the repeats with a bar from the smallest to the largest run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

from benchmarks.plot import Series, _p99_at, series


def chart(path: Path, title: str, unit: str, data: Series, *, log: bool = False) -> None:
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    for label, points in data.items():
        xs = [p[0] for p in points]
        medians = [p[1] for p in points]
        below = [p[1] - p[2] for p in points]
        above = [p[3] - p[1] for p in points]
        axes.errorbar(xs, medians, yerr=[below, above], marker="o", capsize=3, label=label)
    axes.set_title(title)
    axes.set_xlabel("N pairs (2N websockets)")
    axes.set_ylabel(unit)
    if log:
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    out, files = Path(sys.argv[1]), sys.argv[2:]
    results: list[dict[str, Any]] = [
        r for f in files for r in json.loads(Path(f).read_text())["results"]
    ]
    out.mkdir(parents=True, exist_ok=True)
    closed = series(results, lambda r: [m["rate"] for m in r["closed"]])
    chart(out / "throughput.png", "Closed loop: delivered msg/s", "msg/s", closed)
    capacity = series(results, lambda r: [1e6 / m["server_cpu_us"] for m in r["closed"]])
    chart(out / "capacity.png", "CPU-bound capacity (10^6 / server CPU µs per message)",
          "msg/s per core", capacity)  # fmt: skip
    for rate in sorted({rate for r in results for rate in r["open"]}, key=int):
        chart(out / f"p99-{rate}.png", f"Open loop at {rate} msg/s: p99 delivery latency",
              "ms (log)", series(results, _p99_at(rate)), log=True)  # fmt: skip


if __name__ == "__main__":
    main()
