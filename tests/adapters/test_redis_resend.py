"""The store's writes sent twice by redis-py (its retry of a command whose answer was lost,
tipline/app.py `redis_client`) are applied once: the connection is cut right after Redis ran
the write (tests/redis_cut.py), and the client sends it again on a new one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters import effects_outbox, redis_once
from adapters.deadlines import DeadlineStore
from adapters.effects_outbox import RedisEffectsOutbox
from adapters.pow_ledger import RedisProofLedger
from adapters.redis_keys import Keys
from adapters.redis_store import RedisStore, StoreError
from adapters.slack_outbox import RedisSlackOutbox
from tests.adapters.test_redis_store import T0, incident
from tests.conftest import RING
from tests.redis_cut import Cut, CuttingProxy
from tipline import app, models
from tipline.ports import Budget, BudgetSpent


@pytest.fixture
async def proxy() -> AsyncIterator[CuttingProxy]:
    cutting = CuttingProxy("127.0.0.1", 6379)
    await cutting.start()
    yield cutting
    await cutting.close()


@pytest.fixture
async def cut_store(proxy: CuttingProxy, prefix: str) -> AsyncIterator[RedisStore]:
    """A store on the app's own client (one retry), through the proxy, its scripts loaded."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    store = RedisStore(client, prefix=prefix, ring=RING)
    warm = incident(99)
    await store.create(warm, receipt_hash="warm")
    await store.update(warm, expected_version=1, steps=[])
    await store.append(
        warm.incident_id, sender=models.Sender.REPORTER, text="w", at=T0, dedupe_key=None
    )
    yield store
    await client.aclose()


def first_script(proxy: CuttingProxy) -> int:
    """The place of the first script among the commands sent since the proxy was armed."""
    return 1 + [words[0].upper() for words in proxy.sent].index(b"EVALSHA")


def scripts_sent(proxy: CuttingProxy) -> int:
    """The scripts the client sent since the proxy was armed (a re-send counts again)."""
    return sum(words[0].upper() == b"EVALSHA" for words in proxy.sent)


async def archived(client: aioredis.Redis, prefix: str, incident_id: str) -> int:
    """The archive stream's entries that name `incident_id`."""
    entries: Any = await client.xrange(Keys(prefix).archive())
    return sum(fields[b"i"] == incident_id.encode() for _, fields in entries)


async def test_a_resent_create_stores_the_incident_once(
    cut_store: RedisStore,
    store: RedisStore,
    proxy: CuttingProxy,
    redis_client: aioredis.Redis,
    prefix: str,
) -> None:
    """The answer of the write of a create lost, the write sent again: one trail, one entry."""
    proxy.arm(set(), Cut.AFTER)
    await cut_store.create(incident(1), receipt_hash="h1")  # the twin: the write is its last
    original = incident()
    proxy.arm({proxy.seen}, Cut.AFTER)
    await cut_store.create(original, receipt_hash="h")
    assert proxy.cut == 1
    assert await store.get(original.incident_id) == original
    assert await archived(redis_client, prefix, original.incident_id) == 1


