"""Issue #21, retention over the real server with the Slack bot on: a purged emergency's
Slack message is rewritten to its anonymous figures and its noted thread reply deleted by
the server's own delivery worker, once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import redis.asyncio as aioredis

from adapters import retention
from adapters.record import purge
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from tests.bot.conftest import EMERGENCY, slack_server
from tests.bot.fake_slack import running_fake
from tests.bot.test_slack_server import posted, replies, report
from tests.clock import FakeClock
from tests.conftest import Peers, responder, wait_for

NOTE = "the counsellor spoke with the family and the police checked the backpack"


def words(text: str) -> set[str]:
    """The words of four letters or more."""
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4}


async def test_a_purged_emergency_is_scrubbed_in_slack_by_the_server(
    prefix: str, tmp_path: Path, peers: Peers, redis_client: aioredis.Redis
) -> None:
    """Posted, claimed and resolved with a note, evicted after 73 h, purged 2 days later
    (4-day period): the server's worker updates the message once to a text with no word of
    the report or the note and deletes the noted reply once; the record says scrubbed."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with (
        running_fake() as fake,
        slack_server(
            prefix, tmp_path, fake, clock=clock, sweep_interval_s=0.05, retention_days=4
        ) as server,
    ):
        incident_id = await report(server, EMERGENCY)
        await posted(fake)
        agent = await responder(server, peers, server.agent_token)
        assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
        resolve = {"action": "resolve", "resolution": "handled_by_school", "note": NOTE}
        assert (await agent.call("incident:step", {"incident_id": incident_id, **resolve}))["ok"]
        lines = await replies(fake, 2)
        noted = [c.answer["ts"] for c in fake.posts(thread=True) if "counsellor" in c.args["text"]]
        assert len(noted) == 1, lines
        (top,) = fake.posts(thread=False)

        clock.advance(73 * 3600)
        key = f"{prefix}:inc:{{{incident_id}}}"

        async def evicted() -> bool:
            return not await redis_client.exists(key)

        await wait_for(evicted, what="the incident gone from Redis", timeout=30)
        clock.advance(2 * 24 * 3600)
        database = server.running.database
        assert database is not None
        job = retention.Purger(
            database.pool,
            redis_client,
            prefix=prefix,
            periods=purge.Periods(4),
            clock=clock,
            scrubs=SlackNotifier(RedisSlackOutbox(redis_client, prefix=prefix)),
        )
        assert (await job.purge())["DEMO"].slack == 2

        async def scrubbed() -> bool:
            return bool(fake.ok_calls("chat.delete")) and any(
                "purged" in str(c.args.get("text")) for c in fake.ok_calls("chat.update")
            )

        await wait_for(scrubbed, what="the Slack copy scrubbed")
        assert await job.purge() == {}
        outcome = await database.pool.fetchval(
            "SELECT scrub_outcome FROM slack_messages WHERE incident_id = $1", incident_id
        )
    assert outcome == "scrubbed"
    purged = [c for c in fake.ok_calls("chat.update") if "purged" in str(c.args.get("text"))]
    assert len(purged) == 1
    assert purged[0].args["ts"] == top.answer["ts"]
    text = fake.texts[(top.args["channel"], top.answer["ts"])]
    assert not words(text) & (words(EMERGENCY) | words(NOTE))
    assert [c.args["ts"] for c in fake.ok_calls("chat.delete")] == noted
