"""Fixtures of the Slack bot's tests: the fake Slack, a server wired to it, signed requests."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from slack_sdk.signature import SignatureVerifier

from bot import blocks
from bot.delivery import Delivery
from bot.slack_app import web_client
from tests.bot.fake_slack import TEAM, FakeSlack, running_fake
from tests.conftest import Server, start_server
from tipline import settings
from tipline.ports import Directory, IncidentStore, SlackOutbox

SECRET = "test-signing-secret"
_CLICKS = itertools.count(1)
CHANNEL = "C0AGENTS"
TOKEN = "xoxb-test-token"
EMERGENCY = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"
ROUTINE = "someone keeps taking my lunch money in the cafeteria"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with running_fake() as slack:
        yield slack


def slack_changes(fake: FakeSlack, **more: Any) -> dict[str, Any]:
    """The Settings changes that turn the bot on against `fake`, with fast retries; in `more`
    `slack_<name>` sets the bot's setting <name> (as TIPLINE_SLACK_<NAME> does), any other
    name a Settings field."""
    bot = {k.removeprefix("slack_"): v for k, v in more.items() if k.startswith("slack_")}
    slack = settings.SlackSettings(
        token=TOKEN,
        signing_secret=SECRET,
        api_url=fake.url,
        channel=CHANNEL,
        retry_base_s=0.05,
        retry_cap_s=0.2,
        **bot,
    )
    return {"slack": slack, **{k: v for k, v in more.items() if not k.startswith("slack_")}}


def delivery_on(
    fake: FakeSlack,
    outbox: SlackOutbox,
    store: IncidentStore,
    directory: Directory,
    **more: Any,
) -> Delivery:
    """A Slack delivery worker against `fake` with fast retries, outside any server; `more`
    goes to `Delivery` (`copies`, `now_ms`, ...)."""
    config = slack_changes(fake)["slack"]
    return Delivery(
        config=config,
        outbox=outbox,
        incidents=store,
        directory=directory,
        client=web_client(config),
        look=blocks.Look(console_url="http://tipline.test/console"),
        **more,
    )


@contextlib.asynccontextmanager
async def slack_server(
    prefix: str, tmp_path: Path, fake: FakeSlack, **more: Any
) -> AsyncIterator[Server]:
    async with start_server(prefix, tmp_path, **slack_changes(fake, **more)) as server:
        yield server


@pytest.fixture
async def server(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> AsyncIterator[Server]:
    """A demo-mode Tipline with the Slack bot on, talking to `fake`."""
    async with slack_server(prefix, tmp_path, fake) as running:
        yield running


def signed(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends: a timestamp and the HMAC of `v0:<timestamp>:<body>`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def action(
    user: str, action_id: str, value: str, *, channel: str = CHANNEL, team: str = TEAM
) -> str:
    """The form body of a block_actions request: a click on a button of our message. Each
    click is unique (its trigger_id and action_ts), as in Slack: only a replay repeats one."""
    click = next(_CLICKS)
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "tipline-test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TIPLINE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{user}-{click}",
        "channel": {"id": channel, "name": "agents"},
        "container": {"type": "message", "message_ts": "1.0", "channel_id": channel},
        "response_url": "https://hooks.invalid/actions",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "action_ts": f"{time.time():.6f}{click}",
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def submission(user: str, callback_id: str, metadata: str, values: dict[str, Any]) -> str:
    """The form body of a view_submission: a modal of ours, filled in and saved."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "tipline-test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": "A0TIPLINE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{user}",
        "view": {
            "id": "V0TIPLINE",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def command(user: str, text: str, *, channel: str = CHANNEL, team: str = TEAM) -> str:
    """The form body of `/tipline <text>`."""
    return urllib.parse.urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "channel_id": channel,
            "user_id": user,
            "command": "/tipline",
            "text": text,
            "api_app_id": "A0TIPLINE",
            "response_url": "https://hooks.invalid/commands",
            "trigger_id": f"trigger-{user}",
        }
    )


async def send(url: str, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST `body` to the server's Slack endpoint, signed unless `headers` says otherwise."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url + "/slack/events",
            data=body.encode(),
            headers=signed(body) if headers is None else headers,
        ) as response,
    ):
        return response.status, await response.text()
