"""The safety net's cost a text (not a test): `rules.scan` on chat lines, a report, a hit.

    .venv/bin/python -m benchmarks.net_bench [--label now] [--repeat 5]

The net reads every message a reporter writes (tipline.service), so its cost is on the
chat's hot path. For each text: the best of `--repeat` timeit runs of `rules.scan(text)`
(the RE2 prefilter, then the candidate patterns with their guards), in microseconds a
call; the set's build at the first scan is timed apart. Results go to
`benchmarks/results/net-<label>.json`. Run it from two checkouts in turn to compare
pattern sets (docs/classifier.md, "The safety net").
"""

from __future__ import annotations

import argparse
import functools
import json
import pathlib
import sys
import time
import timeit
from collections.abc import Sequence

RESULTS = pathlib.Path(__file__).parent / "results"
TEXTS = {
    "chat line (en)": "ok so he said he'd meet me after practice near the gym, is that normal?",
    "chat line (es)": "no se si decirle a la profe, me da miedo que se entere todo el salon",
    "report": (
        "there's a group of kids who keep taking my lunch and pushing me in the hallway "
        "between 3rd and 4th period, it's been going on for weeks and i don't know what to do"
    ),
    "a hit": "he has the gun with him NOW in the parking lot",
    "8,000 characters": ("the bus was late again and the wifi in the library is down. " * 134)[
        :8000
    ],
}


def measure(repeat: int) -> dict[str, float]:
    """Microseconds a `rules.scan` call for each text (best of `repeat`), and the first
    scan (which builds the prefilter) in milliseconds."""
    started = time.perf_counter()
    from classifiers import rules  # noqa: PLC0415 # the import is part of what is timed

    rules.scan("warm up")
    out = {"import and first scan (ms)": (time.perf_counter() - started) * 1000}
    out["patterns"] = float(len(rules.PATTERNS))
    for name, text in TEXTS.items():
        timer = timeit.Timer(functools.partial(rules.scan, text))
        number, _ = timer.autorange()
        best = min(timer.repeat(repeat=repeat, number=number)) / number
        out[name] = best * 1e6
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="now", help="names the results file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    figures = measure(args.repeat)
    for name, value in figures.items():
        unit = "" if name == "patterns" or name.endswith("(ms)") else " µs"
        sys.stdout.write(f"{name:<28} {value:10.1f}{unit}\n")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"net-{args.label}.json"
    path.write_text(json.dumps({k: round(v, 2) for k, v in figures.items()}, indent=1) + "\n")
    sys.stdout.write(f"saved {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
