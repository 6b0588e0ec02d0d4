"""Shared fixtures: the real Redis on 127.0.0.1:6379 and the real server on a loopback port.

Every test gets its own key prefix, and its keys are deleted afterwards, so tests never see
each other's data and never flush anything else in that Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio

from adapters import sealing
from adapters.redis_store import RedisStore
from tests import postgres
from tipline import app, credentials, demo, models, settings

REDIS_URL = os.environ.get("TIPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
OTHER_ORG = "OTHER"
# The data key ring of the `store` fixture: what people wrote is sealed as the server seals it.
RING_LINE = sealing.new_key_line("test")
RING = sealing.parse(RING_LINE)


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL)
    yield client
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def store(redis_client: aioredis.Redis, prefix: str) -> RedisStore:
    return RedisStore(redis_client, prefix=prefix, ring=RING)


def other_org() -> models.Organization:
    base = demo.organization()
    return dataclasses.replace(base, code=OTHER_ORG, name="Other Middle School")


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    """A running Tipline on a loopback port, with tokens of each kind of responder."""

    url: str
    agent_token: str
    admin_token: str
    other_admin_token: str
    prefix: str
    running: app.Running


def server_settings(prefix: str, tmp_path: Path, **changes: Any) -> settings.Settings:
    base = settings.load(
        config_path=None,
        env={
            "TIPLINE_REDIS_URL": REDIS_URL,
            "TIPLINE_KEY_PREFIX": prefix,
            "TIPLINE_CLASSIFIER": "rules",
            "TIPLINE_DATA_DIR": str(tmp_path / "data"),
            "TIPLINE_DEMO_AGENT_TOKEN": "agent-token-" + prefix,
            "TIPLINE_DEMO_ADMIN_TOKEN": "admin-token-" + prefix,
            # One key per prefix: every server of a test shares its store's seal.
            "TIPLINE_SECRET_KEY": "test-server-key-for-" + prefix,
            # One data key ring for all: every server of a test opens what the others sealed.
            "TIPLINE_DATA_KEY": RING_LINE,
            # The servers of the tests run their archive worker as a task (a process each
            # would cost the suite a start per server); tests/tipline/test_archive_process.py
            # and the `tipline serve` tests run it in a process of its own, the default.
            "TIPLINE_ARCHIVE_WORKER": "inline",
        },
        host="127.0.0.1",
        port=0,
    )
    other_admin = models.Responder(
        responder_id="other-admin", name="Other Admin", role=models.Role.ADMIN, org_code=OTHER_ORG
    )
    seeds = (
        settings.ResponderSeed(
            responder=other_admin,
            token_hash=credentials.token_hash("other-admin-token-" + prefix),
        ),
    )
    return dataclasses.replace(
        base,
        organizations=(*base.organizations, other_org()),
        responders=seeds,
        **changes,
    )


@contextlib.asynccontextmanager
async def start_server(
    prefix: str, tmp_path: Path, *, clock: Any = None, **changes: Any
) -> AsyncIterator[Server]:
    """Start a Tipline in this process on the real Redis; stop it when the block ends."""
    # The record in a schema of its own on the test PostgreSQL, dropped afterwards.
    async with (
        postgres.schema() as database_url,
        app.running(
            server_settings(prefix, tmp_path, database_url=database_url, **changes), clock=clock
        ) as running,
    ):
        await wait_for(lambda: _ready(running), what="triage ready")
        yield Server(
            url=running.url,
            agent_token="agent-token-" + prefix,
            admin_token="admin-token-" + prefix,
            other_admin_token="other-admin-token-" + prefix,
            prefix=prefix,
            running=running,
        )


@pytest.fixture
async def tipline_server(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    """The whole service in this process, on the real Redis, with the rules classifier."""
    async with start_server(prefix, tmp_path) as server:
        yield server


async def _ready(running: app.Running) -> bool:
    return running.triage.ready


async def wait_for(
    condition: Callable[[], Awaitable[bool]], *, what: str, timeout: float = 10.0
) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def healthz(server: Server) -> tuple[int, dict[str, Any]]:
    """`GET /healthz` of a running server: its status and its body."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/healthz") as response,
    ):
        return response.status, await response.json()


class Peer:
    """A Socket.IO client that records every event it receives."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[Any]] = {}
        self.sio.on("*", self._record, namespace=namespace)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.setdefault(event, []).append(data)

    async def connect(self, url: str, auth: dict[str, Any]) -> None:
        await self.sio.connect(
            url,
            namespaces=[self.namespace],
            auth=auth,
            transports=["websocket"],
            wait_timeout=5,
        )

    async def call(self, event: str, data: Any = None, timeout: float = 10.0) -> Any:
        return await self.sio.call(event, data, namespace=self.namespace, timeout=timeout)

    async def received(self, event: str, count: int = 1, timeout: float = 5.0) -> list[Any]:
        async def enough() -> bool:
            return len(self.events.get(event, [])) >= count

        await wait_for(enough, what=f"{count} '{event}' on {self.namespace}", timeout=timeout)
        return self.events[event]

    async def close(self) -> None:
        await self.sio.disconnect()


@pytest.fixture
async def peers() -> AsyncIterator[Callable[[str], Peer]]:
    """Make Peers; every one is disconnected at the end of the test."""
    made: list[Peer] = []

    def make(namespace: str) -> Peer:
        peer = Peer(namespace)
        made.append(peer)
        return peer

    yield make
    await asyncio.gather(*(p.close() for p in made), return_exceptions=True)


Peers = Callable[[str], Peer]


async def file_report(
    server: Server, peers: Peers, text: str = "someone keeps shoving me in the hallway"
) -> tuple[Peer, dict[str, Any]]:
    """A reporter of the demo school who has filed `text`: the connection and the ack."""
    reporter = peers("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    ack = await reporter.call("report:create", {"text": text})
    assert ack["ok"], ack
    return reporter, ack


async def responder(server: Server, peers: Peers, token: str) -> Peer:
    """A responder connected to /respond with `token`."""
    peer = peers("/respond")
    await peer.connect(server.url, {"token": token})
    return peer


async def receipt_of(server: Server) -> str:
    """The receipt of a report filed to the demo school (its reporter gone again)."""
    reporter = Peer("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": "someone wrote on my locker"})
    await reporter.close()
    return str(filed["receipt"])
