"""Chat benchmark: Tipline's full path against a bare python-socketio relay, same clients.

N reporter/responder pairs (2N websockets), each pair in its own incident (Tipline: access
code, `report:create`, agent token, `incident:join`; then every `message:send` is
validated, rate-counted, appended with its seq in Redis and fanned out). The servers run in
their own processes, the lean clients (benchmarks/lean_client.py) in others, so CPU and
memory are read per process from /proc. For each N:

- closed loop: one message in flight per pair, each side answers the other at once: the
  maximum throughput (delivered messages per second) and the CPU per message;
- open loop at fixed rates: p50/p99/max delivery latency from the scheduled send time;
- server memory per connection, idle (connected, joined) and after the traffic.

    .venv/bin/python -m benchmarks.chat_bench [--pairs 200,1000,2000] [--servers tipline,baseline]
        [--processes 1] [--fanout local|redis] [--workers 1] [--loops uvloop,asyncio]
        [--client python|node] [--server-cores 0.6] [--rates 500,1500]
        [--seconds 6] [--repeat 2] [--interleave] [--out FILE.json]

`--client node` drives the same pairs with benchmarks/node/chat_worker.mjs (`make
bench-node` installs its one package): the same commands and message format at a fraction
of the Python client's CPU, which on a 2-core machine is CPU left to the servers.
`--server-cores 0.6` holds each server process to 0.6 of a CPU (a cgroup quota; root only),
so that one and two processes compare as on a machine with a core for each.

Traffic stays on 127.0.0.1; Tipline's keys live under a fresh prefix and are deleted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import redis

from adapters.archive import stream_key
from benchmarks import chat_worker, cpu_quota, procstat

NODE_WORKER = Path(__file__).parent / "node" / "chat_worker.mjs"
REDIS_URL = os.environ.get("TIPLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# Set TIPLINE_BENCH_PROFILE=/tmp/x to profile the Tipline server(s) with cProfile.
PROFILE = os.environ.get("TIPLINE_BENCH_PROFILE")
IDLE_S = 5.0  # how long the server's CPU is read with every pair connected and silent
# Set TIPLINE_BENCH_RELAY_GC=700,10,1000 to run the bare relay on Tipline's gc thresholds
# (tipline.app.GC_THRESHOLDS); unset, it keeps Python's defaults, as a bare relay would.
RELAY_GC = os.environ.get("TIPLINE_BENCH_RELAY_GC")
# Set TIPLINE_BENCH_RELAY_FRAMES=1 to run the relay on Tipline's websocket loop
# (realtime/engineio_socket.py) instead of python-engineio's: what Tipline's features cost.
RELAY_FRAMES = os.environ.get("TIPLINE_BENCH_RELAY_FRAMES") == "1"


@dataclasses.dataclass
class Setup:
    kind: str  # "tipline" or "baseline"
    pairs: int
    processes: int
    fanout: str
    workers: int
    loop: str = "uvloop"  # the servers' event loop: "uvloop" or "asyncio"
    client: str = "python"  # the load generator: "python" (chat_worker.py) or "node"
    server_cores: float | None = None  # a CPU quota per server process (benchmarks/cpu_quota.py)

    @property
    def label(self) -> str:
        name = f"tipline x{self.processes} ({self.fanout})"
        if self.kind == "baseline":
            name = "baseline frames" if RELAY_FRAMES else "baseline"
        if self.loop != "uvloop":
            name = f"{name} asyncio"
        if self.server_cores:
            name = f"{name} @{self.server_cores:g}"
        return name if self.client == "python" else f"{name} [node]"


@contextlib.contextmanager
def servers(setup: Setup, prefix: str, token: str) -> Iterator[list[tuple[int, str]]]:
    """Start the server process(es); yield (pid, url) of each; stop them and clean up."""
    procs: list[subprocess.Popen[str]] = []
    data = tempfile.TemporaryDirectory(prefix="tipline-bench-")
    env = os.environ | {
        "TIPLINE_REDIS_URL": REDIS_URL,
        "TIPLINE_KEY_PREFIX": prefix,
        "TIPLINE_CLASSIFIER": "rules",
        "TIPLINE_FANOUT": setup.fanout,
        "TIPLINE_DEMO_AGENT_TOKEN": token,
        "TIPLINE_DATA_DIR": data.name,
        # Both servers choose their loop the same way (uvloop when installed and not off).
        "TIPLINE_UVLOOP": "1" if setup.loop == "uvloop" else "0",
    }
    module = "benchmarks.baseline_relay" if setup.kind == "baseline" else "benchmarks.bench_server"
    if setup.kind == "baseline":
        env.pop("TIPLINE_BENCH_GC_THRESHOLD", None)
        if RELAY_GC:  # the relay on Tipline's garbage collector thresholds too
            env["TIPLINE_BENCH_GC_THRESHOLD"] = RELAY_GC
    quotas = contextlib.ExitStack()
    try:
        found = []
        for _ in range(setup.processes):
            command = [sys.executable, "-m", module]
            if setup.kind == "tipline" and PROFILE:
                command += ["--profile", f"{PROFILE}.{len(procs)}"]
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
            procs.append(proc)
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("READY"):
                raise RuntimeError(f"{module} did not start: {line!r}")
            found.append((proc.pid, line.split()[1]))
            if setup.server_cores:
                quotas.enter_context(
                    cpu_quota.limited(proc.pid, setup.server_cores, str(len(procs)))
                )
        yield found
    finally:
        quotas.close()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        data.cleanup()
        _delete_keys(prefix)


def _delete_keys(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=2000))
    for at in range(0, len(keys), 1000):
        client.delete(*keys[at : at + 1000])
    client.close()


def redis_cpu() -> float:
    client = redis.Redis.from_url(REDIS_URL)
    info: dict[str, Any] = client.info("cpu")
    client.close()
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Pipe(Protocol):
    """A client worker's end: a multiprocessing Connection, or a NodeWorker."""

    def send(self, message: dict[str, Any], /) -> None: ...
    def recv(self) -> Any: ...


