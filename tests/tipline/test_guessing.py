"""Guessing receipts and tokens is limited, and never locks an honest user out (issue #19,
item 11): past a budget of failed attempts, shared by every connection, an attempt is
checked only with a solved proof of work (a wrong one still counts), so each further guess
costs its sender the work; right answers spend nothing; one connection has a budget of its
own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, receipt_of, start_server
from tipline import guessing, logs
from tipline import pow as proof_of_work
from tipline.limits import Limits

# Cheap work for the tests (a few hundred hashes); benchmarks/pow_bench.py measures the
# real figures.
EASY = proof_of_work.Policy(base_bits=6, max_bits=10)
# Three free failures a window, and connections that never run out on their own.
SPENT_AFTER_3 = Limits(guess_failures_per_window=3, guess_failures_per_connection=100)


class EngineSocket:
    """One raw Engine.IO websocket on which a client may try namespace connects again and
    again, as an attacker's script would (python-socketio's client gives up after one)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def connect(self, namespace: str, auth: dict[str, Any]) -> str:
        """Try a namespace connect; "ok" or the refusal's code."""
        return str((await self.attempt(namespace, auth))["code"])

    async def attempt(self, namespace: str, auth: dict[str, Any]) -> dict[str, Any]:
        """Try a namespace connect; `{"code": "ok"}` or the refusal's data."""
        await self.ws.send_str(f"40{namespace},{json.dumps(auth)}")
        while True:
            frame = await self.ws.receive_str(timeout=10)
            if frame == "2":  # the server's ping
                await self.ws.send_str("3")
                continue
            head, _, body = frame.partition(",")
            if head == f"40{namespace}":
                await self.ws.send_str(f"41{namespace},")  # leave again
                return {"code": "ok"}
            if head == f"44{namespace}":
                data: dict[str, Any] = json.loads(body)["data"]
                return data


async def engine_socket(session: aiohttp.ClientSession, url: str) -> EngineSocket:
    ws = await session.ws_connect(url + "/socket.io/?EIO=4&transport=websocket")
    opened = await ws.receive_str(timeout=10)
    assert opened.startswith("0")
    return EngineSocket(ws)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def solved(refusal: dict[str, Any]) -> dict[str, str]:
    """The proof a client sends back for a `pow_required` refusal's challenge."""
    assert refusal["code"] in ("pow_required", "pow_invalid"), refusal
    challenge = refusal["challenge"]
    assert challenge["algorithm"] == proof_of_work.ALGORITHM
    nonce = proof_of_work.solve(challenge["challenge"], challenge["difficulty"])
    return {"challenge": challenge["challenge"], "nonce": nonce}


async def spend_budget(socket: EngineSocket, namespace: str, count: int = 10) -> list[str]:
    """A bounded flood of `count` wrong receipts (or tokens) on one connection."""
    field = "receipt" if namespace == "/report" else "token"
    return [await socket.connect(namespace, {field: f"WRONG-{i}"}) for i in range(count)]


async def failures(redis_client: aioredis.Redis, prefix: str, kind: str) -> int:
    """The window's count of failed attempts of `kind`, as every process sees it."""
    raw = await redis_client.get(f"{prefix}:rl:guess:{kind}")
    return int(raw) if raw is not None else 0


