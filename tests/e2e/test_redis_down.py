"""Redis stopped for ten seconds mid-traffic: clear errors, 503, recovery, nothing lost.

This test runs its own Redis (with AOF, as production must) so that it can stop it without
touching the shared one on 6379.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import socketio

from adapters.embedded_redis import EmbeddedRedis
from tests.conftest import Peer, Server, start_server, wait_for
from tipline.limits import Limits

Peers = Callable[[str], Peer]
OUTAGE_S = 10.0


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    redis = EmbeddedRedis(tmp_path / "redis")  # a restart keeps its socket and password
    redis.start()
    yield redis
    redis.stop()


async def health(server: Server) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + "/healthz", timeout=aiohttp.ClientTimeout(total=5)) as response,
    ):
        body: dict[str, object] = await response.json()
        return response.status, body


async def test_redis_outage_is_survived_without_losing_acknowledged_messages(
    prefix: str, tmp_path: Path, peers: Peers, private_redis: EmbeddedRedis
) -> None:
    """During the outage: 503 and `unavailable` fast; after it: recovery and every ack kept."""
    roomy = Limits(messages_per_connection=1000, messages_per_incident=1000)
    async with start_server(prefix, tmp_path, redis_url=private_redis.url, limits=roomy) as server:
        reporter = peers("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": "someone is selling pills at lunch"})
        acked: list[str] = []
        for i in range(20):
            text = f"before outage {i}"
            if (await reporter.call("message:send", {"text": text, "client_id": text}))["ok"]:
                acked.append(text)

        await asyncio.to_thread(private_redis.stop)
        loop = asyncio.get_running_loop()
        outage_ends = loop.time() + OUTAGE_S
        unavailable = 0
        while loop.time() < outage_ends:
            started = loop.time()
            status, body = await health(server)
            assert status == 503
            assert body["redis"] == "down"
            assert "unreachable" in str(body["reason"])
            ack = await reporter.call("message:send", {"text": "during", "client_id": "during"})
            assert ack == {
                "ok": False,
                "error": {"code": "unavailable", "message": ack["error"]["message"]},
            }
            assert loop.time() - started < 5  # an answer, not a hang
            unavailable += 1
        newcomer = peers("/report")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await newcomer.connect(server.url, {"org_code": "DEMO"})
        assert unavailable >= 2

        await asyncio.to_thread(private_redis.start)

        async def healthy() -> bool:
            return (await health(server))[0] == 200

        await wait_for(healthy, what="health back to 200", timeout=15)
        after = await reporter.call("message:send", {"text": "after outage", "client_id": "after"})
        assert after["ok"], after
        acked.append("after outage")
        history = await reporter.call("messages:since", {"after_seq": 0})
        texts = [m["text"] for m in history["messages"]]
        assert texts == acked  # every acknowledged message once, in order; nothing else
        assert [m["seq"] for m in history["messages"]] == list(range(1, len(acked) + 1))
        back = peers("/report")
        await back.connect(server.url, {"receipt": filed["receipt"]})
