"""The aiohttp application: Socket.IO, health, the web pages, and security headers.

Built by `build()` from parts the composition root hands in; nothing is created at import.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import socketio
from aiohttp import web

from realtime.engineio_socket import SocketServer
from realtime.manager import DirectSend
from realtime.reporter import ReportNamespace
from realtime.responder import RespondNamespace
from tipline.ports import Triager, UseCases

log = logging.getLogger("tipline.realtime")
STATIC = Path(__file__).parent / "static"
# Frames of at least 256 KiB (PROTOCOL.md), so an over-long text gets `too_long`, not a
# closed socket (python-socketio closes with 1009 above `max_http_buffer_size`).
MAX_FRAME = 1024 * 1024

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; media-src 'self' data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    # Browsers that once reached Tipline over TLS keep to it for two years (ignored over
    # plain HTTP, so harmless on a loopback demo).
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
# aiohttp names itself and its version ("Python/3.11 aiohttp/3.14.5"); a version helps
# only someone looking for a known hole.
SERVER_NAME = "tipline"
# python-engineio and python-socketio log through these: with `logger=False` they would
# add a StreamHandler of their own (plain text, tracebacks with session ids) to
# `engineio.server` and `socketio.server`; handed a logger they add nothing, and their
# records reach the JSON handler only (tipline/logs.py masks the session ids).
ENGINEIO_LOG = "engineio.tipline"
SOCKETIO_LOG = "socketio.tipline"


@dataclasses.dataclass(frozen=True, slots=True)
class Health:
    """What `/healthz` asks: is the store reachable, is triage loaded."""

    store_ping: Callable[[], Awaitable[bool]]
    triager: Triager
    extra: Callable[[], dict[str, object]] = dict


def new_server(
    client_manager: socketio.AsyncManager | None = None,
    *,
    allowed_hosts: Iterable[str] = (),
) -> socketio.AsyncServer:
    """The Socket.IO server: its loggers at WARNING into the JSON log only (at INFO they
    print session ids), browsers held to `allowed_hosts` (none: the page's own origin as the
    request's Host names it), websockets read and written without a task per frame
    (realtime/engineio_socket.py), and with no `client_manager` rooms kept in this process,
    sent to without a task per recipient (realtime/manager.py)."""
    loggers = [logging.getLogger(name) for name in (ENGINEIO_LOG, SOCKETIO_LOG)]
    for library_log in loggers:
        library_log.setLevel(logging.WARNING)
    hosts = frozenset(h.lower() for h in allowed_hosts)
    return SocketServer(
        async_mode="aiohttp",
        client_manager=client_manager if client_manager is not None else DirectSend(),
        logger=loggers[1],
        engineio_logger=loggers[0],
        max_http_buffer_size=MAX_FRAME,
        # Non-browser clients send no Origin and are not checked.
        cors_allowed_origins=_origin_check(hosts) if hosts else None,
    )


def _origin_check(hosts: frozenset[str]) -> Callable[[str, dict[str, Any]], bool]:
    """An Origin is accepted when its host name is one of `hosts` (any port, any scheme).
    python-engineio's own check compares it with the request's Host header, which a page
    on another name that resolves to this server (DNS rebinding) sets to match."""

    def allowed(origin: str, environ: dict[str, Any]) -> bool:
        try:
            host = urllib.parse.urlsplit(origin).hostname
        except ValueError:
            return False
        return host is not None and host in hosts

    return allowed


def build(
    *,
    sio: socketio.AsyncServer,
    service: UseCases,
    health: Health,
    static_dir: Path = STATIC,
    extra_routes: Callable[[web.Application], None] | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_security_headers], client_max_size=MAX_FRAME)
    app.on_response_prepare.append(_server_name)
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


async def _server_name(request: web.Request, response: web.StreamResponse) -> None:
    # Every answer the application prepares, the websocket handshake included (which the
    # middleware never sees: python-engineio prepares it inside the handler).
    response.headers["Server"] = SERVER_NAME


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
