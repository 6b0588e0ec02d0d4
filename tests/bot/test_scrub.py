"""Retention reaches Slack: a purged case's message is rewritten to its anonymous figures and
its noted thread replies are deleted, through the outbox, once, whatever Slack does meanwhile."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
import redis.asyncio as aioredis

from adapters import retention
from adapters.record import pool, purge
from adapters.record.store import PostgresRecord
from adapters.redis_keys import Keys
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot import jobs
from bot.delivery import Delivery
from bot.notifier import SlackNotifier
from tests.adapters.test_retention import NOTE, NOW, REPORT, archived, case
from tests.bot.conftest import CHANNEL, delivery_on
from tests.bot.fake_slack import Failure, FakeSlack, blocks_text
from tests.clock import FakeClock
from tests.conftest import RING, wait_for
from tests.escalation import factories
from tests.postgres import schema
from tipline import models
from tipline.ports import SlackCopy

PERIODS = purge.Periods(30)


@dataclasses.dataclass
class Case:
    """One emergency posted to the fake Slack (its message, a noted and a plain reply),
    archived into the record and gone from Redis: due for a purge at NOW."""

    record: PostgresRecord
    url: str
    client: aioredis.Redis
    prefix: str
    outbox: RedisSlackOutbox
    delivery: Delivery
    incident: models.Incident
    ts: str  # the message
    noted: str  # the thread reply of the noted claim
    plain: str  # the thread reply of the resolution (no note)


async def drain(case: Case) -> None:
    """Delivery rounds until the outbox is empty."""

    async def empty() -> bool:
        await case.delivery.deliver_due()
        return await case.outbox.pending() == 0

    await wait_for(empty, what="the Slack outbox drained")


@pytest.fixture
async def posted(
    fake: FakeSlack, store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> AsyncIterator[Case]:
    async with schema() as url:
        connections = await pool.open_migrated(url)
        record = PostgresRecord(connections, RING)
        org = factories.org()
        await record.upsert_organization(org)
        await store.put_organization(org, overwrite=True)
        incident = case("old")
        await store.create(incident, receipt_hash="rcpt-old")
        outbox = RedisSlackOutbox(redis_client, prefix=prefix, ring=RING)
        delivery = delivery_on(fake, outbox, store, store, copies=record)
        notifier = SlackNotifier(outbox)
        await notifier.post(incident)
        claim, resolve = incident.escalation[1], incident.escalation[2]
        await notifier.update(incident, claim)
        await notifier.update(incident, resolve)
        ready = Case(record, url, redis_client, prefix, outbox, delivery, incident, "", "", "")
        await drain(ready)
        (top,) = fake.posts(thread=False)
        noted, plain = (c.answer["ts"] for c in fake.posts(thread=True))
        # The archive writes it all to the record; the live window then takes it from Redis.
        await archived(record, incident)
        await record.put_slack_message("old", channel=CHANNEL, ts=top.answer["ts"])
        async with redis_client.pipeline(transaction=True) as pipe:
            pipe.delete(Keys(prefix).incident("old"))
            outbox.forget(pipe, "old", [])  # its once keys and ts, as the evictor does
            await pipe.execute()
        fake.calls.clear()
        yield dataclasses.replace(ready, ts=top.answer["ts"], noted=noted, plain=plain)
        await connections.close()


def purger(case: Case) -> retention.Purger:
    """The purger as `tipline serve` builds it: scrubs queued on a plain outbox."""
    return retention.Purger(
        case.record.pool,
        case.client,
        prefix=case.prefix,
        periods=PERIODS,
        clock=FakeClock(NOW),
        scrubs=SlackNotifier(RedisSlackOutbox(case.client, prefix=case.prefix)),
    )


async def slack_row(url: str) -> dict[str, object]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow("SELECT * FROM slack_messages WHERE incident_id = 'old'")
        assert row is not None
        return dict(row)
    finally:
        await conn.close()


def words(text: str) -> set[str]:
    """The words of four letters or more (the short ones, 'the', 'on', are everyone's)."""
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}


