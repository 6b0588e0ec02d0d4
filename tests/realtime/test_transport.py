"""The transport under bad input (issue #18, #19): the real server on a loopback port,
real Socket.IO clients, and raw Engine.IO websockets and polling requests where a real
client cannot send what is tested."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio

from tests.conftest import Peer, Server, start_server

Peers = Callable[[str], Peer]
CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


class EngineSocket:
    """A raw Engine.IO websocket that answers every ping, connected to /report."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def next_packet(self, timeout: float = 10.0) -> str | None:
        """The next Engine.IO packet other than a ping (answered); None once closed."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive()
                if message.type in CLOSED:
                    return None
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                if message.data == "2":
                    await self.ws.send_str("3")
                    continue
                return str(message.data)

    async def join_report(self) -> None:
        await self.ws.send_str('40/report,{"org_code":"DEMO"}')
        answer = await self.next_packet()
        assert answer is not None
        assert answer.startswith("40/report,"), answer


@contextlib.asynccontextmanager
async def engine_socket(server: Server, **options: Any) -> AsyncIterator[EngineSocket]:
    url = server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(url, **options) as ws:
        opened = await ws.receive_str(timeout=10)
        assert opened.startswith("0{")
        yield EngineSocket(ws)


async def still_serving(server: Server, peers: Peers) -> None:
    reporter = peers("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    assert (await reporter.call("report:create", {"text": "still serving"}))["ok"]


async def test_an_invalid_engineio_packet_closes_the_socket_of_a_client_that_answers_pings(
    tipline_server: Server, peers: Peers, caplog: pytest.LogCaptureFixture
) -> None:
    """A frame that is no Engine.IO packet ends that session with a close and no error log,
    even for a client that answers pings; the server serves on."""
    async with engine_socket(tipline_server) as sock:
        await sock.join_report()
        for _ in range(20):
            await sock.ws.send_str("abc")
        assert await sock.next_packet() is None  # closed, not left open
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    await still_serving(tipline_server, peers)


async def test_a_polling_message_of_240_kib_gets_its_answer(
    tipline_server: Server, redis_client: aioredis.Redis
) -> None:
    """Over polling, a report of 240,000 characters is answered `too_long` (the POST body is
    read whole, as over websocket), and a short one after it still works."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        tipline_server.url,
        namespaces=["/report"],
        auth={"org_code": "DEMO"},
        transports=["polling"],
    )
    try:
        ack = await client.call(
            "report:create", {"text": "x" * 240_000}, namespace="/report", timeout=20
        )
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == "too_long", ack
        ok = await client.call("report:create", {"text": "a short one"}, namespace="/report")
        assert ok["ok"], ok
    finally:
        await client.disconnect()


