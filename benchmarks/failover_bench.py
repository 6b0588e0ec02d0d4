"""Failover under chat load: SIGKILL of the Redis primary at a steady message rate.

Starts a primary, a replica and three Sentinels (tests/redis_sentinels.py: real
`redis-server` processes on loopback ports, down-after-milliseconds 1000), one
`tipline serve` (benchmarks/bench_server.py, abuse limits lifted) on the
`redis+sentinel://` URL, and reporters that each filed a report and then send
`message:send` at `--rate` messages a second in all. Every refused send is retried with the
same `client_id` after 50 ms, as a client does. After `--before` seconds the primary is
killed, and started again `--restart-after` seconds after the replica's promotion (as an
operator or supervisor would: it comes back empty and the Sentinels make it a replica of
the promoted one; with `--min-replicas 1` and
one replica, no write can be acknowledged until it has); the run goes on for `--after`
seconds past the first acknowledgement after the kill.

    .venv/bin/python -m benchmarks.failover_bench [--rate 500] [--reporters 20]
        [--before 5] [--after 8] [--replicas 1] [--min-replicas 1] [--restart-after 1]
        [--reports-per-s 2] [--repage-s 10] [--out FILE.json]

Reports go in too (`--reports-per-s`, 0: none): emergencies filed by four more reporters
at that rate throughout, each retried with its client id until acknowledged, with the
Slack bot on against a fake Slack Web API in this process (tests/bot/fake_slack.py,
answering each call after 0.2 s) and the schools' claim timeout and re-page interval
shortened to `--repage-s` (so re-page deadlines are pending at the kill and fire around
it). At the end an agent claims every report (which ends its re-pages) and, once the Slack
outbox and the effects outbox are empty, it counts: reports acknowledged and lost (no
incident) or duplicated (incidents beyond one a client id); per incident the channel posts
(one each: missing, duplicated), the re-page steps and any two closer than 0.9 of the
interval (a deadline that fired twice), and the thread lines against the steps (each
re-page's alert and line, the claim's line: once each).

`--chat PAIRS` measures what WAIT costs instead: a primary and a replica (no Sentinel), and
benchmarks/chat_bench.py on the primary, relay and Tipline in one run, once with
TIPLINE_REDIS_MIN_REPLICAS=0 and once with 1 (`--out` is the prefix of its two files).

It prints, and writes with --out: the Sentinels' failover time (kill to the replica named
primary), how long sends were refused (kill to the last refusal), the refused attempts and
the messages they touched, the acknowledgement delay of the messages sent before, during and
after, and the check afterwards: every acknowledged message in the history exactly once,
in order, with seqs without a gap.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import socketio

from adapters.effects_outbox import RedisEffectsOutbox
from adapters.redis_keys import Keys
from adapters.slack_outbox import RedisSlackOutbox
from tests.bot.fake_slack import FakeSlack, blocks_text, running_fake
from tests.redis_sentinels import Group, replicated, sentinel_group
from tipline import app

RETRY_S = 0.05
GIVE_UP_S = 60.0
EMERGENCY = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"
AGENT_TOKEN = "failover-bench-agent-token"  # noqa: S105 - the demo agent of its own server
FILERS = 4  # reporters that file the reports
SETTLE_S = 60.0  # how long the outboxes may take to empty at the end


async def _restart(group: Group, after_s: float, promoted: asyncio.Future[float]) -> None:
    """Start the killed primary again `after_s` after the replica's promotion. Not before:
    without persistence it comes back empty, and back before the Sentinels gave up on it, it
    would stay the primary and its replica would copy the emptiness (Redis's documentation
    warns against restarting such a primary by itself)."""
    if after_s >= 0:
        await promoted
        await asyncio.sleep(after_s)
        await asyncio.to_thread(group.primary.restart)


@dataclasses.dataclass(slots=True)
class Sent:
    """One message: when it was due, when it was acknowledged, how often refused."""

    text: str
    due: float
    first_sent: float = 0.0
    acked: float = 0.0
    seq: int = 0
    refused: int = 0
    first_refused: float = 0.0
    last_refused: float = 0.0


@dataclasses.dataclass(slots=True)
class Reporter:
    sio: socketio.AsyncClient
    name: str
    sent: list[Sent] = dataclasses.field(default_factory=list)


async def _call(sio: socketio.AsyncClient, event: str, data: Any) -> Any:
    return await sio.call(event, data, namespace="/report", timeout=15)


async def connect(url: str, name: str) -> Reporter:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        url, namespaces=["/report"], auth={"org_code": "DEMO"}, transports=["websocket"]
    )
    client_id = f"report-{name}-{uuid.uuid4().hex[:12]}"
    filed = await _call(
        sio, "report:create", {"text": f"bench report {name}", "client_id": client_id}
    )
    if not filed.get("ok"):
        raise RuntimeError(f"report:create refused: {filed}")
    return Reporter(sio=sio, name=name)


async def send_at(reporter: Reporter, rate: float, stop_at: list[float]) -> None:
    """Send at `rate` a second (one in flight: a message late behind a refusal is sent at
    once when its turn comes), retrying a refusal with the same client id."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    while loop.time() < stop_at[0]:
        due = start + n / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        sent = Sent(text=f"{reporter.name} {n}", due=due, first_sent=loop.time())
        reporter.sent.append(sent)
        while True:
            ack = await _call(
                reporter.sio, "message:send", {"text": sent.text, "client_id": sent.text}
            )
            now = loop.time()
            if ack.get("ok"):
                sent.acked, sent.seq = now, int(ack["seq"])
                break
            if ack["error"]["code"] != "unavailable":
                raise RuntimeError(f"message:send refused with {ack}")
            sent.refused += 1
            sent.first_refused = sent.first_refused or now
            sent.last_refused = now
            await asyncio.sleep(RETRY_S)
        n += 1


