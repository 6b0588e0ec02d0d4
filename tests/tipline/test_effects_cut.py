"""Effects that cannot be lost (issue #17): the Redis connection cut at every command of
`report:create`, `incident:claim` and `incident:step` in turn (tests/redis_cut.py), then
the effects sweeper run: every incident stored has the deadlines and the Slack jobs of the
version it is at, none twice, and a write that was refused did nothing.

The service's own parts, on the app's own Redis client (it retries a command once), all
pointed at the proxy; the sweeper afterwards on a direct client.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters import effects_outbox
from adapters.deadlines import DeadlineStore
from adapters.effects_outbox import RedisEffectsOutbox
from adapters.pow_ledger import RedisProofLedger
from adapters.ratelimit import RedisRateLimiter
from adapters.redis_keys import Keys
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from classifiers.rules import RulesClassifier
from escalation import commands
from tests import conftest
from tests.redis_cut import Cut, CuttingProxy, commands_in
from tipline import admission, app, demo, effects, guessing, models
from tipline.casework import Casework
from tipline.clock import SystemClock
from tipline.errors import AppError, Unavailable
from tipline.intake import Intake
from tipline.responding import Responding
from tipline.triage import TriageService

EMERGENCY = "there is a student with a gun in the gym and he says he will shoot people"
NO_ANSWER = commands.ContactOutcome(commands.ContactResult.NO_ANSWER, note="no answer")


class Quiet:
    """The Broadcaster port with nobody connected (pushes are not what this checks)."""

    async def incident_new(self, incident: models.Incident) -> None: ...

    async def incident_updated(self, incident: models.Incident) -> None: ...

    async def message(self, message: models.Message, *, origin: str | None) -> None: ...

    async def alert_agents(self, incident: models.Incident, *, reason: str) -> None: ...

    async def alert_admins(self, incident: models.Incident, *, reason: str) -> None: ...


class Parts:
    """The incident service's parts over one Redis client, as tipline/app.py wires them."""

    def __init__(self, client: aioredis.Redis, prefix: str, key: bytes, triager: Any) -> None:
        clock = SystemClock()
        self.store = RedisStore(client, prefix=prefix, key=key)
        self.outbox = RedisEffectsOutbox(client, prefix=prefix)
        self.core = Casework(
            directory=self.store,
            incidents=self.store,
            messages=self.store,
            broadcaster=Quiet(),
            deadlines=DeadlineStore(client, prefix),
            notifier=SlackNotifier(RedisSlackOutbox(client, prefix=prefix)),
            clock=clock,
            outbox=self.outbox,
        )
        ledger, limiter = (
            RedisProofLedger(client, prefix=prefix),
            RedisRateLimiter(client, prefix=prefix),
        )
        defaults = conftest.server_settings(prefix, Path("/nonexistent"))
        gates: dict[str, Any] = {
            "ledger": ledger,
            "limiter": limiter,
            "limits": defaults.limits,
            "policy": defaults.proof_of_work,
            "clock": clock,
        }
        guesses = guessing.GuessGate(**gates)

        async def never(text: str) -> bool:
            return False  # a responder files the report: the gate is not asked

        self.intake = Intake(
            self.core,
            triager=triager,
            gate=admission.ReportGate(**gates, is_emergency=never),
            guesses=guesses,
        )
        self.responding = Responding(self.core, guesses=guesses)


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


async def effects_of(client: aioredis.Redis, prefix: str, incident_id: str) -> dict[str, Any]:
    """The incident's Slack jobs (kinds, in order) and pending deadlines (kinds)."""
    queue = await client.lrange(f"{prefix}:slack:{{outbox}}:q:{incident_id}", 0, -1)
    data = await client.hvals(f"{prefix}:deadlines:data")
    due = [d["kind"] for d in map(json.loads, data) if d["incident_id"] == incident_id]
    return {"slack": [json.loads(body)["kind"] for body in queue], "deadlines": sorted(due)}


async def incident_ids(client: aioredis.Redis, prefix: str) -> set[str]:
    """The ids of every incident of the test (all open: none is resolved here)."""
    index = Keys(prefix).index(models.Status.OPEN, None)
    members = await client.zrange(index, 0, -1)
    return {raw.decode() for raw in members if isinstance(raw, bytes)}


async def effects_owners(client: aioredis.Redis, prefix: str) -> set[str]:
    """The incidents that have a Slack job or a pending deadline."""
    base = f"{prefix}:slack:{{outbox}}:q:"
    queues = {key.decode()[len(base) :] async for key in client.scan_iter(match=base + "*")}
    data = await client.hvals(f"{prefix}:deadlines:data")
    return queues | {json.loads(d)["incident_id"] for d in data}


@dataclasses.dataclass
class Figures:
    """What the cuts did, to show the test met every case it is about."""

    refused_nothing: int = 0  # a write refused, nothing stored
    refused_stored: int = 0  # a write refused whose answer was lost: stored, effects due
    swept: int = 0  # records the sweeper ran again
    twice: int = 0  # a step stored twice (its lost answer retried)


