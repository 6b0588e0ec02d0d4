"""Delivery you can rely on: Slack down or rate-limiting, two server processes, re-pages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import redis.asyncio as aioredis

from tests.bot.conftest import EMERGENCY, action, send, slack_server
from tests.bot.fake_slack import Failure, FakeSlack, too_many
from tests.bot.test_slack_server import action_of, posted, replies, report, steps_of
from tests.clock import FakeClock
from tests.conftest import Peer, wait_for

TWO_AM = dt.datetime(2026, 12, 1, 2, 0, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
URGENT = "my stepfather hits me at home and I am scared to go back"
SPANISH = "tiene una pistola en la mochila y dice que va a disparar a todos en el almuerzo mañana"


async def test_slack_outage_then_recovery_delivers_everything_once_in_order(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """429s and errors while the console works the incident; afterwards each post, update
    and thread line arrives exactly once, the post first, the lines in the trail's order."""
    fake.fail_next(
        too_many(1),
        Failure(500, "internal_error"),
        Failure(503, "service_unavailable"),
        Failure(200, "ratelimited"),
        too_many(1),
        Failure(500, "fatal_error"),
    )
    async with slack_server(prefix, tmp_path, fake) as server:
        agent = Peer("/respond")
        await agent.connect(server.url, {"token": server.agent_token})
        incident_id = await report(server, EMERGENCY)
        claimed = await agent.call("incident:claim", {"incident_id": incident_id})
        assert claimed["ok"], claimed
        for payload in (
            {"action": "contact_outcome", "outcome": "no_answer"},
            {"action": "next_contact"},
            {"action": "contact_outcome", "outcome": "reached"},
        ):
            ack = await agent.call("incident:step", {"incident_id": incident_id, **payload})
            assert ack["ok"], ack
        await agent.close()
        trail = (await steps_of(server, incident_id))[1:]
        lines = await replies(fake, len(trail))

        async def updated() -> bool:
            return len(fake.ok_calls("chat.update")) >= len(trail)

        await wait_for(updated, what="every update")
    assert not fake.failures  # every scripted failure was met and survived
    (post,) = fake.posts(thread=False)
    assert [action_of(line) for line in lines] == trail
    assert len(fake.ok_calls("chat.update")) == len(trail)
    ts = post.answer["ts"]
    assert all(c.args["ts"] == ts for c in fake.ok_calls("chat.update"))
    assert all(c.args["thread_ts"] == ts for c in fake.posts(thread=True))
    delivered = [c for c in fake.calls if c.ok]
    assert delivered[0] is post
    # The update of a step precedes its thread line, and steps never overtake each other.
    kinds = [c.method for c in delivered]
    assert kinds == ["chat.postMessage"] + ["chat.update", "chat.postMessage"] * len(trail)


async def test_two_processes_post_and_update_each_incident_once(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """Two servers on one Redis and one Slack: every incident is posted once, claimed once."""
    fake.fail_next(Failure(500), too_many(1), Failure(500))
    async with (
        slack_server(prefix, tmp_path / "a", fake) as one,
        slack_server(prefix, tmp_path / "b", fake) as two,
    ):
        ids = [await report(server, EMERGENCY) for server in (one, two, one, two)]
        await posted(fake, len(ids))
        for n, incident_id in enumerate(ids):
            server = (one, two)[n % 2]
            await send(server.url, action(f"U0AGENT{n}", "claim", incident_id))
        await replies(fake, len(ids))
        # Let both workers go round many more times: nothing may be sent twice.
        rounds = 0

        async def more_rounds() -> bool:
            nonlocal rounds
            rounds += 1
            return rounds > 40

        await wait_for(more_rounds, what="more delivery rounds")
    for incident_id in ids:
        tops = [c for c in fake.posts(thread=False) if incident_id in c.args["text"]]
        assert len(tops) == 1
        ts = tops[0].answer["ts"]
        assert len([c for c in fake.ok_calls("chat.update") if c.args["ts"] == ts]) == 1
        assert len([c for c in fake.posts(thread=True) if c.args["thread_ts"] == ts]) == 1


async def test_repage_of_unclaimed_emergency_mentions_the_on_duty_agents(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """An emergency still unclaimed at the claim timeout re-pages in its thread, mentioning
    the configured users and user group."""
    clock = FakeClock(TWO_AM.astimezone(dt.UTC))
    async with slack_server(
        prefix,
        tmp_path,
        fake,
        clock=clock,
        sweep_interval_s=0.05,
        slack_mentions=("U0ONCALL", "S0AGENTS"),
    ) as server:
        await report(server, EMERGENCY)
        await posted(fake)
        clock.advance(181)  # past the demo school's 180 s claim timeout
        lines = await replies(fake, 2)
    assert action_of(lines[0]) == "repage"
    assert lines[1].startswith("<@U0ONCALL> <!subteam^S0AGENTS> :bell: still unclaimed")


async def test_translator_request_posts_to_the_translators_channel(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """Request translator on a non-English report posts the request in its own channel."""
    async with slack_server(
        prefix, tmp_path, fake, slack_translators_channel="C0TRANSLATE"
    ) as server:
        incident_id = await report(server, SPANISH)
        await posted(fake)
        await send(server.url, action("U0AGENT", "claim", incident_id))
        await replies(fake, 1)
        await send(server.url, action("U0AGENT", "translator", incident_id))

        async def asked() -> bool:
            return any(c.args["channel"] == "C0TRANSLATE" for c in fake.posts())

        await wait_for(asked, what="the translator request")
    (request,) = [c for c in fake.posts() if c.args["channel"] == "C0TRANSLATE"]
    assert incident_id in request.args["text"]
    assert "U0AGENT" in request.args["text"]


async def test_urgent_report_off_hours_is_posted_and_tracked_when_enabled(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """With urgent_offhours on, an urgent report at 02:00 is posted and its claim tracked."""
    clock = FakeClock(TWO_AM.astimezone(dt.UTC))
    async with slack_server(
        prefix, tmp_path, fake, clock=clock, slack_urgent_offhours=True
    ) as server:
        incident_id = await report(server, URGENT)
        await posted(fake)
        assert "urgent" in fake.posts()[0].args["text"]
        await send(server.url, action("U0AGENT", "claim", incident_id))
        (line,) = await replies(fake, 1)
        assert action_of(line) == "claim"

        async def updated() -> bool:
            return len(fake.ok_calls("chat.update")) == 1

        await wait_for(updated, what="the update")


async def test_urgent_report_off_hours_is_not_posted_by_default(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """With the setting at its default, the same urgent report at 02:00 queues nothing."""
    clock = FakeClock(TWO_AM.astimezone(dt.UTC))
    async with slack_server(prefix, tmp_path, fake, clock=clock) as server:
        incident_id = await report(server, URGENT)
        assert not await redis_client.hexists(
            f"{prefix}:slack:{{outbox}}:once:{incident_id}", "post"
        )
    assert not fake.calls
