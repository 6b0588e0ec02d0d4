"""HTTP hardening and the libraries' logs (issue #19 items 8 and 11), on the real server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Server, start_server
from tipline import logs

ENGINE_WS = "/socket.io/?EIO=4&transport=websocket"


async def test_every_answer_names_no_server_version_and_keeps_to_tls(
    tipline_server: Server,
) -> None:
    """Pages, 404s and the websocket handshake carry `Server: tipline` (not aiohttp's
    version) and HSTS; the page's CSP lets it connect to its own origin only."""
    async with aiohttp.ClientSession() as session:
        for path in ("/", "/healthz", "/nowhere"):
            async with session.get(tipline_server.url + path) as response:
                assert response.headers["Server"] == "tipline", path
                assert "max-age=" in response.headers["Strict-Transport-Security"], path
                csp = response.headers["Content-Security-Policy"]
                assert "connect-src 'self';" in csp, csp
                assert "ws:" not in csp, csp
                assert "wss:" not in csp, csp
        async with session.ws_connect(tipline_server.url + ENGINE_WS) as ws:
            assert ws._response.headers["Server"] == "tipline"


async def _websocket_status(url: str, *, origin: str, host: str) -> int:
    """The HTTP status of a websocket handshake with that Origin and Host."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(
                url + ENGINE_WS, headers={"Origin": origin, "Host": host}
            ) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_the_origin_check_trusts_the_configured_hosts_not_the_host_header(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """A page on a name that is not configured is refused even when it sends a matching
    Host (DNS rebinding); the configured name is accepted, and clients without an Origin
    are not checked."""
    async with start_server(prefix, tmp_path, allowed_hosts=("tips.example.org",)) as server:
        rebound = await _websocket_status(
            server.url, origin="http://evil.example", host="evil.example"
        )
        assert rebound == 400
        ours = await _websocket_status(
            server.url, origin="https://tips.example.org", host="tips.example.org"
        )
        assert ours == 101
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.url + ENGINE_WS) as ws,
        ):
            assert (await ws.receive_str(timeout=10)).startswith("0{")


@pytest.fixture
def json_log() -> Iterator[list[dict[str, Any]]]:
    """The service's JSON logging, captured; the root logger restored afterwards."""
    with logs.capture(level="INFO") as entries:
        yield entries


def _library_handlers() -> dict[str, list[logging.Handler]]:
    """Handlers of python-engineio's and python-socketio's loggers, by logger name."""
    named = [logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict)]
    return {
        lg.name: list(lg.handlers)
        for lg in named
        if lg.name.partition(".")[0] in ("engineio", "socketio") and lg.handlers
    }


async def test_the_libraries_log_only_through_the_json_logger_without_session_ids(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, json_log: list[dict[str, Any]]
) -> None:
    """python-engineio and python-socketio have no handler of their own (engineio's printed
    tracebacks with session ids beside the JSON line); their error about an unknown session
    reaches the JSON log with the id masked."""
    sid = "AbCdEfGhIjKlMnOpQr12"
    async with start_server(prefix, tmp_path) as server:
        assert _library_handlers() == {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{server.url}/socket.io/?EIO=4&transport=polling&sid={sid}", data="40"
            ) as response,
        ):
            assert response.status == 400
        await asyncio.sleep(0)
    library_lines = [e for e in json_log if e["logger"].startswith(("engineio", "socketio"))]
    assert any("Invalid session" in e["event"] for e in library_lines), json_log
    assert sid not in json.dumps(json_log)
