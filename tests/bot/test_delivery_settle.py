"""What Slack did is stored before the job is let go: a post job that finds its incident
already posted (stored, but Redis went away before the job was done) sends nothing."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.slack_outbox import RedisSlackOutbox
from bot import jobs, notifier
from tests.bot.conftest import EMERGENCY
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import posted, report
from tests.conftest import RING, Server, wait_for


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
