"""The archive under faults (issue #21): `kill -9` of one of two servers mid-chat, and
PostgreSQL away for 30 s mid-chat. Once both are back, PostgreSQL holds every acknowledged
message exactly once, with the seq its ack carried."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio

from adapters import sealing
from adapters.record import pool, store
from tests import pg_cut, postgres
from tests.conftest import REDIS_URL, Peer, wait_for
from tests.procs import ServeProcess, free_port
from tipline import credentials

pytestmark = pytest.mark.slow
AGENT_TOKEN = "archive-faults-agent-token"
DATA_KEY = sealing.new_key_line("k-faults")
PAIRS = 3
REPORT = "someone in my class says he will bring a knife on monday"
# Paced under the message limits (tipline/limits.py: 30 a minute per reporter connection,
# 120 per responder connection, 120 per incident and side), so that no ack is a refusal for
# load: one agent connection per case.
AGENT_EVERY_S = 0.6
REPORTER_EVERY = 5  # rounds
DOWN_S = 30.0  # the figure

CONFIG = f"""
[[organizations]]
code = "DEMO"
name = "Archive Faults High"
timezone = "America/Chicago"

[[organizations.contacts]]
name = "Pat Principal"
role = "Principal"
phone = "+1 555 0100"

[organizations.law_enforcement]
name = "Police"
role = "Law enforcement"
phone = "+1 555 0911"

