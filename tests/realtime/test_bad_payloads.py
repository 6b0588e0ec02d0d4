"""Every event with bad payloads: a clear error code, nothing changed, the server keeps serving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from tests.conftest import Peer, Server

Peers = Callable[[str], Peer]
LONG = "x" * 8001
ARCHIVE = b":archive"  # the archive stream's key suffix (adapters/redis_keys.py)

REPORTER_CASES: list[tuple[str, Any, str]] = [
    ("report:create", None, "bad_request"),
    ("report:create", "just a string", "bad_request"),
    ("report:create", ["a", "list"], "bad_request"),
    ("report:create", {}, "bad_request"),
    ("report:create", {"text": 42}, "bad_request"),
    ("report:create", {"text": ["x"]}, "bad_request"),
    ("report:create", {"text": "   \n\t "}, "empty"),
    ("report:create", {"text": ""}, "empty"),
    ("report:create", {"text": LONG}, "too_long"),
    ("report:create", {"text": "x" * 200_000}, "too_long"),
    ("report:create", {"text": "ok", "category": "aliens"}, "bad_request"),
    ("report:create", {"text": "ok", "category": 3}, "bad_request"),
    ("message:send", {"text": "hi"}, "bad_request"),
    ("message:send", {"text": "hi", "client_id": 5}, "bad_request"),
    ("message:send", {"text": "", "client_id": "c"}, "empty"),
    ("message:send", {"text": LONG, "client_id": "c"}, "too_long"),
    ("message:send", "hi", "bad_request"),
    ("messages:since", {"after_seq": "0"}, "bad_request"),
    ("messages:since", {"after_seq": -1}, "bad_request"),
    ("messages:since", {}, "bad_request"),
    ("messages:since", 7, "bad_request"),
]

RESPONDER_CASES: list[tuple[str, Any, str]] = [
    ("incident:list", {"status": "maybe"}, "bad_request"),
    ("incident:list", "all", "bad_request"),
    ("incident:join", {}, "bad_request"),
    ("incident:join", {"incident_id": 12}, "bad_request"),
    ("incident:join", {"incident_id": "TL-NOPE"}, "not_found"),
    ("incident:join", {"incident_id": "x" * 500}, "bad_request"),
    ("incident:claim", None, "bad_request"),
    ("incident:claim", {"incident_id": "TL-NOPE"}, "not_found"),
    ("message:send", {"incident_id": "TL-NOPE", "text": "hi", "client_id": "c"}, "not_found"),
    ("message:send", {"incident_id": "TL-NOPE", "text": "hi"}, "bad_request"),
    ("messages:since", {"incident_id": "TL-NOPE", "after_seq": 0}, "not_found"),
    ("messages:since", {"incident_id": "TL-NOPE", "after_seq": 1.5}, "bad_request"),
    ("report:phone", {"org_code": "NOPE", "text": "caller says"}, "unknown_org"),
    ("report:phone", {"org_code": "DEMO", "text": " "}, "empty"),
    ("report:phone", [], "bad_request"),
]


async def snapshot(client: aioredis.Redis, prefix: str) -> dict[bytes, Any]:
    """Every key of this test's prefix with its type and size: what 'nothing changed' means.
    The archive's own bookkeeping (its stream and watermarks) is left out: the worker moves
    it on its own time, after the report filed before `before`; a bad payload that wrote
    anything would show in the incident's keys."""
    state: dict[bytes, Any] = {}
    async for key in client.scan_iter(match=f"{prefix}:*"):
        if key.endswith((ARCHIVE, ARCHIVE + b":wm", ARCHIVE + b":dead")):
            continue
        kind: Any = await client.type(key)
        size = {
            b"hash": client.hlen,
            b"list": client.llen,
            b"zset": client.zcard,
            b"stream": client.xlen,
            b"set": client.scard,
        }.get(kind)
        state[key] = (kind, await size(key) if size else await client.get(key))
    return state


async def test_reporter_bad_payloads_get_codes_and_change_nothing(
    tipline_server: Server, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Each bad /report payload gets its error code; the store is untouched; serving goes on."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    # Before any report: the chat events need one.
    no_report = await reporter.call("message:send", {"text": "hi", "client_id": "c"})
    assert no_report["error"]["code"] == "no_report"
    filed = await reporter.call("report:create", {"text": "a kid is selling vapes"})
    assert filed["ok"]
    before = await snapshot(redis_client, tipline_server.prefix)
    for event, payload, code in REPORTER_CASES:
        ack = await reporter.call(event, payload)
        assert ack["ok"] is False, (event, payload)
        assert ack["error"]["code"] == code, (event, payload, ack)
        assert ack["error"]["message"]
    assert await snapshot(redis_client, tipline_server.prefix) == before
    assert (await reporter.call("message:send", {"text": "still here", "client_id": "z"}))["ok"]


async def test_responder_bad_payloads_get_codes_and_change_nothing(
    tipline_server: Server, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Each bad /respond payload gets its error code; the store is untouched; serving goes on."""
    agent = peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    before = await snapshot(redis_client, tipline_server.prefix)
    for event, payload, code in RESPONDER_CASES:
        ack = await agent.call(event, payload)
        assert ack["ok"] is False, (event, payload)
        assert ack["error"]["code"] == code, (event, payload, ack)
    assert await snapshot(redis_client, tipline_server.prefix) == before
    assert (await agent.call("incident:list"))["ok"]


async def test_extra_arguments_and_unknown_keys_are_tolerated(
    tipline_server: Server, peers: Peers
) -> None:
    """Unknown keys are ignored and extra positional arguments do not break the ack."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "demo"})
    # A tuple is sent as several arguments.
    ack = await reporter.call("report:create", ({"text": "lost my phone", "mood": "sad"}, "extra"))
    assert ack["ok"]
    assert isinstance(ack["receipt"], str)
    assert len(ack["receipt"]) == 29
