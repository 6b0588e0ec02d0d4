"""The Slack endpoint's own signature check: malformed timestamps, future-dated requests,
and how long a replay is remembered (issue #19, item 9)."""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis
from slack_sdk.signature import SignatureVerifier

from bot import slack_app
from tests.bot.conftest import SECRET, action, send, signed
from tests.conftest import Server

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", " 12", "-5", "9" * 40])
async def test_a_malformed_timestamp_gets_401(server: Server, timestamp: str) -> None:
    """A request whose timestamp is not a plain number of seconds is refused with 401."""
    body = action("U0TS", "claim", "TL-NOPE")
    headers = {"X-Slack-Request-Timestamp": timestamp, "Content-Type": FORM}
    assert (await send(server.url, body, headers))[0] == 401
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    assert (await send(server.url, body, headers | {"X-Slack-Signature": signature}))[0] == 401


async def test_a_request_dated_beyond_the_clock_skew_gets_401(server: Server) -> None:
    """A validly signed request dated five minutes ahead is refused; one a few seconds
    ahead (clock skew) is accepted."""
    ahead = int(time.time()) + 300
    body = action("U0FUTURE", "claim", "TL-NOPE")
    assert (await send(server.url, body, signed(body, timestamp=ahead)))[0] == 401
    soon = action("U0FUTURE", "claim", "TL-NOPE")
    near = int(time.time()) + 5
    assert (await send(server.url, soon, signed(soon, timestamp=near)))[0] == 200


async def test_a_replay_is_remembered_for_as_long_as_its_request_is_accepted(
    server: Server, redis_client: aioredis.Redis
) -> None:
    """The replay record of a request dated as far ahead as accepted outlives the moment
    its timestamp stops being accepted (timestamp + 5 minutes)."""
    timestamp = int(time.time()) + slack_app.MAX_SKEW_S - 2
    body = action("U0WINDOW", "claim", "TL-NOPE")
    headers = signed(body, timestamp=timestamp)
    assert (await send(server.url, body, headers))[0] == 200
    key = f"{server.prefix}:rl:slack-seen:{headers['X-Slack-Signature']}"
    ttl_ms = await redis_client.pttl(key)
    accepted_until_ms = (timestamp + slack_app.MAX_AGE_S - time.time()) * 1000
    assert ttl_ms > accepted_until_ms
    assert (await send(server.url, body, headers))[0] == 409