[[responders]]
id = "agent-faults"
name = "Agent Faults"
role = "agent"
token_sha256 = "{credentials.token_hash(AGENT_TOKEN)}"
"""


@pytest.fixture
async def record_url() -> AsyncIterator[str]:
    async with postgres.schema() as url:
        yield url


@pytest.fixture
async def servers() -> AsyncIterator[list[ServeProcess]]:
    made: list[ServeProcess] = []
    yield made
    for server in made:
        server.close()


async def serve(
    tmp_path: Path, name: str, prefix: str, database_url: str, servers: list[ServeProcess]
) -> ServeProcess:
    config = tmp_path / "tipline.toml"
    config.write_text(CONFIG)
    env = {"TIPLINE_REDIS_URL": REDIS_URL, "TIPLINE_KEY_PREFIX": prefix,
           "TIPLINE_DATA_DIR": str(tmp_path / name), "TIPLINE_DATABASE_URL": database_url,
           "TIPLINE_DATA_KEY": DATA_KEY, "TIPLINE_FANOUT": "redis",
           "TIPLINE_SECRET_KEY": "archive-faults-server-key-" + prefix}  # fmt: skip
    server = ServeProcess(port=free_port(), env=env, config=config)
    servers.append(server)
    await server.read_banner()
    await wait_for(server.healthy, what=f"server {name} healthy", timeout=60)
    return server


async def health(server: ServeProcess) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/healthz") as response,
    ):
        body: dict[str, Any] = await response.json()
        return body


class Case:
    """A reporter and an agent on one incident; `acked` is every message whose ack came
    back, by the seq it carried."""

    def __init__(self, reporter: Peer, agent: Peer, incident_id: str, receipt: str) -> None:
        self.reporter = reporter
        self.agent = agent
        self.incident_id = incident_id
        self.receipt = receipt
        self.acked: dict[int, str] = {}
        self.refused: list[Any] = []

    async def send(self, peer: Peer, payload: dict[str, Any]) -> None:
        ack = await peer.call("message:send", payload, timeout=5)
        if ack.get("ok"):
            assert ack["seq"] not in self.acked, ack
            self.acked[ack["seq"]] = payload["text"]
        else:
            self.refused.append(ack)

    async def reconnect(self, server: ServeProcess) -> None:
        self.reporter = Peer("/report")
        await self.reporter.connect(server.url, {"receipt": self.receipt})
        self.agent = Peer("/respond")
        await self.agent.connect(server.url, {"token": AGENT_TOKEN})
        joined = await self.agent.call("incident:join", {"incident_id": self.incident_id})
        assert joined["ok"], joined

    async def close(self) -> None:
        await self.reporter.close()
        await self.agent.close()

    async def chat(self, label: str, stop: asyncio.Event) -> None:
        """Paced chat until `stop` is set or the connection breaks."""
        with contextlib.suppress(socketio.exceptions.SocketIOError, TimeoutError):
            for i in range(100_000):
                if stop.is_set():
                    return
                if i % REPORTER_EVERY == 0:
                    text = f"{self.incident_id} reporter {label} {i}"
                    await self.send(self.reporter, {"text": text, "client_id": text})
                text = f"{self.incident_id} agent {label} {i}"
                payload = {"incident_id": self.incident_id, "text": text, "client_id": text}
                await self.send(self.agent, payload)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), AGENT_EVERY_S)


async def open_cases(server: ServeProcess) -> list[Case]:
    cases = []
    for _ in range(PAIRS):
        reporter = Peer("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": REPORT})
        assert filed["ok"], filed
        agent = Peer("/respond")
        await agent.connect(server.url, {"token": AGENT_TOKEN})
        joined = await agent.call("incident:join", {"incident_id": filed["incident_id"]})
        assert joined["ok"], joined
        cases.append(Case(reporter, agent, filed["incident_id"], filed["receipt"]))
    return cases


async def chat_until(cases: list[Case], label: str, enough: int) -> None:
    """Chat on every case until each has `enough` acknowledged messages more than now."""
    stop = asyncio.Event()
    before = {case.incident_id: len(case.acked) for case in cases}
    tasks = [asyncio.create_task(case.chat(label, stop)) for case in cases]

    async def done() -> bool:
        return all(len(c.acked) >= before[c.incident_id] + enough for c in cases)

    try:
        await wait_for(done, what=f"{enough} more acks on every case ({label})", timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def assert_recorded_once(database_url: str, cases: list[Case]) -> None:
    """Every acknowledged message is in PostgreSQL under the seq of its ack, no text twice,
    the seqs without a gap; waits for the archive (it moves on its own time)."""
    connections = await pool.open_migrated(database_url)
    try:
        record = store.PostgresRecord(connections, sealing.parse(DATA_KEY))

        async def archived() -> bool:
            for case in cases:
                stored = {m.seq for m in await record.messages(case.incident_id, limit=100_000)}
                if not set(case.acked) <= stored:
                    return False
            return True

        await wait_for(archived, what="every ack in the record", timeout=60)
        for case in cases:
            messages = await record.messages(case.incident_id, limit=100_000)
            by_seq = {m.seq: m.text for m in messages}
            assert {seq: by_seq[seq] for seq in case.acked} == case.acked
            assert [m.seq for m in messages] == list(range(1, len(messages) + 1))
            texts = [m.text for m in messages if m.sender.value != "system"]
            assert len(texts) == len(set(texts))  # nothing twice
            rows = await connections.fetchval(
                "SELECT count(*) FROM messages WHERE incident_id = $1", case.incident_id
            )
            assert rows == len(messages)
    finally:
        await connections.close()


async def test_kill_9_of_one_of_two_servers_loses_and_doubles_no_archived_message(
    tmp_path: Path,
    prefix: str,
    record_url: str,
    servers: list[ServeProcess],
    redis_client: aioredis.Redis,
) -> None:
    """Two servers on one Redis and one PostgreSQL; SIGKILL of the one the chats run on; the
    clients go on on the other: PostgreSQL holds every acknowledged message once."""
    doomed = await serve(tmp_path, "a", prefix, record_url, servers)
    other = await serve(tmp_path, "b", prefix, record_url, servers)
    cases = await open_cases(doomed)
    stop = asyncio.Event()
    chats = [asyncio.create_task(case.chat("before", stop)) for case in cases]

    async def busy() -> bool:
        return all(len(case.acked) >= 8 for case in cases)

    await wait_for(busy, what="chats under way", timeout=60)
    doomed.kill()  # mid-chat: the calls in flight get no ack
    await asyncio.wait_for(asyncio.gather(*chats), timeout=30)
    for case in cases:
        await case.close()
        await case.reconnect(other)  # the clients go on on the other server
    await chat_until(cases, "after", enough=5)
    for case in cases:
        await case.close()
    assert not [ack for case in cases for ack in case.refused]
    await assert_recorded_once(record_url, cases)
    assert await other.terminate() == 0


async def test_postgres_away_for_30_s_mid_chat_then_the_backlog_drains(
    tmp_path: Path,
    prefix: str,
    record_url: str,
    servers: list[ServeProcess],
    redis_client: aioredis.Redis,
) -> None:
    """PostgreSQL unreachable for 30 s mid-chat: acks keep coming, /healthz shows the archive
    lagging with a growing backlog; once it is back the backlog drains and PostgreSQL holds
    every acknowledged message once."""
    proxy, through_proxy = await pg_cut.started(record_url)
    try:
        server = await serve(tmp_path, "a", prefix, through_proxy, servers)
        cases = await open_cases(server)
        await chat_until(cases, "before", enough=3)

        await proxy.cut()
        stop = asyncio.Event()
        chats = [asyncio.create_task(case.chat("down", stop)) for case in cases]
        during = {c.incident_id: len(c.acked) for c in cases}
        seen: list[dict[str, Any]] = []

        async def lagging() -> bool:
            body = await health(server)
            seen.append(body)
            return bool(body["archive"]["state"] == "lagging" and body["database"] == "down")

        await wait_for(lagging, what="/healthz: archive lagging, database down", timeout=20)
        first = seen[-1]["archive"]["backlog"]
        await asyncio.sleep(DOWN_S)  # the 30 s away, chat going on
        late = await health(server)
        await proxy.restore()
        stop.set()
        await asyncio.gather(*chats)
        assert not [ack for case in cases for ack in case.refused]
        # The live path went on: acks kept coming while the record was away.
        assert all(len(c.acked) > during[c.incident_id] + 10 for c in cases)
        assert late["archive"]["state"] == "lagging"
        assert late["archive"]["backlog"] > first > 0

        async def drained() -> bool:
            archive = (await health(server))["archive"]
            return bool(archive["state"] == "ok" and archive["backlog"] == 0)

        await wait_for(drained, what="the backlog drained", timeout=60)
        await chat_until(cases, "after", enough=2)
        for case in cases:
            await case.close()
        await assert_recorded_once(record_url, cases)
        assert await server.terminate() == 0
    finally:
        await proxy.cut()
