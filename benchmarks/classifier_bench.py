"""Classifier benchmark (not a test): cold start, latency, throughput, peak memory.

    .venv/bin/python benchmarks/classifier_bench.py [--reports 200] [--cache-dir .cache]

Run it on an otherwise idle machine; figures go into docs/classifier.md ("Performance").
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: cold start includes them

import argparse  # noqa: E402 - imported after the clock starts on purpose
import os  # noqa: E402
import pathlib  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402

import torch  # noqa: E402

from classifiers import corpus, load_engine  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    """Measure and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    parser.add_argument("--model-dir", type=pathlib.Path, default=None)
    args = parser.parse_args()

    engine = load_engine(model_dir=args.model_dir, cache_dir=args.cache_dir, progress=print)
    cold = time.perf_counter() - STARTED
    texts = [row.text for row in corpus.load(corpus.default_paths()[1])]
    random.Random(7).shuffle(texts)
    texts = (texts * (args.reports // max(1, len(texts)) + 1))[: args.reports]
    engine.classify(texts[:4])  # warm-up: first-call allocations are not latency

    single = []
    for text in texts:
        began = time.perf_counter()
        engine.classify([text])
        single.append((time.perf_counter() - began) * 1000)
    long_text = ("he said he would bring it tomorrow and nobody listens to me. " * 140)[:8000]
    began = time.perf_counter()
    engine.classify([long_text])
    long_ms = (time.perf_counter() - began) * 1000

    print(f"machine: {os.cpu_count()} cpus, torch threads {torch.get_num_threads()}")
    print(f"cold start (imports + conversion check + model + heads + lingua): {cold:.1f} s")
    print(
        f"single report ({len(single)} heldout texts): p50 {statistics.median(single):.1f} ms, "
        f"p99 {_percentile(single, 0.99):.1f} ms, max {max(single):.1f} ms"
    )
    print(f"one 8,000-character report (capped at 256 tokens): {long_ms:.1f} ms")
    for size in (16, 64):
        began = time.perf_counter()
        for start in range(0, len(texts), size):
            engine.classify(texts[start : start + size])
        elapsed = time.perf_counter() - began
        print(f"throughput, batches of {size}: {len(texts) / elapsed:.0f} reports/s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
