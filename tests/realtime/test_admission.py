"""Issue #19: a flood on a school's public access code never turns an honest report away.

Real server on loopback, real Socket.IO clients, real Redis. Floods are bounded and small:
the limits are tightened so that a few dozen events show what 1,250 did in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer, Server, start_server
from tipline import pow as proof_of_work
from tipline.limits import Limits

Peers = Callable[[str], Peer]
TIGHT = Limits(reports_per_connection=2, unproven_reports_per_school=4)
# Cheap work for the tests (a few hundred hashes); the bench measures the real figures.
EASY = proof_of_work.Policy(base_bits=6, max_bits=10, calm_reports=4)
EMERGENCY = "there is a gun in her backpack"
HONEST = "someone is selling vapes in the second floor bathroom"


@pytest.fixture
async def server(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    async with start_server(prefix, tmp_path, limits=TIGHT, proof_of_work=EASY) as started:
        yield started


async def reporter(server: Server, peers: Peers, org: str = "DEMO") -> Peer:
    peer = peers("/report")
    await peer.connect(server.url, {"org_code": org})
    return peer


async def solved(peer: Peer) -> dict[str, str]:
    """Ask for a challenge and solve it, as the reporter page does."""
    challenge = await peer.call("pow:challenge", {})
    assert challenge["ok"], challenge
    nonce = proof_of_work.solve(challenge["challenge"], challenge["difficulty"])
    return {"challenge": challenge["challenge"], "nonce": nonce}


async def flood_open_lane(server: Server, peers: Peers, count: int = 6) -> list[Any]:
    """`count` reports without a proof from fresh connections (two per connection)."""
    codes: list[Any] = []
    for i in range(0, count, 2):
        peer = await reporter(server, peers)
        for j in range(2):
            ack = await peer.call("report:create", {"text": f"spam {i}.{j}"})
            codes.append(ack["ok"] or ack["error"]["code"])
        await peer.close()
    return codes


async def stored_texts(server: Server, peers: Peers) -> list[str]:
    agent = peers("/respond")
    await agent.connect(server.url, {"token": server.agent_token})
    listed = await agent.call("incident:list", {"status": "all"})
    return [i["text"] for i in listed["incidents"]]


async def test_connection_flood_leaves_the_next_student_admitted(
    server: Server, peers: Peers
) -> None:
    """Forty connects in a burst on one access code do not refuse the next student's."""
    for _ in range(40):
        flooder = await reporter(server, peers)
        await flooder.close()
    honest = await reporter(server, peers)
    ack = await honest.call("report:create", {"text": HONEST, "pow": await solved(honest)})
    assert ack["ok"], ack


async def test_report_flood_never_turns_away_a_proven_report(server: Server, peers: Peers) -> None:
    """Once proofless reports fill their lane, a report with a solved challenge is stored."""
    codes = await flood_open_lane(server, peers)
    assert codes[:4] == [True] * 4
    assert codes[4:] == ["rate_limited"] * 2
    honest = await reporter(server, peers)
    ack = await honest.call("report:create", {"text": HONEST, "pow": await solved(honest)})
    assert ack["ok"], ack
    assert HONEST in await stored_texts(server, peers)


async def test_rules_emergency_is_stored_past_every_limit_without_a_proof(
    server: Server, peers: Peers
) -> None:
    """With the open lane full and the connection's budget spent, a rules emergency is stored."""
    await flood_open_lane(server, peers)
    peer = await reporter(server, peers)
    for i in range(2):
        ack = await peer.call("report:create", {"text": EMERGENCY + f" ({i})"})
        assert ack["ok"], ack  # the emergency lane: no proof, open lane already full
    over = await peer.call("report:create", {"text": EMERGENCY})
    assert over["ok"], over  # and past the connection's own budget of two
    failed = await peer.call(
        "report:create", {"text": EMERGENCY + "!", "pow": {"challenge": "1.2.3.4", "nonce": "0"}}
    )
    assert failed["ok"], failed  # a failed proof changes nothing for an emergency
    texts = await stored_texts(server, peers)
    assert texts.count(EMERGENCY) == 1
    assert len([t for t in texts if t.startswith(EMERGENCY)]) == 4


async def test_refusal_hands_a_challenge_that_gets_the_report_in(
    server: Server, peers: Peers
) -> None:
    """A proofless report past the open lane is refused with a challenge; solved, it is in."""
    await flood_open_lane(server, peers)
    peer = await reporter(server, peers)
    refused = await peer.call("report:create", {"text": HONEST})
    assert refused["error"]["code"] == "rate_limited"
    challenge = refused["pow"]
    assert challenge["algorithm"] == proof_of_work.ALGORITHM
    nonce = proof_of_work.solve(challenge["challenge"], challenge["difficulty"])
    answer = {"challenge": challenge["challenge"], "nonce": nonce}
    assert (await peer.call("report:create", {"text": HONEST, "pow": answer}))["ok"]


async def test_a_proof_is_single_use_and_bound_to_its_school(server: Server, peers: Peers) -> None:
    """A spent proof, one for another school, or a wrong nonce gets `pow_invalid`."""
    await flood_open_lane(server, peers)
    first = await reporter(server, peers)
    answer = await solved(first)
    assert (await first.call("report:create", {"text": HONEST, "pow": answer}))["ok"]
    again = await reporter(server, peers)
    replayed = await again.call("report:create", {"text": HONEST, "pow": answer})
    assert replayed["error"]["code"] == "pow_invalid"
    assert replayed["pow"]["challenge"] != answer["challenge"]
    other = await reporter(server, peers, "OTHER")
    foreign = await solved(other)
    stolen = await again.call("report:create", {"text": HONEST, "pow": foreign})
    assert stolen["error"]["code"] == "pow_invalid"
    third = await reporter(server, peers)  # `again` has spent its budget of two
    challenge = await third.call("pow:challenge", {})
    wrong = {"challenge": challenge["challenge"], "nonce": unsolved(challenge)}
    assert (await third.call("report:create", {"text": HONEST, "pow": wrong}))["error"][
        "code"
    ] == "pow_invalid"


def unsolved(challenge: dict[str, Any]) -> str:
    """A nonce that does not solve `challenge`."""
    n = 0
    while (
        proof_of_work.leading_zero_bits(proof_of_work.digest(challenge["challenge"], str(n)))
        >= challenge["difficulty"]
    ):
        n += 1
    return str(n)


async def test_difficulty_rises_with_the_schools_load(server: Server, peers: Peers) -> None:
    """After a burst of reports the school's challenges ask for more work; another's do not."""
    peer = await reporter(server, peers)
    calm = (await peer.call("pow:challenge", {}))["difficulty"]
    for _ in range(5):
        flooder = await reporter(server, peers)
        for _ in range(2):
            assert (
                await flooder.call("report:create", {"text": HONEST, "pow": await solved(flooder)})
            )["ok"]
        await flooder.close()
    busy = (await peer.call("pow:challenge", {}))["difficulty"]
    other = await reporter(server, peers, "OTHER")
    assert calm == EASY.base_bits
    assert busy > calm
    assert (await other.call("pow:challenge", {}))["difficulty"] == EASY.base_bits
