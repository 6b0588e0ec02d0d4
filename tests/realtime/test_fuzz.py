"""Fuzzing with hypothesis: every event and route answers, never crashes, never half-changes.

Payloads are arbitrary JSON values mixed with the real field names and plausible values, so
that both the validation and the code behind it get exercised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Peer, Server
from tests.realtime.test_bad_payloads import snapshot

Peers = Callable[[str], Peer]
FIELDS = ["text", "client_id", "after_seq", "incident_id", "status", "action", "outcome",
          "urgency", "resolution", "note", "org_code", "category", "language"]  # fmt: skip
VALUES = ["", " ", "x" * 9000, "TL-NOPE", "DEMO", "open", "all", "reached", "emergency",
          "resolve", "law_enforcement", "bullying", "<script>", "\x00", "é" * 3, "🙂"]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(VALUES)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
payloads = json_values | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
REPORT_EVENTS = ["report:create", "message:send", "messages:since", "incident:list", "x:y"]
RESPOND_EVENTS = ["incident:list", "incident:join", "incident:claim", "message:send",
                  "messages:since", "incident:step", "report:phone", "nonsense"]  # fmt: skip
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def assert_only_counters_changed(
    client: aioredis.Redis, prefix: str, before: dict[bytes, Any]
) -> None:
    """A refusal may touch rate-limit and guess counters, and nothing else."""
    after = await snapshot(client, prefix)
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    assert all(b":rl:" in k for k in changed), changed


def check_ack(ack: Any) -> None:
    assert isinstance(ack, dict)
    assert isinstance(ack["ok"], bool)
    if not ack["ok"]:
        assert isinstance(ack["error"]["code"], str)
        assert ack["error"]["code"] != "internal", ack
        assert isinstance(ack["error"]["message"], str)


@FUZZ
@given(event=st.sampled_from(RESPOND_EVENTS), data=payloads)
async def test_fuzzed_responder_events_never_crash_or_change_on_error(
    tipline_server: Server, peers: Peers, redis_client: aioredis.Redis, event: str, data: Any
) -> None:
    """Any payload on /respond gets a well-formed ack; a refused one changes nothing."""
    agent = peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    before = await snapshot(redis_client, tipline_server.prefix)
    ack = await agent.call(event, data)
    check_ack(ack)
    if not ack["ok"]:
        await assert_only_counters_changed(redis_client, tipline_server.prefix, before)
    await agent.close()


@FUZZ
@given(event=st.sampled_from(REPORT_EVENTS), data=payloads)
async def test_fuzzed_reporter_events_never_crash_or_change_on_error(
    tipline_server: Server, peers: Peers, redis_client: aioredis.Redis, event: str, data: Any
) -> None:
    """Any payload on /report gets a well-formed ack; a refused one changes nothing."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    before = await snapshot(redis_client, tipline_server.prefix)
    ack = await reporter.call(event, data)
    check_ack(ack)
    if not ack["ok"]:
        await assert_only_counters_changed(redis_client, tipline_server.prefix, before)
    await reporter.close()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]),
    path=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
    body=st.binary(max_size=200),
)
async def test_fuzzed_http_requests_never_get_a_server_error(
    tipline_server: Server, method: str, path: str, body: bytes
) -> None:
    """No method, path or body makes an HTTP route answer 5xx."""
    url = tipline_server.url + "/" + path.lstrip("/")
    async with aiohttp.ClientSession() as session:
        try:
            async with session.request(method, url, data=body) as response:
                assert response.status < 500, (method, path, response.status)
        except (aiohttp.InvalidURL, ValueError):
            return  # the client refused to send it; nothing reached the server


async def test_malformed_engine_io_frames_and_oversized_messages(
    tipline_server: Server, peers: Peers
) -> None:
    """Garbage and oversized websocket frames close that socket only; the server serves on."""
    garbage = [
        "",
        "9",
        "4",
        "40/report,{not json",
        '42/report,["report:create"',
        '42/nowhere,["x",1]',
        '42/report,1["message:send",{}]',
        "\x00\xff",
        "2" * 5000,
    ]
    url = tipline_server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session:
        for frame in garbage:
            async with session.ws_connect(url) as ws:
                await ws.receive(timeout=5)  # the open packet
                await ws.send_str(frame)
                await ws.send_bytes(b"\xde\xad\xbe\xef")
        async with session.ws_connect(url, max_msg_size=0) as ws:
            await ws.receive(timeout=5)
            await ws.send_str(
                '42/report,["report:create",' + json.dumps({"text": "x" * 3_000_000}) + "]"
            )
            closed = await ws.receive(timeout=10)
            assert closed.type in {
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
            }
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    assert (await reporter.call("report:create", {"text": "still serving"}))["ok"]
