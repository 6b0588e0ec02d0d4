"""The Slack endpoint under replayed, stale, forged and random requests: never a 5xx, never a
change of state on a refusal, and a replayed click never acts twice."""

from __future__ import annotations

import time
from typing import Any

import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.conftest import action, send, signed
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import posted, report, steps_of
from tests.conftest import Server
from tests.realtime.test_bad_payloads import snapshot
from tests.realtime.test_fuzz import assert_only_counters_changed

EMERGENCY = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"


async def test_replayed_click_is_refused_and_acts_once(server: Server, fake: FakeSlack) -> None:
    """The same signed request sent again gets 409 and records no second step."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    assert (await send(server.url, action("U0REPLAY", "claim", incident_id)))[0] == 200
    body = action("U0REPLAY", "outcome_no_answer", incident_id)
    headers = signed(body)
    first, _ = await send(server.url, body, headers)
    again, text = await send(server.url, body, headers)
    assert first == 200
    assert again == 409
    assert "already handled" in text
    assert (await steps_of(server, incident_id)).count("contact_outcome") == 1


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
bodies = st.one_of(
    st.text(max_size=300),
    st.builds(lambda s: "payload=" + s, st.text(max_size=300)),
    st.builds(
        lambda kind, user: action(user, kind, "TL-NOPE"),
        st.sampled_from(["claim", "outcome_reached", "next_contact", "resolve", "zzz"]),
        st.text(min_size=1, max_size=12),
    ),
)


@FUZZ
@given(
    body=bodies,
    how=st.sampled_from(["signed", "stale", "forged", "unsigned", "future"]),
)
async def test_fuzzed_slack_requests_never_fail_or_change_state(
    server: Server, redis_client: aioredis.Redis, body: str, how: str
) -> None:
    """Any body, signed or not, stale or not: no 5xx, and nothing but counters changes."""
    before = await snapshot(redis_client, server.prefix)
    now = int(time.time())
    headers: dict[str, Any] = {
        "signed": signed(body),
        "stale": signed(body, timestamp=now - 301),
        "future": signed(body, timestamp=now + 600),
        "forged": signed(body, secret="not-the-secret"),
        "unsigned": {"Content-Type": "application/x-www-form-urlencoded"},
    }[how]
    status, _ = await send(server.url, body, headers)
    assert status < 500, (how, body, status)
    if how != "signed":
        assert status == 401, (how, status)
    await assert_only_counters_changed(redis_client, server.prefix, before)