async def test_past_the_budget_attempts_need_a_proof_and_right_ones_spend_nothing(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """Right receipts never spend the budget; three wrong ones do; then every receipt without
    a proof, even the right one, gets `pow_required` unchecked, while tokens, which have their
    own budget, work. The log says so without any of the guesses."""

    def said() -> str:
        return json.dumps([e for e in entries if e["logger"] == "tipline.guessing"])

    with logs.capture() as entries:
        async with start_server(
            prefix, tmp_path, limits=SPENT_AFTER_3, proof_of_work=EASY
        ) as server:
            receipt = await receipt_of(server)
            socket = await engine_socket(session, server.url)
            for _ in range(5):
                assert await socket.connect("/report", {"receipt": receipt}) == "ok"
            assert "auth.guessing" not in said()  # a right receipt is no guess
            assert await spend_budget(socket, "/report", 3) == ["bad_receipt"] * 3
            assert await socket.connect("/report", {"receipt": "WRONG-4"}) == "pow_required"
            assert await socket.connect("/report", {"receipt": receipt}) == "pow_required"
            assert await failures(redis_client, prefix, "receipt") == 3  # unchecked: not counted
            assert await socket.connect("/respond", {"token": server.agent_token}) == "ok"
            tokens = await spend_budget(socket, "/respond", 4)
            assert tokens == ["bad_token"] * 3 + ["pow_required"]
            assert await socket.connect("/respond", {"token": server.agent_token}) == "pow_required"
    assert "auth.guessing" in said()
    assert "auth.guess_budget_spent" in said()
    assert "WRONG-" not in said()


async def test_right_receipt_on_a_new_connection_gets_in_with_a_proof_past_the_budget(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """With the budget spent by a flood of wrong receipts, a student's right receipt on a new
    connection is answered with a challenge, and with it solved, gets in."""
    async with start_server(prefix, tmp_path, limits=SPENT_AFTER_3, proof_of_work=EASY) as server:
        receipt = await receipt_of(server)
        flood = await spend_budget(await engine_socket(session, server.url), "/report")
        assert flood[:3] == ["bad_receipt"] * 3
        student = await engine_socket(session, server.url)
        refused = await student.attempt("/report", {"receipt": receipt})
        assert refused["code"] == "pow_required"
        proof = solved(refused)
        assert await student.connect("/report", {"receipt": receipt, "pow": proof}) == "ok"


async def test_right_token_on_a_new_connection_gets_in_with_a_proof_past_the_budget(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """With the budget spent by a flood of wrong tokens, an agent's right token on a new
    connection is answered with a challenge, and with it solved, gets in."""
    async with start_server(prefix, tmp_path, limits=SPENT_AFTER_3, proof_of_work=EASY) as server:
        flood = await spend_budget(await engine_socket(session, server.url), "/respond")
        assert flood[:3] == ["bad_token"] * 3
        agent = await engine_socket(session, server.url)
        refused = await agent.attempt("/respond", {"token": server.agent_token})
        assert refused["code"] == "pow_required"
        proof = solved(refused)
        assert await agent.connect("/respond", {"token": server.agent_token, "pow": proof}) == "ok"


async def test_a_wrong_receipt_with_a_valid_proof_is_refused_and_counted(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """Past the budget a wrong receipt with a solved challenge is checked, refused
    `bad_receipt` and counted as one more failure; a right one with a proof is not counted."""
    async with start_server(prefix, tmp_path, limits=SPENT_AFTER_3, proof_of_work=EASY) as server:
        receipt = await receipt_of(server)
        socket = await engine_socket(session, server.url)
        await spend_budget(socket, "/report", 3)
        assert await failures(redis_client, prefix, "receipt") == 3
        proof = solved(await socket.attempt("/report", {"receipt": "WRONG-X"}))
        guess = {"receipt": "WRONG-X", "pow": proof}
        assert await socket.connect("/report", guess) == "bad_receipt"
        assert await failures(redis_client, prefix, "receipt") == 4
        proof = solved(await socket.attempt("/report", {"receipt": receipt}))
        assert await socket.connect("/report", {"receipt": receipt, "pow": proof}) == "ok"
        assert await failures(redis_client, prefix, "receipt") == 4


async def test_a_proof_is_single_use_and_bound_to_its_kind(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, session: aiohttp.ClientSession
) -> None:
    """A proof that let one attempt in is refused `pow_invalid` (with a fresh challenge) on
    the next, even with the right receipt; a receipt's proof does not buy a token attempt,
    nor does a report's proof of work buy a receipt attempt."""
    async with start_server(prefix, tmp_path, limits=SPENT_AFTER_3, proof_of_work=EASY) as server:
        receipt = await receipt_of(server)
        socket = await engine_socket(session, server.url)
        await spend_budget(socket, "/report", 3)
        await spend_budget(socket, "/respond", 3)
        proof = solved(await socket.attempt("/report", {"receipt": receipt}))
        assert await socket.connect("/report", {"receipt": receipt, "pow": proof}) == "ok"
        again = await socket.attempt("/report", {"receipt": receipt, "pow": proof})
        assert again["code"] == "pow_invalid"
        assert again["challenge"]["challenge"] != proof["challenge"]
        fresh = solved(await socket.attempt("/report", {"receipt": receipt}))
        token = {"token": server.agent_token, "pow": fresh}
        assert await socket.connect("/respond", token) == "pow_invalid"
        reporter = Peer("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        challenge = await reporter.call("pow:challenge", {})
        await reporter.close()
        nonce = proof_of_work.solve(challenge["challenge"], challenge["difficulty"])
        report_proof = {"challenge": challenge["challenge"], "nonce": nonce}
        assert await socket.connect("/report", {"receipt": receipt, "pow": report_proof}) == (
            "pow_invalid"
        )


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


def test_difficulty_rises_with_the_failure_rate_up_to_the_cap() -> None:
    """The base difficulty at the budget, one bit more per doubling of failures, never past
    the cap."""
    policy = proof_of_work.Policy(base_bits=16, max_bits=20)
    bits = [guessing.difficulty(policy, failures=n, budget=300) for n in (301, 599, 600, 1200)]
    assert bits == [16, 16, 17, 18]
    assert guessing.difficulty(policy, failures=10**9, budget=300) == 20
