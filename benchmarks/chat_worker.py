"""A client process of the chat benchmark: drives its share of reporter/responder pairs.

The orchestrator (`chat_bench.py`) sends commands over a pipe; each answer is a dict. Both
ends of a pair live in the same process, so a delivery latency is one clock's difference.
Every message carries `b|pair|side|k|scheduled time|`, so a receiver knows its latency and
sees a duplicate. Latency is measured from the *scheduled* send time (open loop), so a
server that falls behind is charged for the queue it builds (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import dataclasses
import resource
import time
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from benchmarks.lean_client import LeanClient

PAD = "x" * 40  # a short chat line is ~60-100 characters
REPORT_TEXT = "someone keeps taking my lunch in the cafeteria and laughing about it"
BATCH = 50  # connections opened at once


@dataclasses.dataclass
class Pair:
    index: int
    reporter: LeanClient = dataclasses.field(init=False)
    responder: LeanClient = dataclasses.field(init=False)
    incident_id: str = ""
    sent: list[int] = dataclasses.field(default_factory=lambda: [0, 0])


@dataclasses.dataclass
class Tally:
    delivered: int = 0
    duplicates: int = 0
    acks_ok: int = 0
    acks_err: int = 0
    sent: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    latencies_ms: list[float] = dataclasses.field(default_factory=list)
    seen: set[tuple[int, int, int]] = dataclasses.field(default_factory=set)


class Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        self.mode: str = config["mode"]  # "tipline" or "baseline"
        self.report_urls: list[str] = config["report_urls"]
        self.respond_urls: list[str] = config["respond_urls"]
        self.token: str = config.get("agent_token", "")
        self.pairs = [self._pair(i) for i in config["pairs"]]
        self.tally = Tally()
        self.closed_loop = False
        self.record = (0.0, 0.0)  # the recording window, time.monotonic()
        self.session: aiohttp.ClientSession | None = None
        self.phase = 0

    def _pair(self, index: int) -> Pair:
        pair = Pair(index)
        pair.reporter = LeanClient("/report", self._handler(pair, side=0))
        pair.responder = LeanClient("/respond", self._handler(pair, side=1))
        return pair

    def _handler(self, pair: Pair, *, side: int) -> Any:
        async def on_event(name: str, data: Any) -> None:
            if name != "message" or not data["text"].startswith("b|"):
                return
            _, p, from_side, k, scheduled, phase, _ = data["text"].split("|", 6)
            now = time.monotonic()
            key = (int(p), int(from_side), int(k))
            # A backlog of the previous phase landing now is not this phase's delivery.
            if int(phase) == self.phase and self.record[0] <= now <= self.record[1]:
                if key in self.tally.seen:
                    self.tally.duplicates += 1
                else:
                    self.tally.seen.add(key)
                    self.tally.delivered += 1
                    self.tally.latencies_ms.append((now - float(scheduled)) * 1000)
            if self.closed_loop:  # answer at once: one message in flight per pair
                await self.send(pair, side, now)

        return on_event

    def _on_ack(self, value: Any) -> None:
        if isinstance(value, dict) and value.get("ok"):
            self.tally.acks_ok += 1
            return
        self.tally.acks_err += 1
        if len(self.tally.errors) < 5:
            self.tally.errors.append(str(value)[:200])

    async def send(self, pair: Pair, side: int, scheduled: float) -> None:
        k = pair.sent[side]
        pair.sent[side] += 1
        text = f"b|{pair.index}|{side}|{k}|{scheduled:.6f}|{self.phase}|{PAD}"
        payload: dict[str, Any] = {"text": text, "client_id": f"{side}-{k}"}
        client = pair.reporter if side == 0 else pair.responder
        if side == 1 and self.mode == "tipline":
            payload["incident_id"] = pair.incident_id
        self.tally.sent += 1
        await client.emit("message:send", payload, self._on_ack)

    # -- commands --------------------------------------------------------------------------
    async def setup_reporters(self) -> dict[str, Any]:
        async def one(pair: Pair) -> None:
            url = self.report_urls[pair.index % len(self.report_urls)]
            if self.mode == "baseline":
                await pair.reporter.connect(self._session(), url, {"pair": pair.index})
                return
            await pair.reporter.connect(self._session(), url, {"org_code": "DEMO"})
            ack = await pair.reporter.call("report:create", {"text": REPORT_TEXT})
            if not ack.get("ok"):
                raise RuntimeError(f"report:create refused: {ack}")
            pair.incident_id = ack["incident_id"]

        return await self._batched(one)

    async def setup_responders(self) -> dict[str, Any]:
        async def one(pair: Pair) -> None:
            url = self.respond_urls[pair.index % len(self.respond_urls)]
            if self.mode == "baseline":
                await pair.responder.connect(self._session(), url, {"pair": pair.index})
                return
            await pair.responder.connect(self._session(), url, {"token": self.token})
            ack = await pair.responder.call("incident:join", {"incident_id": pair.incident_id})
            if not ack.get("ok"):
                raise RuntimeError(f"incident:join refused: {ack}")

        return await self._batched(one)

    async def _batched(self, one: Any) -> dict[str, Any]:
        started = time.monotonic()
        for at in range(0, len(self.pairs), BATCH):
            await asyncio.gather(*(one(p) for p in self.pairs[at : at + BATCH]))
        return {"seconds": time.monotonic() - started, "pairs": len(self.pairs)}

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            connector = aiohttp.TCPConnector(limit=0, force_close=True)
            self.session = aiohttp.ClientSession(connector=connector)
        return self.session

    async def run_closed(self, start: float, end: float) -> dict[str, Any]:
        """Every pair ping-pongs as fast as the server answers; record in [start, end]."""
        self.tally, self.record, self.closed_loop = Tally(), (start, end), True
        self.phase += 1
        now = time.monotonic()
        await asyncio.gather(*(self.send(p, 0, now) for p in self.pairs))
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        self.closed_loop = False
        await asyncio.sleep(1.0)  # let what is in flight land (not counted: after `end`)
        return self._result()

    async def run_open(self, rate: float, start: float, end: float) -> dict[str, Any]:
        """Send at `rate` msg/s from `start` to `end`, round-robin over pairs, both sides."""
        self.tally, self.record = Tally(), (start, end + 5.0)
        self.phase += 1
        interval, n, sent = 1.0 / rate, len(self.pairs), 0
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        while True:
            due = start + sent * interval
            if due >= end:
                break
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            pair = self.pairs[sent % n]
            await self.send(pair, (sent // n) % 2, due)
            sent += 1
        await self._drain(deadline=end + 5.0)
        return self._result()

    async def _drain(self, deadline: float) -> None:
        # Counts change in the reader tasks; a poll at 20 Hz costs nothing here.
        while self.tally.delivered < self.tally.sent and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    def _result(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        tally = dataclasses.asdict(self.tally)
        del tally["seen"]
        return tally | {"cpu_s": usage.ru_utime + usage.ru_stime}

    async def close(self) -> None:
        for pair in self.pairs:
            await pair.reporter.close()
            await pair.responder.close()
        if self.session is not None:
            await self.session.close()


async def serve(conn: Connection, config: dict[str, Any]) -> None:
    worker = Worker(config)
    loop = asyncio.get_running_loop()
    while True:
        command: dict[str, Any] = await loop.run_in_executor(None, conn.recv)
        name = command["cmd"]
        try:
            if name == "reporters":
                answer = await worker.setup_reporters()
            elif name == "responders":
                answer = await worker.setup_responders()
            elif name == "closed":
                answer = await worker.run_closed(command["start"], command["end"])
            elif name == "open":
                answer = await worker.run_open(command["rate"], command["start"], command["end"])
            else:
                await worker.close()
                conn.send({"closed": True})
                return
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        conn.send(answer)


def main(conn: Connection, config: dict[str, Any]) -> None:
    """Process entry point (multiprocessing, spawn)."""
    # 2,000 pairs are 4,000 sockets: raise the soft limit on open files to the hard one.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve(conn, config))
