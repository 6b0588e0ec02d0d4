"""SIGTERM with clients connected (issue #18): every websocket is closed by the server
first, so clients move to another process at once, before the old one finishes stopping."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio

from tests.procs import ServeProcess, serving

pytestmark = pytest.mark.slow
CLIENTS = 10


@pytest.fixture
async def serve(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[ServeProcess]:
    async with serving(prefix, tmp_path / "data", what="healthy") as server:
        yield server


async def _closed_by_server(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    """Read (answering pings) until the websocket ends; the message that ended it."""
    while True:
        message = await ws.receive()
        if message.type == aiohttp.WSMsgType.TEXT and message.data == "2":
            await ws.send_str("3")
        elif message.type != aiohttp.WSMsgType.TEXT:
            return message


async def test_sigterm_closes_every_websocket_before_the_process_stops(
    serve: ServeProcess,
) -> None:
    """After SIGTERM each websocket gets the Engine.IO CLOSE packet and then a close frame
    1000 from the server while the process is still running (it used to stay open until
    aiohttp's shutdown timeout cancelled it); Socket.IO clients see their disconnect."""
    url = serve.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session:
        sockets = [await session.ws_connect(url) for _ in range(CLIENTS)]
        for ws in sockets:
            assert (await ws.receive_str(timeout=10)).startswith("0{")
            await ws.send_str('40/report,{"org_code":"DEMO"}')
            assert (await ws.receive_str(timeout=10)).startswith("40/report,")
        disconnected = asyncio.Event()
        client = socketio.AsyncClient(reconnection=False)
        client.on("disconnect", lambda *_: disconnected.set(), namespace="/report")
        await client.connect(
            serve.url, namespaces=["/report"], auth={"org_code": "DEMO"}, transports=["websocket"]
        )
        serve.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            endings = [await _closed_by_server(ws) for ws in sockets]
            still_running = serve.process.poll() is None
            await disconnected.wait()
        assert [(m.type, m.data) for m in endings] == [(aiohttp.WSMsgType.CLOSE, 1000)] * CLIENTS
        assert still_running
        assert await serve.terminate() == 0
        await client.disconnect()