@dataclasses.dataclass(slots=True)
class Filed:
    """One report: its client id, and once acknowledged its incident."""

    client_id: str
    incident_id: str = ""
    refused: int = 0


async def file_at(sio: socketio.AsyncClient, name: str, rate: float, stop_at: list[float],
                  filed: list[Filed]) -> None:  # fmt: skip
    """File an emergency at `rate` a second, each retried with its client id until
    acknowledged."""
    loop = asyncio.get_running_loop()
    start, n = loop.time(), 0
    while loop.time() < stop_at[0]:
        due = start + n / rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        report = Filed(client_id=f"failover-bench-{name}-{n:06d}")
        filed.append(report)
        while True:
            payload = {"text": EMERGENCY, "client_id": report.client_id}
            ack = await _call(sio, "report:create", payload)
            if ack.get("ok"):
                report.incident_id = str(ack["incident_id"])
                break
            if ack["error"]["code"] != "unavailable":
                raise RuntimeError(f"report:create refused with {ack}")
            report.refused += 1
            await asyncio.sleep(RETRY_S)
        n += 1


async def check_reports(
    group: Group,
    url: str,
    *,
    prefix: str,
    filed: list[Filed],
    fake: FakeSlack,
    repage_s: float,
    others: int,
) -> dict[str, Any]:
    """Claim every report, wait for both outboxes to empty, then count (module docstring)."""
    acked = [f for f in filed if f.incident_id]
    ids = sorted({f.incident_id for f in acked})
    agent = socketio.AsyncClient(reconnection=False)
    await agent.connect(
        url, namespaces=["/respond"], auth={"token": AGENT_TOKEN}, transports=["websocket"]
    )
    for incident_id in ids:
        while True:
            claim = {"incident_id": incident_id}
            if (await agent.call("incident:claim", claim, namespace="/respond"))["ok"]:
                break
            await asyncio.sleep(RETRY_S)
    await agent.disconnect()
    client = app.redis_client(group.url)
    slack = RedisSlackOutbox(client, prefix=prefix)
    effects = RedisEffectsOutbox(client, prefix=prefix)
    keys = Keys(prefix)
    loop = asyncio.get_running_loop()
    settle_by = loop.time() + SETTLE_S
    try:
        while await slack.pending() or await effects.pending():
            if loop.time() > settle_by:
                break
            await asyncio.sleep(0.2)
        left = {
            "slack_jobs_left": await slack.pending(),
            "effects_left": await effects.pending(),
            "deadlines_held": int(await client.hlen(f"{prefix}:deadlines:held")),
        }
        stored = {i: await client.lrange(keys.steps(i), 0, -1) for i in ids}
        found = client.scan_iter(match=f"{prefix}:inc:{{*}}", count=1000)
        incidents = sum([1 async for key in found if key.endswith(b"}")])
    finally:
        await client.aclose()
    by_incident = _slack_by_incident(fake, ids)
    repage_dup = repages = line_dup = missing_lines = 0
    for incident_id, raw_steps in stored.items():
        steps = [json.loads(r) for r in raw_steps]
        times = [s["at"] for s in steps if s["action"] == "repage"]
        moments = [dt.datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
        repages += len(times)
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(moments)]
        repage_dup += sum(1 for gap in gaps if gap < 0.9 * repage_s)
        calls = by_incident[incident_id]
        alerts = sum(n for t, n in calls.items() if "still unclaimed" in t)
        lines = {t: n for t, n in calls.items() if "*repage*" in t or "*claim*" in t}
        want = len(times) + 1  # each re-page's line, the claim's line
        line_dup += max(0, alerts - len(times)) + sum(n - 1 for n in lines.values())
        missing_lines += max(0, len(times) - alerts) + max(0, want - len(lines))
    posts = [by_incident[i]["post"] for i in ids]
    return {
        "reports_acked": len(acked),
        "reports_refused_tries": sum(f.refused for f in filed),
        "reports_refused_at_least_once": sum(1 for f in filed if f.refused),
        "reports_lost": sum(1 for i in ids if not stored[i]),
        # Incidents beyond one a client id (and the chatting reporters' own reports).
        "reports_duplicated": incidents - len(ids) - others,
        "client_ids_sharing_an_incident": len(acked) - len(ids),
        "slack_posts_missing": sum(1 for n in posts if n == 0),
        "slack_posts_duplicated": sum(n - 1 for n in posts if n > 1),
        "repage_steps": repages,
        "repage_steps_too_close": repage_dup,
        "slack_thread_lines_duplicated": line_dup,
        "slack_thread_lines_missing": missing_lines,
        **left,
    }