class Polling:
    """A raw Engine.IO polling session."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.base = url + "/socket.io/?EIO=4&transport=polling"
        self.sid = ""

    async def open(self) -> None:
        async with self.session.get(self.base) as response:
            opened = await response.text()
        self.sid = json.loads(opened[1:])["sid"]

    async def post(self, body: str | bytes) -> int:
        async with self.session.post(f"{self.base}&sid={self.sid}", data=body) as response:
            return response.status

    async def packets(self) -> list[str]:
        async with self.session.get(f"{self.base}&sid={self.sid}") as response:
            return (await response.text()).split("\x1e")


async def test_a_polling_post_of_20_packets_is_answered_packet_by_packet(
    tipline_server: Server,
) -> None:
    """One POST carrying 20 events (python-engineio refuses more than 16 and drops them all)
    gets 20 acknowledgements."""
    async with aiohttp.ClientSession() as session:
        polling = Polling(session, tipline_server.url)
        await polling.open()
        assert await polling.post('40/report,{"org_code":"DEMO"}') == 200
        assert (await polling.packets())[0].startswith("40/report,")
        events = [f'42/report,{n}["messages:since",{{"after_seq":0}}]' for n in range(20)]
        assert await polling.post("\x1e".join(events)) == 200
        acks: list[str] = []
        async with asyncio.timeout(10):
            while len(acks) < 20:
                acks += [p for p in await polling.packets() if p.startswith("43/report,")]
        assert sorted(int(a[len("43/report,") :].split("[")[0]) for a in acks) == list(range(20))


async def test_a_polling_post_that_cannot_be_decoded_is_refused(tipline_server: Server) -> None:
    """A POST that is not UTF-8 gets 400 and ends the session (python-engineio answered
    `OK` and dropped it)."""
    async with aiohttp.ClientSession() as session:
        polling = Polling(session, tipline_server.url)
        await polling.open()
        assert await polling.post(b"\xff\xfe\x00garbage") == 400
        assert await polling.post('40/report,{"org_code":"DEMO"}') == 400  # session gone


DEEP = 100_000


@pytest.mark.parametrize(
    ("frame", "what"),
    [
        ('42/report,7["report:create",' + "[" * DEEP + "]" * DEEP + "]", "deep"),
        ('42/report,7["report:create",{"text":' + "1" * 5000 + "}]", "5,000 digits"),
        ("42/report,7[]", "empty event list"),
        ("42/report,7", "no event at all"),
        ('42/report,7{"text":"x"}', "an object, not a list"),
    ],
)
async def test_a_malformed_socketio_event_with_an_ack_id_gets_bad_request(
    tipline_server: Server, peers: Peers, frame: str, what: str
) -> None:
    """An event that cannot be decoded (JSON nested 100,000 deep, a 5,000-digit number, no
    event name) is answered `bad_request` on its ack id; the connection stays up."""
    async with engine_socket(tipline_server) as sock:
        await sock.join_report()
        await sock.ws.send_str(frame)
        answer = await sock.next_packet()
        assert answer is not None, what
        assert answer.startswith("43/report,7"), (what, answer)
        (ack,) = json.loads(answer[len("43/report,7") :])
        assert ack["ok"] is False, (what, ack)
        assert ack["error"]["code"] == "bad_request", (what, ack)
        await sock.ws.send_str('42/report,8["messages:since",{"after_seq":0}]')
        assert (await sock.next_packet() or "").startswith("43/report,8")
    await still_serving(tipline_server, peers)


async def test_a_connect_that_cannot_be_decoded_gets_a_connect_error(
    tipline_server: Server,
) -> None:
    """A CONNECT whose auth is not JSON is refused with CONNECT_ERROR `bad_request`, not left
    unanswered."""
    async with engine_socket(tipline_server) as sock:
        await sock.ws.send_str("40/report,{not json")
        answer = await sock.next_packet()
        assert answer is not None
        assert answer.startswith("44/report,"), answer
        refusal = json.loads(answer[len("44/report,") :])
        assert refusal["data"]["code"] == "bad_request"


async def test_a_frame_over_1_mib_closes_with_1009(tipline_server: Server, peers: Peers) -> None:
    """A websocket frame over 1 MiB closes that socket with code 1009 (message too big), as
    docs/protocol-extensions.md says; the server serves on."""
    async with engine_socket(tipline_server, max_msg_size=0) as sock:
        await sock.join_report()
        text = json.dumps({"text": "x" * (1024 * 1024 + 10)})
        await sock.ws.send_str('42/report,1["report:create",' + text + "]")
        assert await sock.next_packet() is None
        assert sock.ws.close_code == 1009
    await still_serving(tipline_server, peers)


async def test_half_sent_request_headers_are_cut_off(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """Connections that never finish their request headers are closed by the server after
    the header timeout (20 of them, loopback), instead of held open."""
    async with start_server(prefix, tmp_path, header_timeout_s=0.5) as server:
        port = int(server.url.rsplit(":", 1)[1])
        streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(20)]
        for _, writer in streams:
            writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            await writer.drain()
        async with asyncio.timeout(20):
            for reader, _ in streams:
                assert await reader.read() == b""  # EOF: the server hung up
        for _, writer in streams:
            writer.close()
