"""A write redis-py sends twice is applied once: the store's client retries a command whose
answer was lost (tipline/app.py `redis_client`), and Redis may have run the first send.

The service's own parts on the app's own client through a proxy that cuts a connection
right after Redis ran a command (tests/redis_cut.py); the retry then goes through. Without
the writes' operation tokens (adapters/redis_incidents.py) a report without a client id was
stored twice (its trail `triage, phone_report, triage, phone_report`) and a step taken twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters.redis_keys import Keys
from classifiers.rules import RulesClassifier
from tests import conftest
from tests.redis_cut import Cut, CuttingProxy
from tests.tipline.test_effects_cut import NO_ANSWER, Parts, effects_of, incident_ids, life
from tipline import app, demo, models
from tipline.triage import TriageService


@pytest.fixture
async def triager() -> AsyncIterator[TriageService]:
    service = TriageService(load=RulesClassifier, fallback=RulesClassifier)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def proxy() -> AsyncIterator[CuttingProxy]:
    cutting = CuttingProxy("127.0.0.1", 6379)
    await cutting.start()
    yield cutting
    await cutting.close()


async def stored(client: aioredis.Redis, parts: Parts, prefix: str, incident_id: str) -> Any:
    """What is stored of one incident: version, trail, archive entries, messages, effects."""
    incident = await parts.store.get(incident_id)
    assert incident is not None
    entries: Any = await client.xrange(Keys(prefix).archive())
    return {
        "version": incident.version,
        "trail": [step.action for step in incident.escalation],
        "archive": sum(fields[b"i"] == incident_id.encode() for _, fields in entries),
        "messages": [m.seq for m in await parts.store.since(incident_id, 0)],
        "effects": await effects_of(client, prefix, incident_id),
    }


async def test_a_write_whose_answer_was_lost_is_applied_once(
    prefix: str,
    tmp_path: Path,
    redis_client: aioredis.Redis,
    proxy: CuttingProxy,
    triager: TriageService,
) -> None:
    """Cut after Redis ran each command of an agent's report, claim and step in turn, the
    command sent again: all three acknowledged, and the incident stored as an uncut run
    stores it (its trail, archive entries, messages and effects once each)."""
    settings = conftest.server_settings(prefix, tmp_path)
    key = settings.secret_key or b""
    direct = Parts(redis_client, prefix, key, triager)
    await app.seed(direct.store, settings)
    agent = demo.agent()
    proxied = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    try:
        proxy.arm(set(), Cut.BEFORE)
        await life(Parts(proxied, prefix, key, triager), agent)  # the scripts are loaded
        proxy.arm(set(), Cut.BEFORE)
        uncut = await life(Parts(proxied, prefix, key, triager), agent)
        total = proxy.seen
        expected = await stored(redis_client, direct, prefix, uncut[1])
        assert expected["trail"].count("contact_outcome") == 1
        assert expected["version"] == 3
        writes = 0  # cuts that hit a script storing a version of the incident
        for n in range(1, total + 1):
            before = await incident_ids(redis_client, prefix)
            proxy.arm({n}, Cut.AFTER)
            done = await life(Parts(proxied, prefix, key, triager), agent)
            cut, sent = proxy.cut, proxy.sent
            proxy.arm(set(), Cut.BEFORE)
            assert cut == 1, n
            assert [done[0], *done[2:]] == ["create", "claim", "step"], (n, done)
            assert await incident_ids(redis_client, prefix) - before == {done[1]}, n
            assert await stored(redis_client, direct, prefix, done[1]) == expected, (n, sent[n - 1])
            steps_key = Keys(prefix).steps(done[1]).encode()
            writes += sent[n - 1][0].upper() == b"EVALSHA" and steps_key in sent[n - 1]
        assert writes == 3  # create, claim and step: each of them cut after it ran once
    finally:
        await proxied.aclose()


async def test_two_steps_at_once_are_both_taken(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis, triager: TriageService
) -> None:
    """Two agents' steps at the same moment: the one that lost the compare-and-set reads
    again and is stored too (a real conflict is not mistaken for a re-send)."""
    settings = conftest.server_settings(prefix, tmp_path)
    parts = Parts(redis_client, prefix, settings.secret_key or b"", triager)
    await app.seed(parts.store, settings)
    agent = demo.agent()
    done = await life(parts, agent)
    await asyncio.gather(*(parts.responding.step(agent, done[1], NO_ANSWER) for _ in range(2)))
    incident = await parts.store.get(done[1])
    assert incident is not None
    assert incident.version == 5
    assert [s.action for s in incident.escalation].count("contact_outcome") == 3
    assert incident.status is models.Status.OPEN
