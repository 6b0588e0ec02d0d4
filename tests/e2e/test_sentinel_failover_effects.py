"""Deadlines and Slack across a Redis failover: emergencies filed just before and while the
primary is killed (SIGKILL), their re-page deadlines pending and firing, their Slack posts and
thread lines on their way to a slow Slack; after the promotion every acknowledged report is
there, every deadline fired once, and Slack got each post and each thread line once.

Real `redis-server` processes (tests/redis_sentinels.py): a primary, two replicas, three
Sentinels; the server in this process on the `redis+sentinel://` URL with
`redis_min_replicas` 1 (the deployment docs/deployment.md recommends); Slack is the fake Web
API of tests/bot/fake_slack.py, answering each call after 0.4 s."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters.effects_outbox import RedisEffectsOutbox
from adapters.slack_outbox import RedisSlackOutbox
from tests.bot.conftest import slack_changes
from tests.bot.fake_slack import FakeSlack, blocks_text, running_fake
from tests.clock import FakeClock
from tests.conftest import Peer, Server, start_server, wait_for
from tests.redis_sentinels import Group, sentinel_group, until
from tipline import app
from tipline.limits import Limits

# 02:00 at the demo school: an emergency is posted and re-paged every 180 s until claimed.
TWO_AM = dt.datetime(2026, 12, 1, 2, 0, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
EMERGENCY = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"
CLAIM_TIMEOUT_S = 180  # the demo school's claim timeout and re-page interval
LEASE_S = 60  # the deadlines' lease (adapters/deadlines.py), on the service's clock
CARRY_ON_S = 30.0  # the failover (2-4 s) and a margin for two loaded CPUs


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    async with sentinel_group(tmp_path / "redis", replicas=2) as started:
        yield started


@pytest.fixture
async def slow_slack() -> AsyncIterator[FakeSlack]:
    async with running_fake() as fake:
        fake.delay_s = 0.4  # a post is on its way for a while: the kill lands in between
        yield fake


async def reporter(server: Server) -> Peer:
    peer = Peer("/report")
    await peer.connect(server.url, {"org_code": "DEMO"})
    return peer


async def file_until_acked(peer: Peer, client_id: str, refused: list[str]) -> str:
    """report:create until acknowledged, the same client id each time, as the page does;
    every refusal must be `unavailable`. The incident id."""
    loop = asyncio.get_running_loop()
    gives_up = loop.time() + CARRY_ON_S
    while True:
        ack = await peer.call("report:create", {"text": EMERGENCY, "client_id": client_id})
        if ack["ok"]:
            return str(ack["incident_id"])
        assert ack["error"]["code"] == "unavailable", ack
        refused.append(client_id)
        if loop.time() > gives_up:
            pytest.fail(f"report:create still refused {CARRY_ON_S} s after the kill")
        await asyncio.sleep(0.05)


def slack_by_incident(fake: FakeSlack, ids: list[str]) -> dict[str, collections.Counter[str]]:
    """Per incident, its successful chat.postMessage calls: `post` (the channel message,
    found by the incident id in its blocks) and one key per thread line (its text)."""
    counts: dict[str, collections.Counter[str]] = {i: collections.Counter() for i in ids}
    thread_of: dict[str, str] = {}
    for call in fake.posts(thread=False):
        (incident_id,) = [i for i in ids if i in blocks_text(call)]
        counts[incident_id]["post"] += 1
        thread_of[str(call.answer["ts"])] = incident_id
    for call in fake.posts(thread=True):
        counts[thread_of[str(call.args["thread_ts"])]][str(call.args["text"])] += 1
    return counts


async def test_deadlines_fire_once_and_slack_posts_once_across_a_failover(
    prefix: str, tmp_path: Path, group: Group, slow_slack: FakeSlack
) -> None:
    """SIGKILL of the primary while re-pages fire, posts are on their way and reports come
    in: afterwards every acknowledged report is stored with one channel post, each re-page
    deadline made one `repage` step and one thread line, and nothing is left held that
    could be sent or fired a second time."""
    clock = FakeClock(TWO_AM)
    roomy = Limits(reports_per_connection=1000)
    changes = slack_changes(slow_slack, redis_min_replicas=1, sweep_interval_s=0.05, limits=roomy)
    check = app.redis_client(group.url)  # follows the failover like the server's own client
    server: Server
    async with start_server(
        prefix, tmp_path, clock=clock, redis_url=group.url, **changes
    ) as server:
        refused: list[str] = []
        # A: filed and posted; their re-pages come due just before the kill.
        early = [await reporter(server) for _ in range(4)]
        a_ids = [
            await file_until_acked(p, f"early-report-{n:04d}", refused) for n, p in enumerate(early)
        ]

        async def posted(count: int) -> bool:
            return len(slow_slack.posts(thread=False)) >= count

        await wait_for(lambda: posted(len(a_ids)), what="A posted", timeout=15)
        # B: acknowledged just before the kill, their posts on their way to Slack.
        b_peers = [await reporter(server) for _ in range(4)]
        c_peers = [await reporter(server) for _ in range(4)]
        clock.advance(CLAIM_TIMEOUT_S + 1)  # A's re-pages fire now
        b_ids = await asyncio.gather(
            *(file_until_acked(p, f"before-kill-{n:04d}", refused) for n, p in enumerate(b_peers))
        )
        # C: sent as the primary dies; refused ones are tried again until acknowledged.
        c_tasks = [
            asyncio.create_task(file_until_acked(p, f"at-the-kill-{n:04d}", refused))
            for n, p in enumerate(c_peers)
        ]
        await asyncio.to_thread(group.primary.kill)
        c_ids = await asyncio.gather(*c_tasks)
        await until(group.promoted, what="the replica promoted", timeout=CARRY_ON_S)
        ids = [*a_ids, *b_ids, *c_ids]
        assert len(set(ids)) == len(ids) == 12

        # Past the deadlines' lease: a deadline claimed before the kill and never acked
        # comes round again now: it fires if its re-page was never stored, and finds its
        # incident moved on if it was. Then every deadline held has been acknowledged.
        clock.advance(LEASE_S + 1)
        held = f"{prefix}:deadlines:held"

        async def repages() -> dict[str, int]:
            found = {}
            for incident_id in ids:
                incident = await server.running.store.get(incident_id)
                assert incident is not None, f"acknowledged {incident_id} lost"
                found[incident_id] = [s.action for s in incident.escalation].count("repage")
            return found

        effects = RedisEffectsOutbox(check, prefix=prefix)

        async def state() -> str:
            replication = await check.info("replication")
            return (
                f"re-pages {await repages()}, held {await check.hlen(held)}, effects left "
                f"{await effects.pending()}, primary role {replication.get('role')} with "
                f"{replication.get('connected_slaves')} replica(s); {await group.diagnosis()}"
            )

        async def first_round_done() -> bool:
            # Every A re-paged once (a claim lost with the old primary leaves its deadline
            # due, not held: it fires on a sweep after the promotion, on this clock), nothing
            # held, and no effect left to run: a first re-page whose next deadline could not
            # be scheduled during the failover has it scheduled by the effects sweeper (5 s
            # of wall time later, longer while the replicas resync). Only then the clock
            # moves on, or the second re-page would not be due by the end of the test.
            found = await repages()
            return (
                all(found[i] >= 1 for i in a_ids)
                and await _none(check, held)
                and await effects.pending() == 0
            )

        try:
            await until(
                first_round_done,
                what="A re-paged once, nothing held or left",
                timeout=2 * CARRY_ON_S,
            )
        except pytest.fail.Exception:
            # Which of the three did not hold, and whether the new primary takes writes
            # (CI saw this time out with every write refused `unavailable` meanwhile).
            pytest.fail(await state())
        # Then the next round: A's second re-page (due 180 s after its first, however late
        # that fired), B's and C's first.
        clock.advance(CLAIM_TIMEOUT_S)

        expected = {i: 2 if i in a_ids else 1 for i in ids}

        async def all_repaged() -> bool:
            return all(n >= expected[i] for i, n in (await repages()).items())

        try:
            await until(all_repaged, what="every re-page", timeout=CARRY_ON_S)
        except pytest.fail.Exception:
            # CI once saw every B and C and the second A re-page missing here: claimed under
            # a lease whose write the replica did not confirm, and the clock stands still
            # (adapters/lease.py `ClaimTokens`, and the release on `Unavailable`).
            pytest.fail(f"{await state()}; expected {expected}")
        slack = RedisSlackOutbox(check, prefix=prefix)

        async def settled() -> bool:
            # Nothing left to send, nothing held whose lease could send it again, no
            # effects record left to run, every re-page's two thread lines delivered.
            lines = sum(sum(c.values()) for c in slack_by_incident(slow_slack, ids).values())
            return (
                await slack.pending() == 0
                and await effects.pending() == 0
                and lines >= len(ids) + 2 * sum(expected.values())
            )

        await until(settled, what="Slack and the effects outbox drained", timeout=CARRY_ON_S)
        assert await _none(check, held)  # every deadline that was claimed was acknowledged
        assert await repages() == expected
        for incident_id, calls in slack_by_incident(slow_slack, ids).items():
            # Each re-page: the alert to the on-duty agents and the trail's line in the thread.
            alerts = [t for t in calls if "still unclaimed" in t]
            lines = [t for t in calls if "*repage*" in t]
            assert calls["post"] == 1, (incident_id, calls)
            assert len(alerts) == 1, (incident_id, calls)  # one text, once a re-page
            assert calls[alerts[0]] == expected[incident_id], (incident_id, calls)
            assert len(lines) == expected[incident_id], (incident_id, calls)  # one a time
            assert all(calls[line] == 1 for line in lines), (incident_id, calls)
            assert sum(calls.values()) == 1 + 2 * expected[incident_id], (incident_id, calls)
        assert refused, "the kill was never seen: no report was refused"
    await check.aclose()


async def _none(client: aioredis.Redis, key: str) -> bool:
    return int(await client.hlen(key)) == 0
