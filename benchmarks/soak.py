"""Soak: minutes of mixed traffic with clients joining and leaving; memory and fds stay flat.

Starts `tipline serve` as a child process (real Redis on 127.0.0.1:6379 under its own key
prefix, deleted afterwards), then runs waves of reporters and responders that connect, file
reports, chat, resume with receipts and disconnect. Every `--sample` seconds it reads the
server's RSS and open file descriptors from /proc. At the end it prints the samples, the
growth between the first and last third, and every error line of the server's log.

    .venv/bin/python -m benchmarks.soak --minutes 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis.asyncio as aioredis
import socketio

from tests.procs import free_port

AGENT_TOKEN = "soak-agent-token-of-the-demo"  # noqa: S105  (a throwaway demo token)
TEXTS = ["someone keeps pushing me at the bus stop", "kids vaping in the 2nd floor bathroom",
         "my friend said she wants to die", "he said he would bring a knife tomorrow"]  # fmt: skip


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def reporter_session(url: str, stats: dict[str, int]) -> None:
    """One reporter: connect, report, chat a little, leave, come back with the receipt."""
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(url, namespaces=["/report"], auth={"org_code": "DEMO"},
                             transports=["websocket"])  # fmt: skip
        ack = await client.call(
            "report:create", {"text": random.choice(TEXTS)}, namespace="/report"
        )
        stats["reports"] += 1
        for i in range(random.randint(1, 4)):
            await client.call("message:send", {"text": f"more {i}", "client_id": uuid.uuid4().hex},
                              namespace="/report")  # fmt: skip
            stats["messages"] += 1
        await client.disconnect()
        await client.connect(url, namespaces=["/report"], auth={"receipt": ack["receipt"]},
                             transports=["websocket"])  # fmt: skip
        await client.call("messages:since", {"after_seq": 0}, namespace="/report")
        stats["resumes"] += 1
    except Exception:
        stats["client_errors"] += 1
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()


async def responder_session(url: str, stats: dict[str, int]) -> None:
    """One responder: connect, list, join and answer the newest incident, leave."""
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(url, namespaces=["/respond"], auth={"token": AGENT_TOKEN},
                             transports=["websocket"])  # fmt: skip
        listed = await client.call("incident:list", {"status": "open"}, namespace="/respond")
        if listed["incidents"]:
            incident_id = listed["incidents"][0]["incident_id"]
            await client.call("incident:join", {"incident_id": incident_id}, namespace="/respond")
            await client.call("message:send", {"incident_id": incident_id, "text": "we hear you",
                              "client_id": uuid.uuid4().hex}, namespace="/respond")  # fmt: skip
            stats["messages"] += 1
    except Exception:
        stats["client_errors"] += 1
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()


async def soak(minutes: float, sample_s: float, concurrency: int, wave_interval: float) -> int:
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    port = free_port()
    log_file = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    env |= {"TIPLINE_REDIS_URL": "redis://127.0.0.1:6379/0", "TIPLINE_KEY_PREFIX": prefix,
            "TIPLINE_CLASSIFIER": "rules", "TIPLINE_DEMO_AGENT_TOKEN": AGENT_TOKEN}  # fmt: skip
    command = [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port)]
    # Started once, before any traffic: blocking for a moment here measures nothing.
    server = subprocess.Popen(  # noqa: ASYNC220
        command, stdout=subprocess.DEVNULL, stderr=log_file, env=env
    )
    url = f"http://127.0.0.1:{port}"
    stats = {"reports": 0, "messages": 0, "resumes": 0, "client_errors": 0}
    samples: list[tuple[float, int, int]] = []
    try:
        await asyncio.sleep(3)  # the server's start-up; the soak itself polls nothing
        started = time.monotonic()
        next_sample = started
        while time.monotonic() - started < minutes * 60:
            wave = [reporter_session(url, stats) for _ in range(concurrency)]
            wave += [responder_session(url, stats) for _ in range(max(1, concurrency // 4))]
            wave_started = time.monotonic()
            await asyncio.gather(*wave)
            # Pace the waves: honest traffic stays under the abuse limits (600 reports a
            # minute per school), which would otherwise refuse it (tipline/limits.py).
            await asyncio.sleep(max(0.0, wave_interval - (time.monotonic() - wave_started)))
            if time.monotonic() >= next_sample:
                samples.append(
                    (time.monotonic() - started, rss_kib(server.pid), open_fds(server.pid))
                )
                next_sample += sample_s
    finally:
        server.terminate()
        server.wait(30)
        client = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    log_file.seek(0)
    errors = [ln for ln in log_file if '"level": "error"' in ln or "Traceback" in ln]
    third = max(1, len(samples) // 3)
    first = statistics.mean(s[1] for s in samples[:third])
    last = statistics.mean(s[1] for s in samples[-third:])
    report = {
        "minutes": minutes, "concurrency": concurrency, **stats,
        "rss_kib_first_third": round(first), "rss_kib_last_third": round(last),
        "rss_growth_pct": round(100 * (last - first) / first, 1),
        "fds_first": samples[0][2], "fds_last": samples[-1][2],
        "fds_max": max(s[2] for s in samples),
        "server_error_lines": len(errors),
    }  # fmt: skip
    print("t_s\trss_kib\tfds")
    for t, rss, fds in samples:
        print(f"{t:.0f}\t{rss}\t{fds}")
    print(json.dumps(report, indent=2))
    for line in errors[:20]:
        print("ERROR LINE:", line.strip())
    return 0 if not errors and stats["client_errors"] == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--concurrency", type=int, default=12, help="reporters per wave")
    parser.add_argument("--wave-interval", type=float, default=2.0, help="seconds per wave")
    args = parser.parse_args()
    return asyncio.run(soak(args.minutes, args.sample, args.concurrency, args.wave_interval))


if __name__ == "__main__":
    raise SystemExit(main())