def _slack_by_incident(fake: FakeSlack, ids: list[str]) -> dict[str, dict[str, int]]:
    """Per incident its successful chat.postMessage calls: `post` (the channel message) and
    one count per thread line's text."""
    counts: dict[str, dict[str, int]] = {i: {"post": 0} for i in ids}
    thread_of: dict[str, str] = {}
    for call in fake.posts(thread=False):
        for incident_id in ids:
            if incident_id in blocks_text(call):
                counts[incident_id]["post"] += 1
                thread_of[str(call.answer["ts"])] = incident_id
    for call in fake.posts(thread=True):
        incident_id = thread_of.get(str(call.args["thread_ts"]), "")
        if incident_id:
            text = str(call.args["text"])
            counts[incident_id][text] = counts[incident_id].get(text, 0) + 1
    return counts


async def check(reporter: Reporter) -> dict[str, int]:
    """The history against the acknowledgements: lost, duplicated, out of order, seq gaps."""
    history = await _call(reporter.sio, "messages:since", {"after_seq": 0})
    mine = [(m["seq"], m["text"]) for m in history["messages"] if m["from"] == "reporter"]
    acked = [(s.seq, s.text) for s in reporter.sent if s.acked]
    texts = [t for _, t in mine]
    seqs = [m["seq"] for m in history["messages"]]
    return {
        "acked": len(acked),
        "lost": len({t for _, t in acked} - set(texts)),
        "duplicated": len(texts) - len(set(texts)),
        "not_as_acked": int(mine[: len(acked)] != acked),
        "seq_gaps": int(seqs != list(range(1, len(seqs) + 1))),
        "unacked_stored": len(mine) - len(acked),
    }


def _ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def start_server(
    group: Group, data_dir: str, args: argparse.Namespace, prefix: str, slack_url: str
) -> tuple[subprocess.Popen[str], str]:
    env = os.environ | {
        "TIPLINE_REDIS_URL": group.url,
        "TIPLINE_KEY_PREFIX": prefix,
        "TIPLINE_CLASSIFIER": "rules",
        "TIPLINE_DATA_DIR": data_dir,
        "TIPLINE_REDIS_MIN_REPLICAS": str(args.min_replicas),
        "TIPLINE_DEMO_AGENT_TOKEN": AGENT_TOKEN,
    }
    if args.reports_per_s:
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-failover-bench",
            "SLACK_SIGNING_SECRET": "failover-bench-secret",
            "SLACK_API_URL": slack_url,
            "TIPLINE_SLACK_CHANNEL": "C0BENCH",
            "TIPLINE_BENCH_CLAIM_TIMEOUT_S": str(int(args.repage_s)),
        }
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_server"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        raise RuntimeError(f"bench_server did not start: {line!r}")
    return proc, line.split()[1]


