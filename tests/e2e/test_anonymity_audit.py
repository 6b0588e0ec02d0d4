"""The anonymity audit: after a full scenario over the web pages, Socket.IO and Slack, nothing
that identifies the reporter is in any Redis key or value, any log line or any Slack call."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

from tests.bot.conftest import action, send, slack_changes
from tests.bot.fake_slack import running_fake
from tests.conftest import Peer, start_server, wait_for
from tests.realtime.test_anonymity import redis_dump
from tipline import logs

USER_AGENT = "AuditPhone/3.1 (fingerprint-8841-kestrel)"
FORWARDED = "198.51.100.23"
PROBE = "header-probe-5521-heron"
COOKIE = "session=cookie-probe-7310-lynx"
REPORT = "he has a gun in his backpack and says he will shoot people at lunch tomorrow"
MESSAGE = "please dont say it was me quokka-2291"
HEADERS = {
    "User-Agent": USER_AGENT,
    "X-Forwarded-For": FORWARDED,
    "X-Real-IP": FORWARDED,
    "Forwarded": f"for={FORWARDED}",
    "X-Probe": PROBE,
    "Cookie": COOKIE,
    "Accept-Language": "es-MX,es;q=0.9",
}


async def test_no_reporter_identifier_in_redis_logs_or_slack(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """IP, user agent, sids and header values of the reporter appear nowhere afterwards."""
    with logs.capture() as entries:
        async with running_fake() as fake:
            changes = slack_changes(fake, public_url="https://tips.example.org")
            async with start_server(prefix, tmp_path, **changes) as server:
                async with aiohttp.ClientSession(headers=HEADERS) as web:
                    for path in ("/", "/console", "/healthz", "/nope"):
                        async with web.get(server.url + path) as response:
                            await response.read()
                reporter = Peer("/report")
                await reporter.sio.connect(
                    server.url, namespaces=["/report"], auth={"org_code": "DEMO"},
                    headers=HEADERS, transports=["polling", "websocket"],
                )  # fmt: skip
                filed = await reporter.call("report:create", {"text": REPORT})
                await reporter.call("message:send", {"text": MESSAGE, "client_id": "m1"})
                sids = [reporter.sio.get_sid("/report"), reporter.sio.eio.sid]

                async def posted() -> bool:
                    return bool(fake.posts(thread=False))

                await wait_for(posted, what="the Slack post")
                status, _ = await send(server.url, action("U0AUDIT", "claim", filed["incident_id"]))
                assert status == 200

                async def updated() -> bool:
                    return bool(fake.ok_calls("chat.update"))

                await wait_for(updated, what="the Slack update after the claim")
                agent = Peer("/respond")
                await agent.connect(server.url, {"token": server.agent_token})
                await agent.call("incident:join", {"incident_id": filed["incident_id"]})
                await agent.call(
                    "message:send",
                    {"incident_id": filed["incident_id"], "text": "we are here", "client_id": "a"},
                )
                await reporter.close()
                await agent.close()
                stored = await redis_dump(redis_client, prefix)
            slack_calls = json.dumps([c.args for c in fake.calls], ensure_ascii=False)
    lines = json.dumps(entries, ensure_ascii=False)

    # The places searched are real: the incident is in Redis, it went to Slack, where the
    # bot posted the report's text as it read it from the store, opened.
    assert filed["incident_id"] in stored
    assert filed["incident_id"] in slack_calls
    assert "he has a gun in his backpack" in slack_calls
    for needle in (REPORT, MESSAGE, "quokka", "we are here"):  # sealed (redis_codec.py)
        assert needle not in stored, needle
    assert "report.created" in lines
    needles = [USER_AGENT, "fingerprint-8841", FORWARDED, PROBE, "cookie-probe-7310", *sids]
    for where, text in (("redis", stored), ("logs", lines), ("slack", slack_calls)):
        for needle in [*needles, "127.0.0.1", "es-MX"]:
            assert needle not in text, (where, needle)
    for needle in (REPORT, MESSAGE, "quokka"):
        assert needle not in lines, needle
    assert MESSAGE not in slack_calls  # chat messages never go to Slack
    assert filed["receipt"] not in stored + lines + slack_calls
