"""The aiohttp application: Socket.IO, health, the web pages, and security headers.

Built by `build()` from parts the composition root hands in; nothing is created at import.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import socketio
from aiohttp import web

from realtime.engineio_socket import SocketServer
from realtime.reporter import ReportNamespace
from realtime.responder import RespondNamespace
from tipline.ports import Triager
from tipline.service import IncidentService

log = logging.getLogger("tipline.realtime")
STATIC = Path(__file__).parent / "static"
# Frames of at least 256 KiB (PROTOCOL.md), so an over-long text gets `too_long`, not a
# closed socket (python-socketio closes with 1009 above `max_http_buffer_size`).
MAX_FRAME = 1024 * 1024

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; media-src 'self' data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Health:
    """What `/healthz` asks: is the store reachable, is triage loaded."""

    store_ping: Callable[[], Awaitable[bool]]
    triager: Triager
    extra: Callable[[], dict[str, object]] = dict


def new_server(client_manager: socketio.AsyncManager | None = None) -> socketio.AsyncServer:
    """The Socket.IO server, quiet (its loggers print client addresses) and same-origin, its
    websockets read and written without a task per frame (realtime/engineio_socket.py)."""
    return SocketServer(
        async_mode="aiohttp",
        client_manager=client_manager,
        logger=False,
        engineio_logger=False,
        max_http_buffer_size=MAX_FRAME,
        # Browsers are held to the page's own origin; non-browser clients send no Origin.
        cors_allowed_origins=None,
    )


def build(
    *,
    sio: socketio.AsyncServer,
    service: IncidentService,
    health: Health,
    static_dir: Path = STATIC,
    extra_routes: Callable[[web.Application], None] | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_security_headers], client_max_size=MAX_FRAME)
    sio.register_namespace(ReportNamespace(service))
    sio.register_namespace(RespondNamespace(service))
    sio.attach(app)
    app.router.add_get("/healthz", _healthz(health))
    app.router.add_get("/", _page(static_dir / "index.html"))
    app.router.add_get("/console", _page(static_dir / "console.html"))
    if static_dir.is_dir():
        app.router.add_static("/static/", static_dir, show_index=False, follow_symlinks=False)
    if extra_routes:
        extra_routes(app)
    return app


@web.middleware
async def _security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 404, 405, ...: hardened like any other answer
        for name, value in SECURITY_HEADERS.items():
            exc.headers.setdefault(name, value)
        raise
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _page(path: Path) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        # FileResponse answers 404 itself when the page is missing.
        return web.FileResponse(path, headers={"Content-Type": "text/html; charset=utf-8"})

    return handler


def _healthz(health: Health) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        try:
            up = await asyncio.wait_for(health.store_ping(), timeout=0.8)
        except Exception:  # any failure to answer in time is "down", whatever the cause
            up = False
        body: dict[str, object] = {
            "ok": up and health.triager.ready,
            "redis": "up" if up else "down",
            "triage": "ready" if health.triager.ready else "loading",
            **health.extra(),
        }
        if not up:
            body["reason"] = "the store (Redis) is unreachable"
        elif not health.triager.ready:
            body["reason"] = "the classifier is still loading"
        return web.json_response(body, status=200 if body["ok"] else 503)

    return handler