async def test_a_purge_scrubs_the_message_and_deletes_the_noted_reply_once_across_an_outage(
    posted: Case, fake: FakeSlack, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Slack down while the purge queues the scrub and the worker tries it, back later: the
    message is updated once to a text with no word of the report or the note, the noted
    reply is deleted once, the plain one stays; the record says 'scrubbed'; a second purge
    queues nothing and no once key is left."""
    fake.down = True
    tallies = await purger(posted).purge()
    assert tallies["LHS"].slack == 2  # the message and its noted reply
    assert (await slack_row(posted.url))["scrub"] == "queued"
    once = RedisSlackOutbox(redis_client, prefix=prefix).once_key("old")
    assert not await redis_client.hexists(once, jobs.SCRUB_ONCE)

    async def tried() -> bool:
        await posted.delivery.deliver_due()
        return any(c.method == "chat.update" and c.status == 503 for c in fake.calls)

    await wait_for(tried, what="a scrub refused by Slack being down")
    assert (await slack_row(posted.url))["scrub"] == "queued"
    fake.down = False
    await drain(posted)

    (update,) = fake.ok_calls("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (CHANNEL, posted.ts)
    text = fake.texts[(CHANNEL, posted.ts)]
    assert text.startswith(":wastebasket: Report purged under the retention policy on")
    assert "emergency, weapon, Lincoln High" in text
    assert not words(text) & (words(REPORT) | words(NOTE))
    assert not words(blocks_text(update)) & (words(REPORT) | words(NOTE))
    (delete,) = fake.ok_calls("chat.delete")
    assert delete.args["ts"] == posted.noted
    assert (CHANNEL, posted.plain) in fake.texts
    row = await slack_row(posted.url)
    assert (row["scrub"], row["scrub_outcome"]) == ("done", "scrubbed")

    fake.calls.clear()
    again = purger(posted)
    assert await again.purge() == {}
    assert await again.queue_scrubs() == 0
    assert await posted.outbox.pending() == 0
    assert fake.calls == []
    assert not await redis_client.exists(once)


async def test_a_dry_run_counts_the_slack_messages_and_changes_nothing(
    posted: Case, fake: FakeSlack
) -> None:
    """The plan counts the message and its noted reply; nothing is queued, sent or marked."""
    before = await slack_row(posted.url)
    tallies = await purger(posted).plan()
    assert tallies["LHS"].slack == 2
    assert await slack_row(posted.url) == before
    assert await posted.outbox.pending() == 0
    assert fake.calls == []


@pytest.mark.parametrize(
    ("refusal", "outcome"),
    [
        (None, "message_not_found"),  # the message was deleted in Slack by hand
        (Failure(200, "cant_update_message"), "cant_update_message"),
        (Failure(200, "missing_scope"), "missing_scope"),
    ],
)
async def test_a_scrub_slack_refuses_is_recorded_once_and_not_retried(
    posted: Case,
    fake: FakeSlack,
    refusal: Failure | None,
    outcome: str,
) -> None:
    """Slack refuses the update for good: the record gets its error as the outcome, the
    update is tried once, the noted reply is still deleted, and nothing is queued again."""
    if refusal is None:
        fake.gone.add((CHANNEL, posted.ts))
    else:
        fake.fail_next(refusal)
    await purger(posted).purge()
    await drain(posted)
    assert [c.method for c in fake.calls] == ["chat.update", "chat.delete"]
    assert fake.ok_calls("chat.delete")[0].args["ts"] == posted.noted
    row = await slack_row(posted.url)
    assert (row["scrub"], row["scrub_outcome"]) == ("done", outcome)
    assert await purger(posted).queue_scrubs() == 0


async def test_an_incident_purged_before_the_scrub_existed_is_scrubbed_by_the_next_purge(
    posted: Case, fake: FakeSlack
) -> None:
    """A purge without a Slack outbox (as before migration 0005, which marks such copies
    due) leaves the copy due: the dry run counts it waiting, the next purge queues it."""
    bare = retention.Purger(
        posted.record.pool,
        posted.client,
        prefix=posted.prefix,
        periods=PERIODS,
        clock=FakeClock(NOW),
    )
    await bare.purge()
    assert (await slack_row(posted.url))["scrub"] == "due"
    assert await bare.scrubs_waiting() == 2
    assert await purger(posted).purge() == {}
    await drain(posted)
    assert len(fake.ok_calls("chat.update")) == 1
    assert (await slack_row(posted.url))["scrub_outcome"] == "scrubbed"
    assert await bare.scrubs_waiting() == 0


async def test_a_scrub_job_reads_back_as_it_was_queued() -> None:
    """The Scrub job's stored JSON decodes to the same job (jobs queued before a restart)."""
    job = jobs.Scrub(
        SlackCopy(
            incident_id="old",
            channel=CHANNEL,
            ts="1.1",
            replies=("1.2", "1.3"),
            urgency="emergency",
            category="weapon",
            school="Lincoln High",
            reported_on=dt.date(2026, 3, 1),
            purged_on=dt.date(2026, 6, 11),
        )
    )
    assert jobs.decode(jobs.encode(job)) == job
    assert jobs.decode('{"kind":"scrub","copy":{"replies":[1]}}') is None