class NodeWorker:
    """benchmarks/node/chat_worker.mjs as a pipe: one JSON object per line each way."""

    def __init__(self, config: dict[str, Any]) -> None:
        if not (NODE_WORKER.parent / "node_modules").is_dir():
            raise SystemExit("the Node client is not installed: run `make bench-node`")
        self.proc = subprocess.Popen(
            ["node", str(NODE_WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.proc.pid
        self.send(config)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node client exited ({self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def join(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Clients:
    """The worker processes and their pipes."""

    def __init__(self, setup: Setup, urls: list[str], token: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Pipe] = []
        self.procs: list[Any] = []
        # Pair i's reporter is on server i, its responder on the next one: with two
        # processes every message crosses between them.
        respond_urls = urls[1:] + urls[:1]
        for w in range(setup.workers):
            config = {
                "mode": setup.kind,
                "report_urls": urls,
                "respond_urls": respond_urls,
                "agent_token": token,
                "pairs": list(range(w, setup.pairs, setup.workers)),
            }
            if setup.client == "node":
                node = NodeWorker(config)
                self.pipes.append(node)
                self.procs.append(node)
                continue
            ours, theirs = context.Pipe()
            proc = context.Process(target=chat_worker.main, args=(theirs, config), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def ask(self, command: dict[str, Any]) -> list[dict[str, Any]]:
        for pipe in self.pipes:
            pipe.send(command)
        answers = [pipe.recv() for pipe in self.pipes]
        for answer in answers:
            if "error" in answer:
                raise RuntimeError(answer["error"])
        return answers

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ask({"cmd": "close"})
        for proc in self.procs:
            proc.join(timeout=10)


def _cpu(pids: list[int]) -> float:
    return sum(procstat.cpu_seconds(p) for p in pids)


class ArchiveLag(threading.Thread):
    """Samples Tipline's archive stream every 50 ms during a phase: the age of the oldest
    entry not yet in PostgreSQL (an upper bound of every message's lag at that moment) and
    the backlog (docs/record.md)."""

    def __init__(self, prefix: str) -> None:
        super().__init__(daemon=True)
        self.key, self.ages_s, self.backlogs = stream_key(prefix), [0.0], [0]
        self.done = threading.Event()

    def run(self) -> None:
        client = redis.Redis.from_url(REDIS_URL)
        while not self.done.wait(0.05):
            pipe = client.pipeline(transaction=False)
            pipe.xlen(self.key)
            pipe.xrange(self.key, count=1)
            length, first = pipe.execute()
            self.backlogs.append(int(length))
            if first:
                millis = int(first[0][0].decode().split("-")[0])
                self.ages_s.append(max(0.0, time.time() - millis / 1000))
            else:
                self.ages_s.append(0.0)

    def result(self) -> dict[str, float]:
        return {
            "archive_lag_p50_s": procstat.percentile(self.ages_s, 50),
            "archive_lag_p99_s": procstat.percentile(self.ages_s, 99),
            "archive_lag_max_s": max(self.ages_s),
            "archive_backlog_max": max(self.backlogs),
        }


def measure(
    clients: Clients,
    server_pids: list[int],
    command: dict[str, Any],
    archive_prefix: str | None = None,
) -> dict[str, Any]:
    """Run one phase; CPU of servers, clients and Redis is read over its recording window;
    with `archive_prefix` (Tipline), the archive's lag is sampled over it too."""
    start, end = command["start"], command["end"]
    for pipe in clients.pipes:
        pipe.send(command)
    time.sleep(max(0.0, start - time.monotonic()))
    lag = ArchiveLag(archive_prefix) if archive_prefix else None
    if lag is not None:
        lag.start()
    # A server's own processes (its `tipline archive` worker with TIPLINE_ARCHIVE_WORKER=
    # process): their CPU is counted apart, never left out.
    helpers = [child for pid in server_pids for child in procstat.children(pid)]
    s0, c0, r0, h0 = _cpu(server_pids), _cpu(clients.pids), redis_cpu(), _cpu(helpers)
    time.sleep(max(0.0, end - time.monotonic()))
    s1, c1, r1, h1 = _cpu(server_pids), _cpu(clients.pids), redis_cpu(), _cpu(helpers)
    answers = [pipe.recv() for pipe in clients.pipes]
    if command["cmd"] == "open":
        # Open loop counts what lands after `end` too (the backlog of a server that fell
        # behind), so its CPU is read once everything has landed.
        s1, c1, r1, h1 = _cpu(server_pids), _cpu(clients.pids), redis_cpu(), _cpu(helpers)
    for answer in answers:
        if "error" in answer:
            raise RuntimeError(answer["error"])
    delivered = sum(a["delivered"] for a in answers)
    latencies = [x for a in answers for x in a["latencies_ms"]]
    per_msg = max(delivered, 1)
    archived: dict[str, float] = {}
    if lag is not None:
        lag.done.set()
        lag.join()
        archived = lag.result()
    return archived | {
        "sent": sum(a["sent"] for a in answers),
        "delivered": delivered,
        "duplicates": sum(a["duplicates"] for a in answers),
        "acks_err": sum(a["acks_err"] for a in answers),
        "errors": [e for a in answers for e in a["errors"]][:3],
        "rate": delivered / (end - start),
        "p50_ms": procstat.percentile(latencies, 50),
        "p99_ms": procstat.percentile(latencies, 99),
        "max_ms": max(latencies, default=float("nan")),
        "server_cpu_us": (s1 - s0) * 1e6 / per_msg,
        "client_cpu_us": (c1 - c0) * 1e6 / per_msg,
        "redis_cpu_us": (r1 - r0) * 1e6 / per_msg,
        "helper_cpu_us": (h1 - h0) * 1e6 / per_msg,
        "server_cpu_util": (s1 - s0) / (end - start),
        # The machine is shared: the 1-minute load average says how much else was running.
        "load_avg": os.getloadavg()[0],
    }


@dataclasses.dataclass
class Session:
    """One configuration's servers and clients, connected and joined."""

    setup: Setup
    prefix: str
    pids: list[int]
    clients: Clients
    result: dict[str, Any]


@contextlib.contextmanager
def session(setup: Setup, args: argparse.Namespace) -> Iterator[Session]:
    """Start the servers and clients, connect and join every pair, read the idle memory and
    CPU; yield; read the memory after the traffic and stop everything."""
    prefix, token = f"bench-{uuid.uuid4().hex[:10]}", f"bench-agent-{uuid.uuid4().hex}"
    result: dict[str, Any] = dataclasses.asdict(setup) | {"label": setup.label}
    with servers(setup, prefix, token) as found:
        pids, urls = [p for p, _ in found], [u for _, u in found]
        clients = Clients(setup, urls, token)
        try:
            time.sleep(1.0)
            base = sum(procstat.rss_kib(p) for p in pids)
            t0 = time.monotonic()
            clients.ask({"cmd": "reporters"})
            clients.ask({"cmd": "responders"})
            result["setup_s"] = time.monotonic() - t0
            time.sleep(1.0)
            connections = 2 * setup.pairs
            idle = sum(procstat.rss_kib(p) for p in pids)
            result["idle_kib_per_conn"] = (idle - base) / connections
            # What the connected, silent pairs cost the server(s): pings, timers, pollers.
            s0, t0 = sum(procstat.cpu_seconds(p) for p in pids), time.monotonic()
            time.sleep(IDLE_S)
            s1, t1 = sum(procstat.cpu_seconds(p) for p in pids), time.monotonic()
            result["idle_cpu_util"] = (s1 - s0) / (t1 - t0)
            result["closed"], result["open"] = [], {}
            yield Session(setup, prefix, pids, clients, result)
            active = sum(procstat.rss_kib(p) for p in pids)
            result["active_kib_per_conn"] = (active - base) / connections
        finally:
            clients.close()
    print(
        f"{setup.label:>24} N={setup.pairs:<5} setup {result['setup_s']:.1f}s  memory/conn "
        f"idle {result['idle_kib_per_conn']:.1f} KiB, "
        f"active {result['active_kib_per_conn']:.1f} KiB; "
        f"idle CPU {result['idle_cpu_util']:.3f} cores",
        flush=True,
    )


def closed_round(s: Session, args: argparse.Namespace) -> None:
    start = time.monotonic() + args.warmup
    command = {"cmd": "closed", "start": start, "end": start + args.seconds}
    s.result["closed"].append(measure(s.clients, s.pids, command))
    _report(s.setup, "closed", s.result["closed"][-1])


def open_rounds(
    s: Session, args: argparse.Namespace, between: Callable[[], object] | None = None
) -> None:
    """Each rate's open-loop rounds; `between` runs after each (a wait for the archive)."""
    for rate in args.rates:
        runs = s.result["open"].setdefault(str(rate), [])
        for _ in range(args.repeat):
            start = time.monotonic() + 0.5
            command = {
                "cmd": "open",
                "rate": rate / s.setup.workers,
                "start": start,
                "end": start + args.seconds,
            }
            archive_prefix = s.prefix if s.setup.kind == "tipline" else None
            runs.append(measure(s.clients, s.pids, command, archive_prefix))
            _report(s.setup, f"open {rate}/s", runs[-1])
            if between is not None:
                between()


def run(setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: its closed-loop rounds, then its open-loop rounds."""
    with session(setup, args) as s:
        for _ in range(0 if args.no_closed else args.repeat):
            closed_round(s, args)
        open_rounds(s, args)
    return s.result


def interleaved(setups: list[Setup], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every configuration up at once, their closed-loop rounds taken in turn (A, B, A, B,
    ...), so that each ratio compares rounds a few seconds apart rather than a minute: on a
    shared machine the other load moves in between. After each Tipline round the next waits
    until its archive backlog has drained (at most ARCHIVE_DRAIN_S): the worker's catching
    up must not run during the other server's round."""
    with contextlib.ExitStack() as stack:
        sessions = [stack.enter_context(session(setup, args)) for setup in setups]
        for _ in range(0 if args.no_closed else args.repeat):
            for s in sessions:
                closed_round(s, args)
                if s.setup.kind == "tipline":
                    s.result["closed"][-1]["archive_drain_s"] = _drained(s)
        for s in sessions:
            open_rounds(s, args, between=functools.partial(_drained, s))
    return [s.result for s in sessions]


ARCHIVE_DRAIN_S = 60.0


def _drained(s: Session) -> float:
    """Wait until a Tipline server's archive stream is empty (the worker deletes each entry
    it archived); the seconds it took."""
    t0 = time.monotonic()
    if s.setup.kind != "tipline" or os.environ.get("TIPLINE_BENCH_ARCHIVE") == "0":
        return 0.0  # no worker (benchmarks/bench_server.py): nothing drains
    client = redis.Redis.from_url(REDIS_URL)
    try:
        while client.xlen(stream_key(s.prefix)) and time.monotonic() - t0 < ARCHIVE_DRAIN_S:
            time.sleep(0.05)
    finally:
        client.close()
    return time.monotonic() - t0


def _report(setup: Setup, phase: str, m: dict[str, Any]) -> None:
    print(
        f"{setup.label:>24} N={setup.pairs:<5} {phase:<12} {m['rate']:7.0f} msg/s  "
        f"p50 {m['p50_ms']:7.1f} p99 {m['p99_ms']:7.1f} max {m['max_ms']:7.1f} ms  "
        f"cpu/msg server {m['server_cpu_us']:5.0f} us client {m['client_cpu_us']:5.0f} us "
        f"redis {m['redis_cpu_us']:4.0f} us "
        + (f"archiver {m['helper_cpu_us']:4.0f} us " if m.get("helper_cpu_us") else "")
        + f" util {m['server_cpu_util']:.2f}  "
        f"lost {m['sent'] - m['delivered'] if phase != 'closed' else '-'} "
        f"dup {m['duplicates']} ack_err {m['acks_err']} load {m['load_avg']:.1f} {m['errors'][:1]}"
        + (
            f"  archive lag p50 {m['archive_lag_p50_s']:.2f} p99 {m['archive_lag_p99_s']:.2f} "
            f"max {m['archive_lag_max_s']:.2f} s backlog<= {m['archive_backlog_max']}"
            if "archive_lag_p50_s" in m
            else ""
        ),
        flush=True,
    )


def summary(results: list[dict[str, Any]]) -> None:
    """Median of the repeats per configuration, and each figure's ratio to the baseline on
    the same event loop (like for like)."""
    base = {(r["pairs"], r.get("loop", "uvloop")): r for r in results if r["kind"] == "baseline"}
    print("\nconfiguration              N  closed msg/s (ratio)  " + "  ".join(
        f"p99@{rate} (x base)" for rate in results[0]["open"]
    ))  # fmt: skip
    for r in results:
        b = base.get((r["pairs"], r.get("loop", "uvloop")))
        closed = statistics.median(m["rate"] for m in r["closed"]) if r["closed"] else float("nan")
        ratio = (
            closed / statistics.median(m["rate"] for m in b["closed"])
            if b and b["closed"]
            else float("nan")
        )
        cells = []
        for rate, runs in r["open"].items():
            p99 = statistics.median(m["p99_ms"] for m in runs)
            bp = statistics.median(m["p99_ms"] for m in b["open"][rate]) if b else float("nan")
            cells.append(f"{p99:8.1f} ms ({p99 / bp:4.1f})")
        print(f"{r['label']:>24} {r['pairs']:5} {closed:8.0f} ({ratio:4.2f})  " + "  ".join(cells))
        if b is not None and b is not r and r["closed"] and len(r["closed"]) == len(b["closed"]):
            # Round by round (with --interleave, each against the relay's round beside it).
            rounds = [t["rate"] / x["rate"] for t, x in zip(r["closed"], b["closed"], strict=True)]
            print(f"{'':>24} rounds: " + " ".join(f"{x:.2f}" for x in rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="200,1000,2000")
    parser.add_argument("--servers", default="baseline,tipline")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--fanout", choices=["local", "redis"], default="local")
    parser.add_argument("--workers", type=int, default=1, help="client processes")
    parser.add_argument(
        "--client", choices=["python", "node"], default="python", help="the load generator"
    )
    parser.add_argument(
        "--loops", default="uvloop", help="the servers' event loops: uvloop, asyncio or both"
    )
    parser.add_argument(
        "--server-cores",
        type=float,
        default=None,
        help="a CPU quota per server process, e.g. 0.6 (root; benchmarks/cpu_quota.py)",
    )
    parser.add_argument("--rates", default="500,1500")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", default=None)
    # Open loop only: e.g. the archive's lag at a rate, without the closed loop's backlog.
    parser.add_argument("--no-closed", action="store_true")
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="every server up at once, closed-loop rounds in turn (the ratio's noise)",
    )
    args = parser.parse_args()
    args.rates = [int(r) for r in args.rates.split(",") if r]
    results = []
    for pairs in (int(n) for n in args.pairs.split(",")):
        for loop in args.loops.split(","):
            setups = []
            for kind in args.servers.split(","):
                processes = args.processes if kind == "tipline" else 1
                fanout = "redis" if processes > 1 else args.fanout
                setups.append(
                    Setup(
                        kind,
                        pairs,
                        processes,
                        fanout,
                        args.workers,
                        loop,
                        args.client,
                        args.server_cores,
                    )
                )
            try:
                if args.interleave:
                    results += interleaved(setups, args)
                else:
                    results += [run(setup, args) for setup in setups]
            except cpu_quota.QuotaError as exc:  # --server-cores without root or cgroups
                raise SystemExit(f"chat_bench: {exc}") from None
    summary(results)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            report = {"machine": _machine(), "args": vars(args), "results": results}
            json.dump(report, out, indent=1)


def _machine() -> dict[str, Any]:
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
        model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if "model name" in ln), "?")
    return {"cpu": model, "cores": os.cpu_count(), "python": sys.version.split()[0]}


if __name__ == "__main__":
    main()
