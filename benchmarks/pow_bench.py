"""What a report's proof of work costs, per difficulty: in Python (a scripted flooder's
cost per core) and in Chromium (the reporter page's worker, what an honest student waits).

    .venv/bin/python -m benchmarks.pow_bench [--bits 12,14,16,18,20,21] [--samples 12]
        [--out benchmarks/results/pow-N.json]

Each sample is a fresh challenge solved from nonce 0, so the hashes a sample takes are
geometric around 2**bits and the spread is wide: the table gives the median, the mean and
the 90th percentile of the time, and the hash rate. Chromium runs headless with one worker
kept warm (as a page that files several reports would); loopback only, nothing leaves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import http.server
import json
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.async_api import async_playwright

from tipline import pow as proof_of_work

STATIC = Path(__file__).parents[1] / "realtime" / "static"
CHROMIUM = "/usr/bin/chromium"
BLANK = b"<!doctype html><title>pow bench</title>"


def challenges(bits: int, samples: int) -> list[str]:
    secret = proof_of_work.new_secret()
    return [
        proof_of_work.issue(
            secret=secret, org_code="DEMO", difficulty=bits, now=time.time(), ttl_s=900
        ).token
        for _ in range(samples)
    ]


def python_run(tokens: list[str], bits: int) -> list[tuple[float, int]]:
    """(seconds, hashes) of each sample, solved with tipline.pow.solve."""
    out = []
    for token in tokens:
        started = time.perf_counter()
        nonce = proof_of_work.solve(token, bits)
        out.append((time.perf_counter() - started, int(nonce) + 1))
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/bench.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(BLANK)
            return
        super().do_GET()

    def log_message(self, *_args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server() -> Iterator[str]:
    handler = functools.partial(_Handler, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_SOLVE = """async ({tokens, bits}) => {
  const worker = window.benchWorker || (window.benchWorker = new Worker('/pow-worker.js'));
  const out = [];
  for (const challenge of tokens) {
    const answer = await new Promise((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage({challenge, difficulty: bits});
    });
    if (!answer.ok) throw new Error('worker answer failed its own check');
    out.push([answer.ms / 1000, answer.hashes, answer.nonce]);
  }
  return out;
}"""


async def chromium_runs(plan: list[tuple[int, list[str]]]) -> dict[int, list[tuple[float, int]]]:
    results: dict[int, list[tuple[float, int]]] = {}
    with static_server() as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = await browser.new_page()
            await page.goto(url + "/bench.html")
            # Warm the worker's JIT as a page does with its first report.
            await page.evaluate(_SOLVE, {"tokens": challenges(14, 3), "bits": 14})
            for bits, tokens in plan:
                rows = await page.evaluate(_SOLVE, {"tokens": tokens, "bits": bits})
                for (_, _, nonce), token in zip(rows, tokens, strict=True):
                    assert (
                        proof_of_work.leading_zero_bits(proof_of_work.digest(token, nonce)) >= bits
                    )
                results[bits] = [(float(s), int(h)) for s, h, _ in rows]
            await browser.close()
    return results


def summary(rows: list[tuple[float, int]]) -> dict[str, float]:
    seconds = sorted(s for s, _ in rows)
    hashes = sum(h for _, h in rows)
    return {
        "median_s": statistics.median(seconds),
        "mean_s": statistics.fmean(seconds),
        "p90_s": seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))],
        "hashes_per_s": hashes / sum(seconds),
        "samples": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bits", default="12,14,16,18,20,21")
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/pow.json"))
    args = parser.parse_args()
    plan = [(int(b), challenges(int(b), args.samples)) for b in args.bits.split(",")]
    python = {bits: summary(python_run(tokens, bits)) for bits, tokens in plan}
    browser = {bits: summary(rows) for bits, rows in asyncio.run(chromium_runs(plan)).items()}
    print("| bits | hashes (mean) | Python median / mean / p90 | Chromium median / mean / p90 |")
    print("| --- | --- | --- | --- |")
    for bits, _ in plan:
        p, c = python[bits], browser[bits]
        print(
            f"| {bits} | {2**bits:,} | {p['median_s']:.3f} / {p['mean_s']:.3f} / {p['p90_s']:.3f} s"
            f" | {c['median_s']:.3f} / {c['mean_s']:.3f} / {c['p90_s']:.3f} s |"
        )
    rates = {
        k: round(statistics.fmean(v["hashes_per_s"] for v in d.values()))
        for k, d in (("python", python), ("chromium", browser))
    }
    print(f"hash rate: Python {rates['python']:,}/s, Chromium {rates['chromium']:,}/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"python": python, "chromium": browser, "rates": rates}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
