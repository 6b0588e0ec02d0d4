"""A lean Socket.IO v5 / Engine.IO v4 client over one raw websocket (aiohttp).

The stock `socketio.AsyncClient` spends about twice the CPU of a raw Engine.IO client per
message, so a benchmark driven by it measures its own client as much as the server. This
speaks just what the benchmarks need: websocket transport only, one namespace per
connection, JSON events with acknowledgements, and the server's heartbeat.

Wire format (text frames): `0{...}` Engine.IO open; `2` ping from the server, answered `3`;
`4` + a Socket.IO packet: `0/ns,{auth}` connect, `2/ns,<id>["event",data]` event,
`3/ns,<id>[data]` ack, `4/ns,{...}` connect error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

# Awaited in the reader task, so a handler that replies needs no task of its own.
EventHandler = Callable[[str, Any], Awaitable[None]]


class ConnectRefusedError(Exception):
    """The server refused the namespace connection (wrong code, token, ...)."""


def socket_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"


class LeanClient:
    """One websocket, one namespace. `on_event(name, data)` is awaited in the reader task."""

    def __init__(self, namespace: str, on_event: EventHandler) -> None:
        self.namespace = namespace
        self._on_event = on_event
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._next_id = 0
        self._acks: dict[int, asyncio.Future[Any] | Callable[[Any], None]] = {}
        self._connected: asyncio.Future[None] | None = None

    async def connect(
        self, session: aiohttp.ClientSession, base_url: str, auth: dict[str, Any]
    ) -> None:
        ws = await session.ws_connect(socket_url(base_url), max_msg_size=0, autoping=True)
        opening = await ws.receive_str()
        if not opening.startswith("0"):
            raise ConnectRefusedError(f"unexpected Engine.IO open: {opening[:80]}")
        self._ws = ws
        self._connected = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())
        await ws.send_str(f"40{self.namespace},{json.dumps(auth)}")
        await self._connected

    async def call(self, event: str, data: Any) -> Any:
        """Emit with an acknowledgement and wait for it."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._send(event, data, future)
        return await future

    async def emit(self, event: str, data: Any, on_ack: Callable[[Any], None]) -> None:
        """Emit with an acknowledgement delivered to `on_ack` (no future, no task)."""
        await self._send(event, data, on_ack)

    async def _send(
        self, event: str, data: Any, ack: asyncio.Future[Any] | Callable[[Any], None]
    ) -> None:
        assert self._ws is not None
        self._next_id += 1
        self._acks[self._next_id] = ack
        body = json.dumps([event, data], separators=(",", ":"))
        await self._ws.send_str(f"42{self.namespace},{self._next_id}{body}")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        assert self._ws is not None
        ws = self._ws
        async for frame in ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            text: str = frame.data
            if text == "2":
                await ws.send_str("3")
            elif text.startswith("4"):
                event = self._packet(text)
                if event is not None:
                    await self._on_event(*event)
        self._fail(ConnectionError("websocket closed"))

    def _packet(self, text: str) -> tuple[str, Any] | None:
        """Handle acks and connect answers; return an event for the handler."""
        kind = text[1]
        rest = text[2:]
        if rest.startswith("/"):
            _, _, rest = rest.partition(",")
        if kind == "2":  # event from the server (no ack asked of us in our protocol)
            start = rest.index("[")
            name, *args = json.loads(rest[start:])
            return name, args[0] if args else None
        if kind == "3":
            start = rest.index("[")
            ack = self._acks.pop(int(rest[:start]), None)
            args = json.loads(rest[start:])
            value = args[0] if args else None
            if isinstance(ack, asyncio.Future):
                if not ack.done():
                    ack.set_result(value)
            elif ack is not None:
                ack(value)
        elif kind == "0" and self._connected and not self._connected.done():
            self._connected.set_result(None)
        elif kind == "4" and self._connected and not self._connected.done():
            self._connected.set_exception(ConnectRefusedError(rest[:200]))
        return None

    def _fail(self, exc: Exception) -> None:
        if self._connected and not self._connected.done():
            self._connected.set_exception(exc)
        for ack in self._acks.values():
            if isinstance(ack, asyncio.Future) and not ack.done():
                ack.set_exception(exc)
        self._acks.clear()
