"""A Socket.IO server alone on a loopback port, for tests of the transport layers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import socketio
from aiohttp import web


@contextlib.asynccontextmanager
async def serving(sio: socketio.AsyncServer) -> AsyncIterator[str]:
    """`sio` attached to an aiohttp app on 127.0.0.1 (a free port); yields its URL, then
    shuts the server down and cleans the app up."""
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await sio.shutdown()
        await runner.cleanup()
