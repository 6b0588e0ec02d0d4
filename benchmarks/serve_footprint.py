"""`tipline serve` as a district would run it (not a test): time to ready, and its memory.

    .venv/bin/python -m benchmarks.serve_footprint [--runs 3] [--cache-dir .cache]

Starts `tipline serve` in demo mode (embedded Redis and PostgreSQL in a fresh data
directory, the classifier's cache warm), polls `/healthz` until the classifier is ready,
then reads the resident memory of the tipline process, of its archive worker process
(`tipline archive`, the default since stop 31) and of its embedded Redis and PostgreSQL
processes from /proc, and stops it with SIGTERM. Prints one line a run and
saves benchmarks/results/serve-footprint.json; docs/classifier.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

RESULTS = pathlib.Path(__file__).parent / "results" / "serve-footprint.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * 4096 / 1e6
    except OSError:
        return 0.0


def _descendants(pid: int) -> list[int]:
    out = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            child = int(entry.name)
            out += [child, *_descendants(child)]
    return out


def _is_archive_worker(pid: int) -> bool:
    try:
        argv = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"tipline.cli" in argv and b"archive" in argv


def _healthz(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
            return dict(json.loads(reply.read()))
    except urllib.error.HTTPError as refused:  # 503 while loading: still an answer
        return dict(json.loads(refused.read()))
    except (OSError, ValueError):
        return None


def one_run(cache_dir: pathlib.Path) -> dict[str, float]:
    """Start, wait for ready, measure, stop."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="tipline-footprint-") as data:
        env = dict(os.environ, TIPLINE_DATA_DIR=data, TIPLINE_CACHE_DIR=str(cache_dir))
        began = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        listening = ready = None
        try:
            while time.perf_counter() - began < 120:
                health = _healthz(port)
                if health is not None and listening is None:
                    listening = time.perf_counter() - began
                if health is not None and health.get("triage") == "ready":
                    ready = time.perf_counter() - began
                    break
                time.sleep(0.05)
            if ready is None:
                raise RuntimeError("tipline serve was not ready within 120 s")
            time.sleep(2)  # let start-up garbage settle before reading memory
            children = _descendants(proc.pid)
            tipline_mb = _rss_mb(proc.pid)
            workers = [pid for pid in children if _is_archive_worker(pid)]
            worker_mb = sum(_rss_mb(pid) for pid in workers)
            others_mb = sum(_rss_mb(pid) for pid in children if pid not in workers)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    return {
        "listening_s": round(listening or 0.0, 2),
        "classifier_ready_s": round(ready, 2),
        "tipline_rss_mb": round(tipline_mb),
        "archive_worker_rss_mb": round(worker_mb),
        "tipline_with_worker_rss_mb": round(tipline_mb + worker_mb),
        "embedded_redis_postgres_rss_mb": round(others_mb),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache-dir", type=pathlib.Path, default=pathlib.Path(".cache"))
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        runs.append(one_run(args.cache_dir.resolve()))
        print(runs[-1])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "runs": runs}, indent=1))
    print(f"saved {RESULTS}")


if __name__ == "__main__":
    main()
