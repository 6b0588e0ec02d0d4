"""The outbox's jobs: typed in the bot, stored as the JSON every version wrote."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot import jobs
from tests.bot.conftest import EMERGENCY, action, send, slack_server
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import action_of, posted, replies, report
from tipline import models

STEP = models.Step(
    at=dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC),
    by="agent-1",
    action="set_urgency",
    note="a note",
    urgency=models.Urgency.URGENT,
)
# Each job as the notifier wrote it before jobs were typed (json.dumps, sorted, compact).
STORED = {
    jobs.Post(): '{"kind":"post"}',
    jobs.Update(): '{"kind":"update"}',
    jobs.Reply(STEP): (
        '{"kind":"reply","step":{"action":"set_urgency","at":"2026-03-04T06:00:00.000Z",'
        '"by":"agent-1","note":"a note","urgency":"urgent"}}'
    ),
    jobs.Alert("repage"): '{"kind":"alert","reason":"repage"}',
    jobs.Translator("agent-1"): '{"by":"agent-1","kind":"translator"}',
}


@pytest.mark.parametrize("job", list(STORED), ids=lambda j: type(j).__name__)
def test_jobs_are_stored_as_before_and_read_back(job: jobs.Job) -> None:
    """Every job encodes to the string the old notifier wrote, and that string decodes to it."""
    assert jobs.encode(job) == STORED[job]
    assert jobs.decode(STORED[job]) == job


NOT_JOBS = [
    *("", "post", "[]", "{}", '{"kind":"zzz"}', '{"kind":"reply"}', '{"kind":"reply","step":{}}'),
    *('{"kind":"alert","reason":7}', '{"kind":"translator"}'),
]


@pytest.mark.parametrize("body", NOT_JOBS)
def test_what_is_not_a_job_decodes_to_none(body: str) -> None:
    """A body that is not a job of this version is None, never an exception."""
    assert jobs.decode(body) is None


async def test_an_unreadable_job_is_dropped_and_the_incidents_next_jobs_go_out(
    prefix: str,
    tmp_path: Path,
    fake: FakeSlack,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A job this version cannot read is refused like a Slack refusal, then dropped; the
    incident's later jobs are not held up behind it."""
    async with slack_server(prefix, tmp_path, fake) as server:
        incident_id = await report(server, EMERGENCY)
        await posted(fake)
        # Where a newer version (or a corrupted write) left a job ahead of the claim's.
        await redis_client.rpush(f"{prefix}:slack:{{outbox}}:q:{incident_id}", "not a job")
        await redis_client.zadd(f"{prefix}:slack:{{outbox}}:due", {incident_id: 0})
        with caplog.at_level(logging.ERROR, logger="tipline.slack"):
            await send(server.url, action("U0AGENT", "claim", incident_id))
            (line,) = await replies(fake, 1)
    assert action_of(line) == "claim"
    dropped = [r.getMessage() for r in caplog.records if r.name == "tipline.slack"]
    assert dropped == ["slack.dropped"]
