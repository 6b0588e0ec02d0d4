"""The effects outbox (adapters/effects_outbox.py) and its sweeper (tipline/effects.py), on
the real Redis: a change and the record of its durable effects are one write, a left record
is carried into the next version, and the sweeper runs a left record's effects once each."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import redis.asyncio as aioredis

from adapters import effects_outbox
from adapters.deadlines import DeadlineStore
from adapters.effects_outbox import RedisEffectsOutbox
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from escalation import engine
from tipline import demo, effects, models
from tipline.ports import PendingEffects

LATER = 10 * 60 * 1000  # ms: long past the grace and the lease


class Quiet:
    """The Broadcaster port with nobody connected."""

    async def incident_new(self, incident: models.Incident) -> None: ...

    async def incident_updated(self, incident: models.Incident) -> None: ...

    async def message(self, message: models.Message, *, origin: str | None) -> None: ...

    async def alert_agents(self, incident: models.Incident, *, reason: str) -> None: ...

    async def alert_admins(self, incident: models.Incident, *, reason: str) -> None: ...


def emergency() -> engine.Outcome:
    """A new emergency as the engine files it: a re-page deadline and a Slack post due."""
    now = dt.datetime.now(dt.UTC)
    triage = models.Triage(
        models.Urgency.EMERGENCY, models.Category.THREAT, "en", 0.9, ("rules: a weapon",)
    )
    draft = models.Incident(
        incident_id="TL-OUTBOX0001",
        org_code="DEMO",
        text="a gun in the gym",
        channel=models.Channel.WEB,
        created_at=now,
        triage=triage,
        urgency=triage.urgency,
        category=triage.category,
        version=1,
    )
    return engine.triaged(draft, demo.organization(), now)


def runner(client: aioredis.Redis, prefix: str, outbox: RedisEffectsOutbox) -> Any:
    async def post_system(incident_id: str, text: str, key: str) -> None: ...

    return effects.EffectRunner(
        post_system=post_system,
        broadcaster=Quiet(),
        deadlines=DeadlineStore(client, prefix),
        notifier=SlackNotifier(RedisSlackOutbox(client, prefix=prefix)),
        outbox=outbox,
    )


async def effects_of(client: aioredis.Redis, prefix: str, incident_id: str) -> dict[str, Any]:
    queue = await client.lrange(f"{prefix}:slack:{{outbox}}:q:{incident_id}", 0, -1)
    data = await client.hvals(f"{prefix}:deadlines:data")
    due = [d["kind"] for d in map(json.loads, data) if d["incident_id"] == incident_id]
    return {"slack": [json.loads(body)["kind"] for body in queue], "deadlines": due}


async def test_a_change_and_the_record_of_its_effects_are_one_write(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """The update that stores version 2 writes its record; a refused one writes none."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    incident = emergency().incident
    await store.create(incident, receipt_hash="r1")
    stored = await store.update(incident, expected_version=1, steps=[], effects='{"a":1}')
    assert stored is not None
    assert stored.version == 2
    assert await outbox.record(incident.incident_id, 2) == '{"a":1}'
    refused = await store.update(incident, expected_version=1, steps=[], effects='{"b":2}')
    assert refused is None
    assert await outbox.pending() == 1
    due = await redis_client.zscore(f"{prefix}:effects:due", f"{incident.incident_id}:2")
    assert due is not None


async def test_a_left_record_is_carried_into_the_next_version(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Version 2's record still pending goes into version 3's, its lines first, and on into
    a version with no effects of its own: an incident's effects run in version order."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    incident = emergency().incident
    await store.create(incident, receipt_hash="r1", effects="one")
    assert await outbox.record(incident.incident_id, 1) == "one"
    await store.update(incident, expected_version=1, steps=[], effects="two")
    await store.update(incident, expected_version=2, steps=[])
    assert await outbox.record(incident.incident_id, 3) == "one\ntwo"
    assert await outbox.record(incident.incident_id, 1) is None
    assert await outbox.pending() == 1


async def test_a_record_is_handed_out_once_past_its_grace(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Before the grace nobody takes it; then one sweeper at a time, again when its lease
    ran out; `done` drops it for good."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix, lease_s=30)
    incident = emergency().incident
    await store.create(incident, receipt_hash="r1", effects="one")
    now = effects_outbox.wall_ms()
    assert await outbox.claim(now, 10) == []
    later = now + effects_outbox.GRACE_MS + 1000
    first = await outbox.claim(later, 10)
    assert [(r.incident_id, r.version, r.body) for r in first] == [(incident.incident_id, 1, "one")]
    assert await outbox.claim(later, 10) == []  # held by the first sweeper
    assert len(await outbox.claim(later + 31_000, 10)) == 1  # its lease ran out
    await outbox.done(incident.incident_id, 1)
    assert await outbox.claim(later + LATER, 10) == []
    assert await outbox.pending() == 0


async def test_the_sweeper_runs_a_left_record_once_per_effect(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A report stored with its record whose process died before its effects: the sweeper
    schedules the re-page and queues the Slack post; run again, nothing is doubled."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    run = runner(redis_client, prefix, outbox)
    outcome = emergency()
    incident = outcome.incident
    body = run.durable(incident, outcome.effects, version=1)
    assert body is not None
    await store.create(incident, receipt_hash="r1", effects=body)
    assert await effects_of(redis_client, prefix, incident.incident_id) == {
        "slack": [],
        "deadlines": [],
    }
    now = effects_outbox.wall_ms() + LATER
    assert await effects.sweep(outbox, store, run, now_ms=now) == 1
    want = {"slack": ["post"], "deadlines": ["repage"]}
    assert await effects_of(redis_client, prefix, incident.incident_id) == want
    record = PendingEffects(incident.incident_id, 1, body)
    await run.rerun(incident, record)  # a second sweeper whose lease had run out
    assert await effects_of(redis_client, prefix, incident.incident_id) == want
    assert await effects.sweep(outbox, store, run, now_ms=now) == 0
    assert await outbox.pending() == 0


async def test_the_process_that_stored_a_change_runs_it_and_drops_its_record(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """The usual path: effects run once, the record is gone, the sweeper finds nothing."""
    outbox = RedisEffectsOutbox(redis_client, prefix=prefix)
    run = runner(redis_client, prefix, outbox)
    outcome = emergency()
    incident = outcome.incident
    body = run.durable(incident, outcome.effects, version=1)
    await store.create(incident, receipt_hash="r1", effects=body)
    await run.run(incident, outcome.effects, actor=None)
    assert await outbox.pending() == 0
    now = effects_outbox.wall_ms() + LATER
    assert await effects.sweep(outbox, store, run, now_ms=now) == 0
    assert await effects_of(redis_client, prefix, incident.incident_id) == {
        "slack": ["post"],
        "deadlines": ["repage"],
    }
