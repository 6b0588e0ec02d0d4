"""Redis through Sentinel over TLS (`rediss+sentinel://`): a primary, a replica and three
Sentinels that speak TLS only (tests/redis_sentinels.py, a test authority's certificate),
the server on them in this process; it works, and follows a SIGKILL of the primary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, start_server
from tests.e2e.test_sentinel_failover import send_until_acked
from tests.redis_sentinels import Group, make_tls, replication_health, sentinel_group, until

Peers = Callable[[str], Peer]


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    tls = await asyncio.to_thread(make_tls, tmp_path / "tls")
    async with sentinel_group(tmp_path / "redis", tls=tls) as started:
        yield started


async def test_tls_sentinel_url_serves_and_follows_a_failover(
    prefix: str, tmp_path: Path, peers: Peers, group: Group
) -> None:
    """On rediss+sentinel:// the server files a report and chats over TLS (the nodes refuse
    plain TCP), /healthz names the primary; after SIGKILL of the primary it carries on with
    the promoted replica, every acknowledged message there once."""
    plain = aioredis.Redis(host="127.0.0.1", port=group.primary.port, socket_timeout=1.0)
    with pytest.raises(aioredis.ConnectionError):
        await plain.ping()  # TLS only: what the server does below, it does over TLS
    await plain.aclose()
    async with start_server(prefix, tmp_path, redis_url=group.url) as server:
        reporter = peers("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "a boy has a knife in his bag"})
        assert filed["ok"], filed
        health = await replication_health(server)
        assert (health["via"], health["primary"]) == ("sentinel", group.primary.address)
        refused: list[str] = []
        acked = [await send_until_acked(reporter, {"text": "one", "client_id": "one"}, refused)]
        await asyncio.to_thread(group.primary.kill)
        await until(group.promoted, what="the replica promoted")
        acked.append(await send_until_acked(reporter, {"text": "two", "client_id": "two"}, refused))
        history = await reporter.call("messages:since", {"after_seq": 0})
        assert [m["seq"] for m in history["messages"]] == acked == [1, 2]
        health = await replication_health(server)
        assert health["primary"] == group.replica.address
