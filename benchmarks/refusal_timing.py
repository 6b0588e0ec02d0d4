"""How long an admin's `not_found` takes for another school's real incident and for a made-up
id (issue #19, item 10): `python -m benchmarks.refusal_timing [samples]`.

One in-process server on the Redis of TIPLINE_BENCH_REDIS_URL (a fresh key prefix, deleted
afterwards), the rules classifier, one DEMO incident that an agent has joined (so the process
knows its school), and an admin of another school who asks about it and about a made-up id,
alternately, `samples` times per event. Prints the median and p90 round trip of each, in µs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
import sys
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
import socketio

from tipline import app, credentials, demo, models, settings

REDIS_URL = os.environ.get("TIPLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
MADE_UP = "TL-ZZZZZZZZZZ"
EVENTS: dict[str, dict[str, Any]] = {
    "messages:since": {"after_seq": 0},
    "incident:join": {},
    "incident:step": {"action": "law_enforcement"},
}


def bench_settings(prefix: str) -> settings.Settings:
    base = settings.load(
        config_path=None,
        env={
            "TIPLINE_REDIS_URL": REDIS_URL,
            "TIPLINE_KEY_PREFIX": prefix,
            "TIPLINE_CLASSIFIER": "rules",
            "TIPLINE_DATA_DIR": f"/tmp/{prefix}",  # noqa: S108  (the demo key of this run)
            "TIPLINE_DEMO_AGENT_TOKEN": f"agent-{prefix}",
            "TIPLINE_SWEEP_INTERVAL_S": "3600",
        },
        host="127.0.0.1",
        port=0,
    )
    other = dataclasses.replace(demo.organization(), code="OTHER", name="Other School")
    admin = models.Responder(
        responder_id="other-admin", name="Other", role=models.Role.ADMIN, org_code="OTHER"
    )
    seed = settings.ResponderSeed(admin, credentials.token_hash(f"other-admin-{prefix}"))
    return dataclasses.replace(base, organizations=(*base.organizations, other), responders=(seed,))


async def client(url: str, namespace: str, auth: dict[str, str]) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"])
    return sio


async def timed(sio: socketio.AsyncClient, event: str, payload: dict[str, Any]) -> float:
    started = time.perf_counter()
    ack = await sio.call(event, payload, namespace="/respond", timeout=10)
    elapsed = time.perf_counter() - started
    assert ack["error"]["code"] == "not_found", ack
    return elapsed * 1e6


async def measure(samples: int) -> None:
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    async with app.running(bench_settings(prefix)) as running:
        while not running.triage.ready:  # noqa: ASYNC110  (a flag another task sets)
            await asyncio.sleep(0.05)
        reporter = await client(running.url, "/report", {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "a fight after school"}, "/report")
        agent = await client(running.url, "/respond", {"token": f"agent-{prefix}"})
        await agent.call("incident:join", {"incident_id": filed["incident_id"]}, "/respond")
        other = await client(running.url, "/respond", {"token": f"other-admin-{prefix}"})
        print(f"{'event':<16} {'real median':>12} {'made-up median':>15} {'real p90':>9} "
              f"{'made-up p90':>12}  (µs, {samples} samples each)")  # fmt: skip
        for event, extra in EVENTS.items():
            real: list[float] = []
            made_up: list[float] = []
            for _ in range(samples // 10):  # warm up
                await timed(other, event, {"incident_id": MADE_UP, **extra})
            for _ in range(samples):
                real.append(
                    await timed(other, event, {"incident_id": filed["incident_id"]} | extra)
                )
                made_up.append(await timed(other, event, {"incident_id": MADE_UP, **extra}))
            print(
                f"{event:<16} {statistics.median(real):>12.0f} {statistics.median(made_up):>15.0f}"
                f" {statistics.quantiles(real, n=10)[-1]:>9.0f}"
                f" {statistics.quantiles(made_up, n=10)[-1]:>12.0f}"
            )
        for sio in (reporter, agent, other):
            await sio.disconnect()
    redis = aioredis.Redis.from_url(REDIS_URL)
    keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 400))
