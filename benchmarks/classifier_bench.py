"""Classifier benchmark (not a test): ONNX Runtime against torch, side by side, in one run.

    .venv/bin/python -m benchmarks.classifier_bench [--reports 200] [--runtimes onnx,torch]
    .venv/bin/python -m benchmarks.classifier_bench --spin-ab [--reports 395]

Each runtime is measured in a fresh process (so memory and start-up are its own): the
cold start (imports, cache check, model, heads, language detector), quality on the
held-out set (what `tipline classify --eval` reports), one report at a time p50/p99, an
8,000-character report, throughput in batches, and resident memory. torch needs the
`train` extra. Run it on an otherwise idle machine; figures go into docs/classifier.md.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

RESULTS = pathlib.Path(__file__).parent / "results" / "classifier-runtime.json"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 1e6


def measure(runtime: str, reports: int, cache_dir: pathlib.Path) -> dict[str, object]:
    """Everything for one runtime, in this process (call it in a fresh one)."""
    started = time.perf_counter()
    import random  # noqa: PLC0415 # imports inside: the cold start counts them
    import resource  # noqa: PLC0415
    import statistics  # noqa: PLC0415

    from classifiers import corpus, evaluation, load_engine  # noqa: PLC0415

    engine = load_engine(
        model_dir=None,
        cache_dir=cache_dir,
        progress=lambda line: print(f"  [{runtime}] {line}", file=sys.stderr),
        runtime=runtime,  # type: ignore[arg-type]
    )
    cold = time.perf_counter() - started
    rss_loaded = _rss_mb()
    heldout = corpus.load(corpus.default_paths()[1])
    verdicts = engine.classify([row.text for row in heldout])
    report = evaluation.report_of(engine.name, "heldout", heldout, verdicts)
    texts = [row.text for row in heldout]
    random.Random(7).shuffle(texts)
    texts = (texts * (reports // max(1, len(texts)) + 1))[:reports]
    engine.classify(texts[:4])  # first-call allocations are not latency
    single = []
    for text in texts:
        began = time.perf_counter()
        engine.classify([text])
        single.append((time.perf_counter() - began) * 1000)
    long_text = ("he said he would bring it tomorrow and nobody listens to me. " * 140)[:8000]
    began = time.perf_counter()
    engine.classify([long_text])
    long_ms = (time.perf_counter() - began) * 1000
    throughput = {}
    for size in (16, 64):
        began = time.perf_counter()
        for start in range(0, len(texts), size):
            engine.classify(texts[start : start + size])
        throughput[size] = len(texts) / (time.perf_counter() - began)
    overall, other = report.overall, report.non_english
    return {
        "runtime": runtime,
        "cold_start_s": round(cold, 2),
        "rss_loaded_mb": round(rss_loaded),
        "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "p50_ms": round(statistics.median(single), 2),
        "p99_ms": round(_percentile(single, 0.99), 2),
        "long_report_ms": round(long_ms, 1),
        "reports_per_s_batch16": round(throughput[16]),
        "reports_per_s_batch64": round(throughput[64]),
        "heldout_reports": overall.size,
        "emergency_recall": round(overall.emergency_recall, 4),
        "emergency_precision": round(overall.emergency_precision, 4),
        "urgency_macro_f1": round(overall.urgency.macro_f1, 4),
        "category_macro_f1": round(overall.category.macro_f1, 4),
        "non_english_category_macro_f1": round(other.category.macro_f1, 4),
        "missed_emergencies": len(overall.missed),
    }


def spin_ab(reports: int, cache_dir: pathlib.Path, rounds: int = 20) -> dict[str, object]:
    """One report at a time through the engine with ONNX Runtime's threads sleeping between
    operators (shipped) and spinning inside a run, interleaved in one process in rounds,
    so that the load of a shared machine falls on both alike."""
    import statistics  # noqa: PLC0415

    from classifiers import corpus, load_engine, onnx_runtime  # noqa: PLC0415

    engine = load_engine(model_dir=None, cache_dir=cache_dir, progress=lambda _: None)
    folder = engine._encoder.model_dir
    encoders = {
        name: onnx_runtime.OnnxEncoder(folder, spin=spin)
        for name, spin in (("spinning", True), ("not spinning", False))
    }
    texts = [row.text for row in corpus.load(corpus.default_paths()[1])][:reports]
    times: dict[str, list[float]] = {name: [] for name in encoders}
    for encoder in encoders.values():
        engine._encoder = encoder
        engine.classify(texts[:4])
    step = -(-len(texts) // rounds)
    for start in range(0, len(texts), step):
        for name, encoder in encoders.items():
            engine._encoder = encoder
            for text in texts[start : start + step]:
                began = time.perf_counter()
                engine.classify([text])
                times[name].append((time.perf_counter() - began) * 1000)
    return {
        name: {"p50_ms": round(statistics.median(v), 2), "p90_ms": round(_percentile(v, 0.9), 2)}
        for name, v in times.items()
    }


ROWS = [
    ("cold start (imports, cache, model, heads, language)", "cold_start_s", "s"),
    ("resident memory once loaded", "rss_loaded_mb", "MB"),
    ("peak resident memory", "rss_peak_mb", "MB"),
    ("one report, p50", "p50_ms", "ms"),
    ("one report, p99", "p99_ms", "ms"),
    ("one 8,000-character report", "long_report_ms", "ms"),
    ("reports/s, batches of 16", "reports_per_s_batch16", ""),
    ("reports/s, batches of 64", "reports_per_s_batch64", ""),
    ("held-out emergency recall", "emergency_recall", ""),
    ("held-out emergency precision", "emergency_precision", ""),
    ("held-out urgency macro-F1", "urgency_macro_f1", ""),
    ("held-out category macro-F1", "category_macro_f1", ""),
    ("held-out non-English category macro-F1", "non_english_category_macro_f1", ""),
    ("missed emergencies", "missed_emergencies", ""),
]


def main() -> None:
    """Run each runtime in its own process, then print the table and save the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--runtimes", default="onnx,torch")
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: measure one runtime
    parser.add_argument(
        "--spin-ab", action="store_true", help="only: ONNX threads spinning or not, interleaved"
    )
    args = parser.parse_args()
    if args.spin_ab:
        print(json.dumps(spin_ab(args.reports, args.cache_dir)))
        return
    if args.one:
        print(json.dumps(measure(args.one, args.reports, args.cache_dir)))
        return
    results = []
    for runtime in args.runtimes.split(","):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.classifier_bench", "--one", runtime,
             "--reports", str(args.reports), "--cache-dir", str(args.cache_dir)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    names = [r["runtime"] for r in results]
    print("| figure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for label, key, unit in ROWS:
        print(f"| {label} | " + " | ".join(f"{r[key]} {unit}".strip() for r in results) + " |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    RESULTS.write_text(json.dumps({"date": stamp, "results": results}, indent=1) + "\n")
    print(f"saved {RESULTS}")


if __name__ == "__main__":
    main()