async def promoted_at(group: Group, since: float) -> float:
    """Seconds from `since` until the Sentinels name the replica primary."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            if await group.promoted():
                return loop.time() - since
        except Exception:  # noqa: S110  (a Sentinel busy with the failover: ask again)
            pass
        await asyncio.sleep(0.02)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="tipline-failover-") as folder:
        redis_dir = Path(folder) / "redis"
        async with (
            sentinel_group(redis_dir, replicas=args.replicas) as group,
            running_fake() as fake,
        ):
            fake.delay_s = 0.2  # posts are on their way to Slack for a while
            data_dir = str(Path(folder) / "data")
            proc, url = await asyncio.to_thread(
                start_server, group, data_dir, args, prefix, fake.url
            )
            try:
                return await _measure(group, url, args, prefix=prefix, fake=fake)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


async def _measure(
    group: Group, url: str, args: argparse.Namespace, *, prefix: str, fake: FakeSlack
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    reporters = [await connect(url, f"r{n}") for n in range(args.reporters)]
    filers = [await connect(url, f"f{n}") for n in range(FILERS if args.reports_per_s else 0)]
    filed: list[Filed] = []
    stop_at = [float("inf")]
    senders = [
        asyncio.create_task(send_at(r, args.rate / args.reporters, stop_at)) for r in reporters
    ]
    senders += [
        asyncio.create_task(file_at(f.sio, f.name, args.reports_per_s / FILERS, stop_at, filed))
        for f in filers
    ]
    await asyncio.sleep(args.before)
    killed = loop.time()
    await asyncio.to_thread(group.primary.kill)
    promotion = asyncio.ensure_future(promoted_at(group, killed))
    restarted = asyncio.create_task(_restart(group, args.restart_after, promotion))
    failover_s = await promotion

    def first_ack_after_kill() -> float | None:
        acks = [s.acked for r in reporters for s in r.sent if s.acked > killed]
        return min(acks) if acks else None

    while first_ack_after_kill() is None:
        if loop.time() > killed + GIVE_UP_S:
            stop_at[0] = 0.0
            for task in senders:
                task.cancel()
            raise SystemExit(f"failover_bench: no acknowledgement {GIVE_UP_S} s after the kill")
        await asyncio.sleep(0.05)
    await restarted
    stop_at[0] = loop.time() + args.after
    await asyncio.gather(*senders)
    sent = [s for r in reporters for s in r.sent]
    refused = [s for s in sent if s.refused]
    checks = [await check(r) for r in reporters]
    for r in [*reporters, *filers]:
        await r.sio.disconnect()
    reports = (
        await check_reports(
            group,
            url,
            prefix=prefix,
            filed=filed,
            fake=fake,
            repage_s=args.repage_s,
            others=len(reporters) + len(filers),  # each filed one report when it connected
        )
        if args.reports_per_s
        else {}
    )
    last_refusal = max((s.last_refused for s in refused), default=killed)
    first_back = first_ack_after_kill() or killed
    return {
        "rate": args.rate,
        "reporters": args.reporters,
        "replicas": args.replicas,
        "min_replicas": args.min_replicas,
        "restart_after_s": args.restart_after,
        "sentinel_failover_s": round(failover_s, 2),
        "refused_for_s": round(last_refusal - killed, 2),
        "first_ack_after_kill_s": round(first_back - killed, 2),
        "refused_attempts": sum(s.refused for s in refused),
        "messages_refused_at_least_once": len(refused),
        "messages_acked": sum(1 for s in sent if s.acked),
        "ack_delay_before_kill": _ms([s.acked - s.due for s in sent if s.due < killed - 0.5]),
        "ack_delay_refused": _ms([s.acked - s.due for s in refused]),
        # Once caught up again: the round trip of the messages sent in the last 2 s.
        "ack_round_trip_last_2s": _ms(
            [s.acked - s.first_sent for s in sent if s.first_sent > stop_at[0] - 2]
        ),
        "check": {k: sum(c[k] for c in checks) for k in checks[0]},
        "reports_per_s": args.reports_per_s,
        "repage_s": args.repage_s,
        "reports": reports,
    }


async def chat_cost(args: argparse.Namespace) -> dict[str, Any]:
    """chat_bench on a primary with a replica, WAIT off then on."""
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tipline-wait-") as folder:
        async with replicated(Path(folder) / "redis") as group:
            for wait in (0, 1):
                out = f"{args.out or Path(folder) / 'wait-cost'}-wait{wait}.json"
                env = os.environ | {
                    "TIPLINE_BENCH_REDIS_URL": group.primary.url,
                    "TIPLINE_REDIS_MIN_REPLICAS": str(wait),
                }
                command = [
                    sys.executable, "-m", "benchmarks.chat_bench", "--pairs", str(args.chat),
                    "--servers", "baseline,tipline", "--rates", str(int(args.rate)),
                    "--seconds", "6", "--repeat", "1", "--out", out,
                ]  # fmt: skip
                await asyncio.to_thread(subprocess.run, command, env=env, check=True)
                text = await asyncio.to_thread(Path(out).read_text, encoding="utf-8")
                runs[f"wait{wait}"] = json.loads(text)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--reporters", type=int, default=20)
    parser.add_argument("--before", type=float, default=5.0)
    parser.add_argument("--after", type=float, default=8.0)
    parser.add_argument("--min-replicas", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=1, help="replicas of the primary")
    parser.add_argument(
        "--restart-after", type=float, default=1.0, help="seconds; negative: never restarted"
    )
    parser.add_argument("--reports-per-s", type=float, default=2.0, help="0: no reports")
    parser.add_argument("--repage-s", type=float, default=10.0, help="claim timeout, re-page")
    parser.add_argument("--out", default=None)
    parser.add_argument("--chat", type=int, default=0, help="pairs: measure WAIT's cost")
    args = parser.parse_args()
    started = time.time()
    if args.chat:
        asyncio.run(chat_cost(args))
        return
    result = asyncio.run(run(args))
    result["wall_s"] = round(time.time() - started, 1)
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
