"""The Redis Slack outbox and the Slack-user index of the store, on the real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from tipline import models


def outbox(client: aioredis.Redis, prefix: str, lease_s: float = 60.0) -> RedisSlackOutbox:
    return RedisSlackOutbox(client, prefix=prefix, lease_s=lease_s)


async def test_jobs_of_an_incident_come_out_one_at_a_time_in_order(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """The head is handed out alone; the next only once the head is done."""
    box = outbox(redis_client, prefix)
    await box.enqueue("I1", ["a", "b"], once=None, now_ms=1000)
    await box.enqueue("I1", ["c"], once=None, now_ms=1001)
    seen = []
    for _ in range(3):
        (job,) = await box.claim(2000, 10)
        assert await box.claim(2000, 10) == []  # held: nobody else gets I1 meanwhile
        seen.append(job.body)
        await box.done(job, 2000)
    assert seen == ["a", "b", "c"]
    assert await box.claim(2000, 10) == []
    assert await box.pending() == 0


async def test_once_key_enqueues_only_the_first_time(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Two enqueues with the same once key (two processes posting) give one job."""
    one, two = outbox(redis_client, prefix), outbox(redis_client, prefix)
    assert await one.enqueue("I1", ["post"], once="post", now_ms=1) is True
    assert await two.enqueue("I1", ["post"], once="post", now_ms=1) is False
    jobs = await one.claim(10, 10)
    assert [j.body for j in jobs] == ["post"]


async def test_retry_waits_until_due_and_counts_attempts(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A retried head is not handed out before its due time, then comes back with attempts."""
    box = outbox(redis_client, prefix)
    await box.enqueue("I1", ["a"], once=None, now_ms=0)
    (job,) = await box.claim(0, 10)
    await box.retry(job, 5000)
    assert await box.claim(4999, 10) == []
    (again,) = await box.claim(5000, 10)
    assert (again.body, again.attempts) == ("a", 1)


async def test_a_failing_incident_does_not_hold_up_another(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """While one incident waits for its retry, another incident's jobs go out."""
    box = outbox(redis_client, prefix)
    await box.enqueue("SLOW", ["s"], once=None, now_ms=0)
    (slow,) = await box.claim(0, 10)
    await box.retry(slow, 60_000)
    await box.enqueue("FAST", ["f"], once=None, now_ms=10)
    (fast,) = await box.claim(20, 10)
    assert fast.incident_id == "FAST"


async def test_expired_hold_is_handed_out_again_and_stale_worker_changes_nothing(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A worker that died loses its hold after the lease; its late `done` pops nothing."""
    box = outbox(redis_client, prefix, lease_s=1.0)
    await box.enqueue("I1", ["a", "b"], once=None, now_ms=0)
    (dead,) = await box.claim(0, 10)
    assert await box.claim(500, 10) == []
    (alive,) = await box.claim(1001, 10)
    assert alive.body == "a"
    await box.done(dead, 1002)  # the stale worker wakes up: no effect
    await box.done(alive, 1003)
    (head,) = await box.claim(1004, 10)
    assert head.body == "b"


async def test_enqueue_while_held_waits_behind_the_head(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A job added while its incident is held goes out after the head, never beside it."""
    box = outbox(redis_client, prefix)
    await box.enqueue("I1", ["a"], once=None, now_ms=0)
    (head,) = await box.claim(0, 10)
    await box.enqueue("I1", ["b"], once=None, now_ms=1)
    assert await box.claim(2, 10) == []
    await box.done(head, 3)
    (after,) = await box.claim(3, 10)
    assert after.body == "b"


async def test_posted_message_is_remembered(redis_client: aioredis.Redis, prefix: str) -> None:
    """The channel and ts of a post are kept for its updates."""
    box = outbox(redis_client, prefix)
    assert await box.posted("I1") is None
    await box.remember("I1", "C1", "1.0001")
    assert await box.posted("I1") == ("C1", "1.0001")


async def test_responder_by_slack_user_follows_remapping(store: RedisStore) -> None:
    """A responder is found by their Slack user id; after a remap the old id finds nobody."""
    agent = models.Responder(
        responder_id="a1", name="Ana", role=models.Role.AGENT, slack_user_id="U1"
    )
    await store.put_responder(agent, "0" * 64)
    found = await store.responder_by_slack_user("U1")
    assert found is not None
    assert found.responder_id == "a1"
    await store.put_responder(
        models.Responder("a1", "Ana", models.Role.AGENT, None, "U2"), "0" * 64
    )
    assert await store.responder_by_slack_user("U1") is None
    moved = await store.responder_by_slack_user("U2")
    assert moved is not None
    assert moved.responder_id == "a1"
    assert await store.responder_by_slack_user("U404") is None
