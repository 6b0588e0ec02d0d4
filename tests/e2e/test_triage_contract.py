"""The contract's urgencies from the real model, through `tipline serve` and a Socket.IO
client (issue #18, finding 4: vaping is routine in PROTOCOL.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import Peer
from tests.procs import ServeProcess, serving

pytestmark = pytest.mark.slow
AGENT_TOKEN = "triage-contract-agent-token"


@pytest.fixture
async def serve(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> AsyncIterator[ServeProcess]:
    env = {"TIPLINE_CLASSIFIER": "model", "TIPLINE_DEMO_AGENT_TOKEN": AGENT_TOKEN}
    async with serving(
        prefix, tmp_path / "data", env=env, what="the model loaded", timeout=120
    ) as server:
        yield server


async def test_a_vaping_report_is_routine_and_a_collapse_an_emergency(serve: ServeProcess) -> None:
    """`someone is vaping in the bathroom` is filed `routine` (it was `emergency`, 0.88);
    someone unconscious in the bathroom is still `emergency`."""
    reporter, agent = Peer("/report"), Peer("/respond")
    await agent.connect(serve.url, {"token": AGENT_TOKEN})
    await reporter.connect(serve.url, {"org_code": "DEMO"})
    try:
        filed = {}
        for text in (
            "someone is vaping in the bathroom",
            "someone is unconscious in the bathroom and not breathing",
        ):
            ack = await reporter.call("report:create", {"text": text}, timeout=30)
            assert ack["ok"], ack
            filed[ack["incident_id"]] = text
        listed = await agent.call("incident:list", {"status": "open"})
        urgency = {filed[i["incident_id"]]: i["urgency"] for i in listed["incidents"]}
        assert urgency == {
            "someone is vaping in the bathroom": "routine",
            "someone is unconscious in the bathroom and not breathing": "emergency",
        }
    finally:
        await reporter.close()
        await agent.close()
