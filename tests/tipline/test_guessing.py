"""Guessing receipts and tokens is limited, not merely slowed (issue #19, item 11): past a
budget of failed attempts, shared by every connection, attempts are refused `rate_limited`
without being checked; right answers spend nothing; one connection has a budget of its own."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, Server, start_server
from tipline import logs
from tipline.limits import Limits


class EngineSocket:
    """One raw Engine.IO websocket on which a client may try namespace connects again and
    again, as an attacker's script would (python-socketio's client gives up after one)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def connect(self, namespace: str, auth: dict[str, str]) -> str:
        """Try a namespace connect; "ok" or the refusal's code."""
        await self.ws.send_str(f"40{namespace},{json.dumps(auth)}")
        while True:
            frame = await self.ws.receive_str(timeout=10)
            if frame == "2":  # the server's ping
                await self.ws.send_str("3")
                continue
            head, _, body = frame.partition(",")
            if head == f"40{namespace}":
                await self.ws.send_str(f"41{namespace},")  # leave again
                return "ok"
            if head == f"44{namespace}":
                data: dict[str, Any] = json.loads(body)
                return str(data["data"]["code"])


async def engine_socket(session: aiohttp.ClientSession, url: str) -> EngineSocket:
    ws = await session.ws_connect(url + "/socket.io/?EIO=4&transport=websocket")
    opened = await ws.receive_str(timeout=10)
    assert opened.startswith("0")
    return EngineSocket(ws)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def receipt_of(server: Server) -> str:
    reporter = Peer("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": "someone wrote on my locker"})
    await reporter.close()
    return str(filed["receipt"])


async def test_past_the_budget_attempts_are_refused_unchecked_and_right_ones_spend_nothing(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """Right receipts never spend the budget; three wrong ones do; then every receipt, even
    the right one, gets `rate_limited`, while tokens, which have their own budget, work. The
    log says so without any of the guesses."""
    limits = Limits(guess_failures_per_window=3, guess_failures_per_connection=100)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logging.getLogger("tipline.service").addHandler(handler)
    async with start_server(prefix, tmp_path, limits=limits) as server:
        receipt = await receipt_of(server)
        socket = await engine_socket(session, server.url)
        for _ in range(5):
            assert await socket.connect("/report", {"receipt": receipt}) == "ok"
        assert "auth.guessing" not in stream.getvalue()  # a right receipt is no guess
        wrong = [await socket.connect("/report", {"receipt": f"WRONG-{i}"}) for i in range(3)]
        assert wrong == ["bad_receipt"] * 3
        assert await socket.connect("/report", {"receipt": "WRONG-4"}) == "rate_limited"
        assert await socket.connect("/report", {"receipt": receipt}) == "rate_limited"
        assert await socket.connect("/respond", {"token": server.agent_token}) == "ok"
        tokens = [await socket.connect("/respond", {"token": f"bad-{i}"}) for i in range(4)]
        assert tokens == ["bad_token"] * 3 + ["rate_limited"]
        assert await socket.connect("/respond", {"token": server.agent_token}) == "rate_limited"
    logging.getLogger("tipline.service").removeHandler(handler)
    assert "auth.guessing" in stream.getvalue()
    assert "auth.guess_budget_spent" in stream.getvalue()
    assert "WRONG-" not in stream.getvalue()
    assert "bad-" not in stream.getvalue()


async def test_one_connection_is_cut_off_after_its_own_failures(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """Two wrong receipts on one connection: its next attempt is refused unchecked, even a
    right one; another connection is not affected."""
    limits = Limits(guess_failures_per_window=1000, guess_failures_per_connection=2)
    async with start_server(prefix, tmp_path, limits=limits) as server:
        receipt = await receipt_of(server)
        guesser = await engine_socket(session, server.url)
        assert await guesser.connect("/report", {"receipt": "WRONG-1"}) == "bad_receipt"
        assert await guesser.connect("/respond", {"token": "wrong-token"}) == "bad_token"
        assert await guesser.connect("/report", {"receipt": receipt}) == "rate_limited"
        assert await guesser.connect("/respond", {"token": server.agent_token}) == "rate_limited"
        honest = await engine_socket(session, server.url)
        assert await honest.connect("/report", {"receipt": receipt}) == "ok"