async def test_creating_a_taken_id_is_refused_and_changes_nothing(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A second create of the same id (another call, not a re-send): StoreError, as it was."""
    original = incident()
    await store.create(original, receipt_hash="h")
    other = dataclasses.replace(original, text="another report")
    with pytest.raises(StoreError):
        await store.create(other, receipt_hash="h2")
    assert await store.get(original.incident_id) == original
    assert await store.by_receipt("h2") is None
    assert await archived(redis_client, prefix, original.incident_id) == 1


async def test_a_resent_update_is_stored_once_and_answered_ok(
    cut_store: RedisStore,
    store: RedisStore,
    proxy: CuttingProxy,
    redis_client: aioredis.Redis,
    prefix: str,
) -> None:
    """The step's answer lost: the re-sent script answers the version its first send made,
    the step is in the trail once; the next attempt at that version is still refused."""
    step = models.Step(at=T0, by="a", action="set_urgency", urgency=models.Urgency.EMERGENCY)
    for twin in (1, 0):  # the twin, uncut, shows where the script is among the commands
        original = incident(twin)
        await store.create(original, receipt_hash=f"h{twin}")
        raised = dataclasses.replace(
            original, urgency=models.Urgency.EMERGENCY, escalation=(*original.escalation, step)
        )
        proxy.arm({first_script(proxy)} if twin == 0 else set(), Cut.AFTER)
        updated = await cut_store.update(raised, expected_version=1, steps=[step])
    assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
    assert updated is not None
    assert updated.version == 2
    stored = await store.get(original.incident_id)
    assert stored is not None
    assert (stored.version, [s.action for s in stored.escalation]) == (
        2,
        ["triage", "set_urgency"],
    )
    assert await archived(redis_client, prefix, original.incident_id) == 2
    assert await cut_store.update(raised, expected_version=1, steps=[step]) is None


async def test_a_resent_claim_is_taken_not_told_it_is_held(
    cut_store: RedisStore, store: RedisStore, proxy: CuttingProxy
) -> None:
    """The claim's answer lost: the re-sent claim says taken (so its effects run now),
    not "held by you already"; a second claimant is still told who holds it."""
    original = incident()
    await store.create(original, receipt_hash="h")
    step = models.Step(at=T0, by="a", action="claim")
    claimed = dataclasses.replace(original, claimed_by="a", escalation=(*original.escalation, step))
    proxy.arm({1}, Cut.AFTER)
    won = await cut_store.claim(claimed, holder="a", expected_version=1, steps=[step])
    assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
    assert won is not None
    assert (won.taken, won.holder, won.incident.version) == (True, "a", 2)
    lost = await cut_store.claim(claimed, holder="b", expected_version=1, steps=[step])
    assert lost is not None
    assert (lost.taken, lost.holder) == (False, "a")


async def test_a_resent_append_without_a_dedupe_key_is_stored_once(
    cut_store: RedisStore, store: RedisStore, proxy: CuttingProxy
) -> None:
    """A message without a dedupe key (the live rebuild's) whose answer was lost: stored
    once, answered as written (not a duplicate); the next one gets the next seq."""
    original = incident()
    await store.create(original, receipt_hash="h")
    proxy.arm({1}, Cut.AFTER)
    appended = await cut_store.append(
        original.incident_id, sender=models.Sender.REPORTER, text="m1", at=T0, dedupe_key=None
    )
    assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
    assert (appended.message.seq, appended.duplicate) == (1, False)
    nxt = await store.append(
        original.incident_id, sender=models.Sender.REPORTER, text="m2", at=T0, dedupe_key=None
    )
    assert nxt.message.seq == 2
    assert [m.text for m in await store.since(original.incident_id, 0)] == ["m1", "m2"]


async def test_an_incident_keeps_only_its_last_few_write_tokens(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """However many times it changes, its hash holds redis_once.KEPT tokens (bounded memory)."""
    original = incident()
    await store.create(original, receipt_hash="h")
    for version in range(1, 8):
        assert await store.update(original, expected_version=version, steps=[])
    ops: Any = await redis_client.hget(Keys(prefix).incident(original.incident_id), "ops")
    assert ops is not None
    versions = [int(entry.split(b"=")[1]) for entry in ops.split(b",")]
    assert versions == [8, 7, 6, 5][: redis_once.KEPT]


async def test_a_resent_spend_of_a_proof_still_redeems_it(
    proxy: CuttingProxy, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A proof's spend whose answer was lost: the re-send says spent by this call (the
    report goes through), and another spend of the same proof is still refused."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    ledger = RedisProofLedger(client, prefix=prefix)
    try:
        assert await ledger.spend("warm", ttl_s=60)  # its script is loaded
        proxy.arm({1}, Cut.AFTER)
        assert await ledger.spend("proof-1", ttl_s=60)
        assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
        assert not await ledger.spend("proof-1", ttl_s=60)
        assert 0 < await redis_client.pttl(f"{prefix}:pow:spent:proof-1") <= 60_000
    finally:
        await client.aclose()


async def test_a_resent_slack_job_without_a_once_key_is_queued_once(
    proxy: CuttingProxy, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A Slack job with no once key (a translator request) whose answer was lost: queued
    once; the same request made again (another call) is queued again."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    outbox = RedisSlackOutbox(client, prefix=prefix)
    try:
        await outbox.enqueue("warm", ["{}"], once=None, now_ms=0)  # its script is loaded
        proxy.arm({1}, Cut.AFTER)
        await outbox.enqueue("inc-1", ['{"kind": "translator"}'], once=None, now_ms=0)
        assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
        queue = f"{prefix}:slack:{{outbox}}:q:inc-1"
        assert await redis_client.llen(queue) == 1
        await outbox.enqueue("inc-1", ['{"kind": "translator"}'], once=None, now_ms=0)
        assert await redis_client.llen(queue) == 2
    finally:
        await client.aclose()


async def test_a_resent_append_with_a_dedupe_key_is_answered_as_written(
    cut_store: RedisStore, store: RedisStore, proxy: CuttingProxy
) -> None:
    """A message with a client id whose answer was lost: stored once and answered as
    written (so it is pushed and read by the safety net), where the client's own resend
    with that id is a duplicate; the budget counts it once."""
    original = incident()
    await store.create(original, receipt_hash="h")
    budget = Budget(limit=1, window_s=60)
    proxy.arm({1}, Cut.AFTER)
    appended = await cut_store.append(
        original.incident_id, sender=models.Sender.REPORTER, text="m1", at=T0,
        dedupe_key="r:c1", budget=budget,
    )  # fmt: skip
    assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
    assert (appended.message.seq, appended.duplicate) == (1, False)
    again = await store.append(
        original.incident_id, sender=models.Sender.REPORTER, text="m1", at=T0,
        dedupe_key="r:c1", budget=budget,
    )  # fmt: skip
    assert (again.message.seq, again.duplicate) == (1, True)
    assert [m.text for m in await store.since(original.incident_id, 0)] == ["m1"]
    with pytest.raises(BudgetSpent):
        await store.append(
            original.incident_id, sender=models.Sender.REPORTER, text="m2", at=T0,
            dedupe_key="r:c2", budget=budget,
        )  # fmt: skip


async def test_a_resent_deadline_claim_hands_out_what_it_took(
    proxy: CuttingProxy, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A sweeper's claim whose answer was lost: the re-send returns the deadlines its first
    send took (not nothing, which left them leased a minute: a re-page a minute late), and
    no other claim gets them."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    store = DeadlineStore(client, prefix)
    due = models.Deadline(
        key="inc-1:repage", incident_id="inc-1", kind=models.DeadlineKind.REPAGE, due=T0
    )
    try:
        assert await store.claim_due(T0) == []  # its script is loaded
        await store.schedule(due)
        proxy.arm({1}, Cut.AFTER)
        assert await store.claim_due(T0 + dt.timedelta(seconds=1)) == [due]
        assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
        assert await DeadlineStore(redis_client, prefix).claim_due(T0) == []
        assert await store.ack(due)
    finally:
        await client.aclose()


async def test_a_resent_effects_claim_hands_out_what_it_took(
    proxy: CuttingProxy, redis_client: aioredis.Redis, prefix: str, store: RedisStore
) -> None:
    """The effects sweeper's claim whose answer was lost: the re-send returns the record
    its first send took, and no other claim gets it."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    outbox = RedisEffectsOutbox(client, prefix=prefix)
    original = incident()
    await store.create(original, receipt_hash="h", effects='{"left": 1}')
    late = effects_outbox.wall_ms() + effects_outbox.GRACE_MS + 1
    try:
        assert await outbox.claim(0, 10) == []  # its script is loaded
        proxy.arm({1}, Cut.AFTER)
        claimed = await outbox.claim(late, 10)
        assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
        assert [(c.incident_id, c.version, c.body) for c in claimed] == [
            (original.incident_id, 1, '{"left": 1}')
        ]
        assert await RedisEffectsOutbox(redis_client, prefix=prefix).claim(late, 10) == []
    finally:
        await client.aclose()


async def test_a_resent_slack_claim_hands_out_what_it_took(
    proxy: CuttingProxy, redis_client: aioredis.Redis, prefix: str
) -> None:
    """The Slack worker's claim whose answer was lost: the re-send returns the job its first
    send took (an emergency's post not a lease late), under a lease its `done` holds."""
    client = app.redis_client(f"redis://127.0.0.1:{proxy.port}/0")
    outbox = RedisSlackOutbox(client, prefix=prefix)
    try:
        assert await outbox.claim(0, 10) == []  # its script is loaded
        await outbox.enqueue("inc-1", ['{"kind": "post"}'], once="post", now_ms=0)
        proxy.arm({1}, Cut.AFTER)
        (job,) = await outbox.claim(1, 10)
        assert (proxy.cut, scripts_sent(proxy)) == (1, 2)
        assert (job.incident_id, job.body) == ("inc-1", '{"kind": "post"}')
        assert await RedisSlackOutbox(redis_client, prefix=prefix).claim(1, 10) == []
        await outbox.done(job, 2)
        assert await redis_client.llen(f"{prefix}:slack:{{outbox}}:q:inc-1") == 0
    finally:
        await client.aclose()
