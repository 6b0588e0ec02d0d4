"""After a whole scenario, nothing that identifies the reporter is in Redis or in the logs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, Server
from tipline import logs

Peers = Callable[[str], Peer]
USER_AGENT = "ProbePhone/9.9 (reporter-fingerprint-7731)"
REPORT_TEXT = "the quiet kid in 5th period shows me cuts zebra-orchid-4411"
MESSAGE_TEXT = "please dont tell anyone it was me walrus-mango-9902"


@pytest.fixture
def captured_logs() -> Iterator[list[dict[str, Any]]]:
    """Every log line of the test, formatted exactly as `tipline serve` writes them."""
    with logs.capture() as entries:
        yield entries


async def redis_dump(client: aioredis.Redis, prefix: str) -> str:
    """Every key and value under `prefix`, as one searchable text."""
    parts: list[str] = []
    async for key in client.scan_iter(match=f"{prefix}:*"):
        raw_kind: Any = await client.type(key)
        kind = raw_kind.decode()
        if kind == "string":
            value: object = await client.get(key)
        elif kind == "hash":
            value = await client.hgetall(key)
        elif kind == "list":
            value = await client.lrange(key, 0, -1)
        elif kind == "zset":
            value = await client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = await client.smembers(key)
        else:
            value = await client.xrange(key)
        parts.append(f"{key!r} {value!r}")
    return "\n".join(parts)


async def test_no_ip_user_agent_sid_or_text_in_store_or_logs(
    tipline_server: Server,
    peers: Peers,
    redis_client: aioredis.Redis,
    captured_logs: list[dict[str, Any]],
) -> None:
    """No address, user agent or sid reaches Redis, texts only sealed; no text reaches a log."""
    reporter = peers("/report")
    await reporter.sio.connect(
        tipline_server.url,
        namespaces=["/report"],
        auth={"org_code": "DEMO"},
        headers={"User-Agent": USER_AGENT, "X-Forwarded-For": "203.0.113.77"},
        transports=["websocket"],
    )
    filed = await reporter.call("report:create", {"text": REPORT_TEXT})
    agent = peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    await agent.call("incident:join", {"incident_id": filed["incident_id"]})
    await agent.call("incident:claim", {"incident_id": filed["incident_id"]})
    await reporter.call("message:send", {"text": MESSAGE_TEXT, "client_id": "c1"})
    await reporter.call("message:send", {"text": "", "client_id": "c2"})  # an error path too
    await agent.call("message:send", {"incident_id": filed["incident_id"], "text": "ok"})
    sid = reporter.sio.get_sid("/report")
    engine_sid = reporter.sio.eio.sid
    assert sid
    assert engine_sid

    stored = await redis_dump(redis_client, tipline_server.prefix)
    assert filed["incident_id"] in stored  # the dump is real: the incident must be there
    forbidden_in_store = ["127.0.0.1", "203.0.113.77", USER_AGENT, "ProbePhone", sid, engine_sid]
    # What the reporter wrote is sealed (adapters/redis_codec.py): not in clear either.
    for needle in [*forbidden_in_store, REPORT_TEXT, MESSAGE_TEXT, "zebra-orchid", "walrus-mango"]:
        assert needle not in stored, needle
    assert filed["receipt"] not in stored
    assert filed["receipt"].replace("-", "") not in stored

    lines = json.dumps(captured_logs, ensure_ascii=False)
    assert "report.created" in lines  # logging was on and captured
    for needle in [*forbidden_in_store, REPORT_TEXT, MESSAGE_TEXT, "zebra-orchid", "walrus-mango"]:
        assert needle not in lines, needle
