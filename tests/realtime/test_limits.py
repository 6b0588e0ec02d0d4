"""Abuse limits stop floods with `rate_limited` and leave other schools and reporters alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from escalation import engine
from tests.conftest import Peer, Server, start_server
from tipline.limits import Limits

Peers = Callable[[str], Peer]
TIGHT = Limits(
    reports_per_connection=2,
    unproven_reports_per_school=4,
    messages_per_connection=3,
    messages_per_incident=5,
)


@pytest.fixture
async def tight_server(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    async with start_server(prefix, tmp_path, limits=TIGHT) as server:
        yield server


async def reporter(server: Server, peers: Peers, org: str = "DEMO") -> Peer:
    peer = peers("/report")
    await peer.connect(server.url, {"org_code": org})
    return peer


async def test_one_connection_flooding_reports_is_stopped(
    tight_server: Server, peers: Peers
) -> None:
    """A third report from one connection is rate_limited; a new connection still reports."""
    flooder = await reporter(tight_server, peers)
    codes = []
    for i in range(3):
        ack = await flooder.call("report:create", {"text": f"spam {i}"})
        codes.append("ok" if ack["ok"] else ack["error"]["code"])
    assert codes == ["ok", "ok", "rate_limited"]
    honest = await reporter(tight_server, peers)
    assert (await honest.call("report:create", {"text": "someone stole my bike"}))["ok"]


async def test_school_report_limit_spares_other_schools(tight_server: Server, peers: Peers) -> None:
    """Past a school's budget of proofless reports they are refused; another school's are not.
    (A report with a proof of work is never refused so: tests/realtime/test_admission.py.)"""
    results = []
    for i in range(3):
        peer = await reporter(tight_server, peers)
        for j in range(2):
            ack = await peer.call("report:create", {"text": f"flood {i}.{j}"})
            results.append(ack["ok"] or ack["error"]["code"])
    assert results[:4] == [True] * 4
    assert results[4:] == ["rate_limited"] * 2
    other = await reporter(tight_server, peers, "OTHER")
    assert (await other.call("report:create", {"text": "a fight after school"}))["ok"]


async def test_message_flood_is_stopped_per_connection_and_incident(
    tight_server: Server, peers: Peers
) -> None:
    """A reporter's fourth message in a window is refused; the responder can still answer."""
    peer = await reporter(tight_server, peers)
    filed = await peer.call("report:create", {"text": "kids vaping in the bathroom"})
    codes = []
    for i in range(4):
        ack = await peer.call("message:send", {"text": f"m{i}", "client_id": f"c{i}"})
        codes.append("ok" if ack["ok"] else ack["error"]["code"])
    assert codes == ["ok", "ok", "ok", "rate_limited"]
    agent = peers("/respond")
    await agent.connect(tight_server.url, {"token": tight_server.agent_token})
    reply = await agent.call(
        "message:send", {"incident_id": filed["incident_id"], "text": "thanks", "client_id": "a"}
    )
    assert reply["ok"]
    history = await peer.call("messages:since", {"after_seq": 0})
    # The responder's first reply comes after the "joined" line (no claim said it before).
    texts = [m["text"] for m in history["messages"]]
    assert texts == ["m0", "m1", "m2", engine.JOINED, "thanks"]
