"""Intake under a burst: a whole district reports at once after a threat spreads online.

Starts Tipline in its own process (with the ML classifier unless `--rules`, and Slack wired
to a fake Slack Web API in this process), connects a few agents to `/respond`, then files
`--reports` reports (default 300) from as many reporter connections spread evenly over
`--seconds` (default 10), a mix of emergencies, urgent and routine reports in several
languages. For each report it measures, from the moment `report:create` is sent:

- the ack (the incident is classified and stored, the receipt is back);
- `incident:new` at the first agent and at every agent;
- for emergencies, the `chat.postMessage` at the fake Slack that names the incident.

    .venv/bin/python -m benchmarks.intake_bench [--reports 300] [--seconds 10] [--agents 5]
        [--rules] [--repeat 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import Any

import aiohttp
import redis.asyncio as aioredis

from benchmarks import procstat
from benchmarks.lean_client import LeanClient
from tests.bot.fake_slack import FakeSlack, running_fake

REDIS_URL = os.environ.get("TIPLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# (text, the urgency a person would give it); ~20 % emergencies, ~30 % urgent.
TEXTS: list[tuple[str, str]] = [
    ("he has a gun in his backpack and says he will shoot people at lunch tomorrow", "emergency"),
    ("my friend just texted me she took a whole bottle of pills and wants to die", "emergency"),
    ("there is a fire in the chemistry lab and the alarm did not go off", "emergency"),
    ("tiene una pistola en la mochila y dice que va a disparar hoy en el recreo", "emergency"),
    ("I saw the post about shooting up the school on Friday, he named the time", "emergency"),
    ("I have been thinking about hurting myself lately but I don't have a plan", "urgent"),
    ("my stepdad hits me when he drinks and I am scared to go home this weekend", "urgent"),
    ("someone is sharing nude pictures of a girl in our class on snapchat", "urgent"),
    ("a guy keeps messaging me that I will regret it if I tell anyone", "urgent"),
    ("mon ami dit qu'il pense parfois à se faire du mal", "urgent"),
    ("kids are vaping in the second floor bathroom every single day", "routine"),
    ("someone stole my calculator from my locker during gym", "routine"),
    ("a group keeps making fun of my accent at lunch and it makes me sad", "routine"),
    ("people are cheating on the math test with their phones", "routine"),
    ("unos chicos se burlan de mí todos los días en el autobús", "routine"),
    ("the older kids push the sixth graders in the hallway between classes", "routine"),
    ("someone wrote mean things about my friend on the bathroom wall", "routine"),
]
WEIGHTS = [4 / 5] * 5 + [6 / 5] * 5 + [10 / 7] * 7


def _server(prefix: str, token: str, slack_url: str, rules: bool, data: str) -> Any:
    env = os.environ | {
        "TIPLINE_REDIS_URL": REDIS_URL,
        "TIPLINE_KEY_PREFIX": prefix,
        "TIPLINE_CLASSIFIER": "rules" if rules else "model",
        "TIPLINE_DEMO_AGENT_TOKEN": token,
        "TIPLINE_DATA_DIR": data,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_API_URL": slack_url,
        "TIPLINE_SLACK_CHANNEL": "C0BENCH",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_server"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


class Agents:
    """Agents on `/respond` that note when each incident reaches them."""

    def __init__(self, count: int) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.urgency: dict[str, str] = {}
        self.clients = [LeanClient("/respond", self._on_event) for _ in range(count)]

    async def _on_event(self, name: str, data: Any) -> None:
        if name == "incident:new":
            self.arrivals.setdefault(data["incident_id"], []).append(time.monotonic())
            self.urgency[data["incident_id"]] = data["urgency"]


async def _ignore(name: str, data: Any) -> None:
    return None


async def _report(
    session: aiohttp.ClientSession, url: str, at: float, text: str, out: dict[str, Any]
) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    client = LeanClient("/report", _ignore)
    connect_started = time.monotonic()
    await client.connect(session, url, {"org_code": "DEMO"})
    sent = time.monotonic()
    ack = await client.call("report:create", {"text": text})
    out.update(connect=sent - connect_started, sent=sent, acked=time.monotonic(), ack=ack)
    await client.close()


def _stats(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    ms = [v * 1000 for v in values]
    return (
        f"p50 {procstat.percentile(ms, 50):7.1f}  p99 {procstat.percentile(ms, 99):7.1f}  "
        f"max {max(ms):7.1f} ms  (n={len(ms)})"
    )


async def burst(args: argparse.Namespace, fake: FakeSlack, url: str, token: str) -> dict[str, Any]:
    agents = Agents(args.agents)
    rng = random.Random(args.seed)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for agent in agents.clients:
            await agent.connect(session, url, {"token": token})
        start = time.monotonic() + 0.5
        reports: list[dict[str, Any]] = [{} for _ in range(args.reports)]
        texts = rng.choices(TEXTS, weights=WEIGHTS, k=args.reports)
        tasks = [
            _report(session, url, start + args.seconds * n / args.reports, f"{t} ({n})", reports[n])
            for n, (t, _) in enumerate(texts)
        ]
        await asyncio.gather(*tasks)
        deadline = time.monotonic() + 15
        expected = {r["ack"]["incident_id"] for r in reports if r["ack"].get("ok")}
        # Arrivals are noted by the clients' reader tasks and the fake's handler; poll them.
        while time.monotonic() < deadline and (  # noqa: ASYNC110
            expected - agents.arrivals.keys() or _slack_missing(fake, agents, expected)
        ):
            await asyncio.sleep(0.1)
        for agent in agents.clients:
            await agent.close()
    return _measure(reports, agents, fake, [u for _, u in texts])


def _slack_posts(fake: FakeSlack) -> dict[str, float]:
    """Incident id -> when its first top-level post reached the fake."""
    first: dict[str, float] = {}
    for call in fake.posts(thread=False):
        body = json.dumps(call.args, ensure_ascii=False)
        for word in body.replace('"', " ").replace("*", " ").split():
            if word.startswith("TL-") and word not in first:
                first[word.rstrip(".,:;)")] = call.at
    return first


def _slack_missing(fake: FakeSlack, agents: Agents, expected: set[str]) -> bool:
    emergencies = {i for i in expected if agents.urgency.get(i) == "emergency"}
    return bool(emergencies - _slack_posts(fake).keys())


def _measure(
    reports: list[dict[str, Any]], agents: Agents, fake: FakeSlack, labels: list[str]
) -> dict[str, Any]:
    posts = _slack_posts(fake)
    ack, first, every, slack, connect = [], [], [], [], []
    urgencies: dict[str, int] = {}
    agreed = 0
    for report, label in zip(reports, labels, strict=True):
        connect.append(report["connect"])
        ack.append(report["acked"] - report["sent"])
        incident_id = report["ack"].get("incident_id")
        arrivals = agents.arrivals.get(incident_id or "", [])
        if arrivals:
            first.append(min(arrivals) - report["sent"])
            every.append(max(arrivals) - report["sent"])
        urgency = agents.urgency.get(incident_id or "", "?")
        urgencies[urgency] = urgencies.get(urgency, 0) + 1
        agreed += urgency == label
        if urgency == "emergency" and incident_id in posts:
            slack.append(posts[incident_id] - report["sent"])
    emergencies = urgencies.get("emergency", 0)
    return {
        "reports": len(reports),
        "acked_ok": sum(1 for r in reports if r["ack"].get("ok")),
        "urgencies": urgencies,
        "agreement_with_intended": agreed / max(len(reports), 1),
        "connect": connect,
        "ack": ack,
        "incident_new_first_agent": first,
        "incident_new_every_agent": every,
        "slack_post": slack,
        "emergencies_posted": f"{len(slack)}/{emergencies}",
    }


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    prefix, token = f"bench-{uuid.uuid4().hex[:10]}", f"bench-agent-{uuid.uuid4().hex}"
    results = []
    with tempfile.TemporaryDirectory(prefix="tipline-intake-") as data:
        async with running_fake() as fake:
            proc = _server(prefix, token, fake.url, args.rules, data)
            try:
                loop = asyncio.get_running_loop()
                assert proc.stdout is not None
                line = await loop.run_in_executor(None, proc.stdout.readline)
                if not line.startswith("READY"):
                    raise RuntimeError(f"server did not start: {line!r}")
                url, engine = line.split()[1], line.split()[2].removeprefix("engine=")
                print(f"server {url} {engine}", flush=True)
                for run in range(args.repeat):
                    fake.calls.clear()
                    cpu0 = procstat.cpu_seconds(proc.pid)
                    result = await burst(args, fake, url, token)
                    result["server_cpu_s"] = procstat.cpu_seconds(proc.pid) - cpu0
                    result["engine"] = engine
                    results.append(result)
                    _print(run, result)
            finally:
                proc.send_signal(signal.SIGTERM)
                await loop.run_in_executor(None, proc.wait)
                await _delete_keys(prefix)
    return results


def _save(path: str, args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"args": vars(args), "results": results}, out)


def _print(run: int, r: dict[str, Any]) -> None:
    print(
        f"run {run}: {r['acked_ok']}/{r['reports']} acked, urgencies {r['urgencies']}, "
        f"agreement with the intended urgency {r['agreement_with_intended']:.0%}, "
        f"server CPU {r['server_cpu_s']:.1f} s, engine {r['engine']}"
    )
    print(f"  connect                      {_stats(r['connect'])}")
    print(f"  report:create -> ack         {_stats(r['ack'])}")
    print(f"  -> incident:new, first agent {_stats(r['incident_new_first_agent'])}")
    print(f"  -> incident:new, every agent {_stats(r['incident_new_every_agent'])}")
    print(f"  -> Slack post (emergencies)  {_stats(r['slack_post'])}  {r['emergencies_posted']}")
    medians = [statistics.median(r["ack"])] if r["ack"] else []
    if medians:
        print(f"  median ack {medians[0] * 1000:.1f} ms", flush=True)


async def _delete_keys(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=2000)]
    for at in range(0, len(keys), 1000):
        await client.delete(*keys[at : at + 1000])
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--rules", action="store_true", help="the rules instead of the model")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    if args.out:
        _save(args.out, args, results)


if __name__ == "__main__":
    main()
