"""Charts of the chat benchmark's JSON results as plain SVG (matplotlib is not installed).

    .venv/bin/python -m benchmarks.plot OUT_DIR RESULTS.json [RESULTS.json ...]

Writes `throughput.svg` (closed-loop msg/s against N pairs), `capacity.svg` (10^6 / server
CPU µs per message: what one whole core would carry) and `p99-<rate>.svg` (open-loop
p99 delivery latency against N pairs, log scale), one line per configuration, the median of
the repeats with a bar from the smallest to the largest run.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

COLOURS = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93"]
W, H, LEFT, BOTTOM, TOP, RIGHT = 640, 360, 70, 50, 30, 190

Series = dict[str, list[tuple[int, float, float, float]]]  # label -> (N, median, lo, hi)


def series(results: list[dict[str, Any]], pick: Callable[[dict[str, Any]], list[float]]) -> Series:
    out: Series = {}
    for r in results:
        values = pick(r)
        if values:
            point = (r["pairs"], statistics.median(values), min(values), max(values))
            out.setdefault(r["label"], []).append(point)
    return {k: sorted(v) for k, v in out.items()}


def chart(title: str, unit: str, data: Series, *, log: bool = False) -> str:
    xs = sorted({p[0] for points in data.values() for p in points})
    ys = [v for points in data.values() for p in points for v in p[1:] if v > 0]
    if not xs or not ys:
        return ""
    lo, hi = (min(ys), max(ys)) if log else (0.0, max(ys))
    f = (lambda v: math.log10(max(v, lo))) if log else (lambda v: v)
    y0, y1 = f(lo), f(hi) if f(hi) > f(lo) else f(lo) + 1

    def px(i: int) -> float:
        return LEFT + (W - LEFT - RIGHT) * (i + 0.5) / len(xs)

    def py(v: float) -> float:
        return H - BOTTOM - (H - BOTTOM - TOP) * (f(v) - y0) / (y1 - y0)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>',
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="black"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="black"/>',
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 12}" text-anchor="middle">N pairs</text>',
        f'<text x="14" y="{TOP - 8}">{unit}</text>',
    ]
    for i, x in enumerate(xs):
        parts.append(f'<text x="{px(i)}" y="{H - BOTTOM + 16}" text-anchor="middle">{x}</text>')
    for tick in _ticks(lo, hi, log):
        parts.append(f'<text x="{LEFT - 6}" y="{py(tick) + 4}" text-anchor="end">{tick:g}</text>')
        parts.append(
            f'<line x1="{LEFT}" y1="{py(tick)}" x2="{W - RIGHT}" y2="{py(tick)}" stroke="#ddd"/>'
        )
    for n, (label, points) in enumerate(data.items()):
        colour = COLOURS[n % len(COLOURS)]
        line = " ".join(f"{px(xs.index(x))},{py(m)}" for x, m, _, _ in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, m, a, b in points:
            cx = px(xs.index(x))
            parts.append(f'<line x1="{cx}" y1="{py(a)}" x2="{cx}" y2="{py(b)}" stroke="{colour}"/>')
            parts.append(f'<circle cx="{cx}" cy="{py(m)}" r="3" fill="{colour}"/>')
        ly = TOP + 18 * n + 10
        parts.append(
            f'<rect x="{W - RIGHT + 12}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(f'<text x="{W - RIGHT + 28}" y="{ly + 1}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _ticks(lo: float, hi: float, log: bool) -> Sequence[float]:
    if log:
        return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]
    step = 10 ** math.floor(math.log10(hi or 1)) / 2
    return [step * k for k in range(int(hi / step) + 2)]


def _p99_at(rate: str) -> Callable[[dict[str, Any]], list[float]]:
    def pick(result: dict[str, Any]) -> list[float]:
        return [m["p99_ms"] for m in result["open"].get(rate, [])]

    return pick


def main() -> None:
    out, files = Path(sys.argv[1]), sys.argv[2:]
    results = [r for f in files for r in json.loads(Path(f).read_text())["results"]]
    out.mkdir(parents=True, exist_ok=True)
    closed = series(results, lambda r: [m["rate"] for m in r["closed"]])
    (out / "throughput.svg").write_text(chart("Closed loop: delivered msg/s", "msg/s", closed))
    capacity = series(results, lambda r: [1e6 / m["server_cpu_us"] for m in r["closed"]])
    title = "CPU-bound capacity: 10^6 / server CPU µs per message"
    (out / "capacity.svg").write_text(chart(title, "msg/s per core", capacity))
    rates = sorted({rate for r in results for rate in r["open"]}, key=int)
    for rate in rates:
        data = series(results, _p99_at(rate))
        title = f"Open loop at {rate} msg/s: p99 delivery latency"
        (out / f"p99-{rate}.svg").write_text(chart(title, "ms (log)", data, log=True))


if __name__ == "__main__":
    main()