async def test_a_cut_connection_loses_no_effect(
    prefix: str,
    tmp_path: Path,
    redis_client: aioredis.Redis,
    proxy: CuttingProxy,
    triager: TriageService,
) -> None:
    """At every command of create, claim and step, cut before or after Redis ran it (and
    its one retry too): after the sweeper, each stored incident has exactly the effects of
    the version it is at, each acknowledged write is stored, and a refused one did nothing."""
    settings = conftest.server_settings(prefix, tmp_path)
    key = settings.secret_key or b""
    direct = Parts(redis_client, prefix, key, triager)
    await app.seed(direct.store, settings)
    agent = demo.agent()
    proxied = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    try:
        # What each version leaves behind, from uncut runs stopped after that many writes
        # (4: the step twice, as when its answer was lost and the service took it again).
        proxy.arm(set(), Cut.BEFORE)
        expected: dict[int, dict[str, Any]] = {}
        for writes in (4, 3, 2, 1):
            incident_id = await stopped_after(Parts(proxied, prefix, key, triager), agent, writes)
            expected[writes] = await effects_of(redis_client, prefix, incident_id)
            if writes == 3:
                total = proxy.seen  # the commands of create, claim and step
            proxy.arm(set(), Cut.BEFORE)
        assert expected[1] == {"slack": ["post"], "deadlines": ["repage"]}
        assert expected[3]["slack"][:3] == ["post", "update", "reply"]
        figures, cases = Figures(), 0
        for n in range(1, total + 1):
            for mode in Cut:
                for cuts in ({n}, {n, n + 1}):
                    case = (n, mode.value, sorted(cuts))
                    before = await incident_ids(redis_client, prefix)
                    proxy.arm(cuts, mode)
                    done = await life(Parts(proxied, prefix, key, triager), agent)
                    proxy.arm(set(), Cut.BEFORE)
                    figures.swept += await effects.sweep(
                        direct.outbox,
                        direct.store,
                        direct.core.effects,
                        now_ms=effects_outbox.wall_ms() + effects_outbox.GRACE_MS + 1,
                    )
                    new = await direct.store.get_many(
                        list(await incident_ids(redis_client, prefix) - before)
                    )
                    assert len(new) <= 1, case
                    if done:
                        assert [i.incident_id for i in new if i] == [done[1]], case
                    for incident in new:
                        assert incident is not None, case
                        acked = len(done) - 1
                        assert incident.version >= acked, (case, done)
                        got = await effects_of(redis_client, prefix, incident.incident_id)
                        assert got == expected[incident.version], (case, done)
                        figures.refused_stored += incident.version > acked
                        figures.twice += incident.version == 4
                    figures.refused_nothing += not done and not new
                    cases += 1
        assert cases == total * 4
        # Nothing of a refused write: no Slack job or deadline of an incident never stored.
        assert await effects_owners(redis_client, prefix) <= await incident_ids(
            redis_client, prefix
        )
        assert await direct.outbox.pending() == 0
        assert figures.refused_nothing
        assert figures.refused_stored
        assert figures.swept
    finally:
        await proxied.aclose()


async def life(parts: Parts, agent: models.Responder) -> list[str]:
    """File an emergency, claim it, take a step; stop at the first refusal. The writes
    acknowledged: [] or ["create", incident id, "claim"?, "step"?]."""
    done: list[str] = []
    try:
        filed = await parts.intake.file_report(
            org_code=demo.organization().code, text=EMERGENCY, filed_by=agent.responder_id
        )
        await parts.core.close()  # the model's later verdict is not what this checks
        done += ["create", filed.incident.incident_id]
        await parts.responding.claim(agent, filed.incident.incident_id)
        done.append("claim")
        await parts.responding.step(agent, filed.incident.incident_id, NO_ANSWER)
        done.append("step")
    except (Unavailable, AppError):
        pass
    return done


async def stopped_after(parts: Parts, agent: models.Responder, writes: int) -> str:
    """An incident taken through the first `writes` of create, claim, step (and step), uncut."""
    filed = await parts.intake.file_report(
        org_code=demo.organization().code, text=EMERGENCY, filed_by=agent.responder_id
    )
    await parts.core.close()
    incident_id = filed.incident.incident_id
    if writes > 1:
        await parts.responding.claim(agent, incident_id)
    for _ in range(writes - 2):
        await parts.responding.step(agent, incident_id, NO_ANSWER)
    return incident_id


def test_the_proxy_counts_each_command_of_a_pipeline() -> None:
    """A MULTI of two commands and an inline PING are four commands; a half-sent one is not."""
    multi = b"*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nEXEC\r\n"
    assert len(commands_in(multi + b"PING\r\n")) == 4
    assert len(commands_in(multi + b"*2\r\n$3\r\nGET\r\n$5\r\nab")) == 3
