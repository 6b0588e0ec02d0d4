"""What Slack did is stored before the job is let go: a post job that finds its incident
already posted (stored, but Redis went away before the job was done) sends nothing; a job
whose incident could not be read is tried again after the backoff, not a lease later."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot import jobs, notifier
from tests.bot.conftest import EMERGENCY, delivery_on
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import posted, report
from tests.conftest import RING, Server, wait_for
from tests.procs import free_port


async def test_post_job_of_an_incident_already_posted_sends_nothing(
    server: Server, fake: FakeSlack, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A second post job of a posted incident (as a lease that ran out hands it out again)
    is done without a second chat.postMessage."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    outbox = RedisSlackOutbox(redis_client, prefix=prefix, ring=RING)
    body = jobs.encode(jobs.Post())
    assert await outbox.enqueue(incident_id, [body], once=None, now_ms=notifier.wall_ms())

    async def drained() -> bool:
        return await outbox.pending() == 0

    await wait_for(drained, what="the second post job done")
    assert len(fake.posts(thread=False)) == 1


async def test_a_job_whose_store_is_away_is_tried_again_after_the_backoff(
    fake: FakeSlack, redis_client: aioredis.Redis, prefix: str
) -> None:
    """The incidents' store unreachable: the round does not fail, nothing is sent, and the
    job is due again after the backoff (counted as an attempt), not held for its lease."""
    away = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    store = RedisStore(away, prefix=prefix, ring=RING)
    outbox = RedisSlackOutbox(redis_client, prefix=prefix, ring=RING)
    now = [notifier.wall_ms()]
    delivery = delivery_on(fake, outbox, store, store, now_ms=lambda: now[0])
    try:
        assert await outbox.enqueue("TL-AWAY", [jobs.encode(jobs.Post())], once=None, now_ms=now[0])
        assert await delivery.deliver_due() == 1
        assert fake.posts(thread=False) == []
        assert await outbox.claim(now[0] + 49, 10) == []  # the backoff: 0.05 s
        (job,) = await outbox.claim(now[0] + 50, 10)
        assert job.attempts == 1
    finally:
        await away.aclose()
