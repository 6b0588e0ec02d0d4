"""A fake Slack Web API: a local aiohttp server that answers like Slack and records every call.

It answers auth.test, chat.postMessage, chat.update, chat.delete, chat.postEphemeral and
views.open, and can be told to fail the next calls: a 429 with Retry-After, a 500, or an
`ok: false` error, and to take its time over each answer (`delay_s`, as a slow Slack does).
It keeps the text of each message it posted (`texts`): chat.update and chat.delete of a
message it deleted (or a test put in `gone`) answer `message_not_found`, as Slack does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

TEAM = "T0TIPLINE"
BOT_USER = "UBOT"


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One request to the fake: its method, its arguments, and what the fake answered."""

    method: str
    args: dict[str, Any]
    status: int
    ok: bool
    at: float  # time.monotonic() when it arrived
    answer: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """An answer the fake gives instead of success: HTTP `status`, Slack `error`."""

    status: int = 500
    error: str = "internal_error"
    retry_after: int | None = None


def too_many(retry_after: int = 1) -> Failure:
    return Failure(status=429, error="ratelimited", retry_after=retry_after)


class FakeSlack:
    """Start with `async with running_fake() as fake`; `fake.url` is the SLACK_API_URL."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self.url = ""
        self.delay_s = 0.0  # how long each call (other than auth.test) waits for its answer
        self.texts: dict[tuple[str, str], str] = {}  # (channel, ts) -> the message's text now
        self.gone: set[tuple[str, str]] = set()  # deleted messages
        self.down = False  # while set, every call but auth.test gets a 503
        self._ts = itertools.count(1)

    def fail_next(self, *failures: Failure) -> None:
        """The next calls (other than auth.test) get these answers, one each, in order."""
        self.failures.extend(failures)

    def ok_calls(self, method: str) -> list[Call]:
        """The calls of `method` that the fake answered with success, in arrival order."""
        return [c for c in self.calls if c.method == method and c.ok]

    def posts(self, *, thread: bool | None = None) -> list[Call]:
        """Successful chat.postMessage calls; thread=True only replies, False only tops."""
        calls = self.ok_calls("chat.postMessage")
        if thread is None:
            return calls
        return [c for c in calls if bool(c.args.get("thread_ts")) is thread]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method != "auth.test" and self.delay_s:
            await asyncio.sleep(self.delay_s)
        if method != "auth.test" and self.failures:
            failure = self.failures.pop(0)
            body = {"ok": False, "error": failure.error}
            self.calls.append(Call(method, args, failure.status, False, time.monotonic(), body))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            return web.json_response(body, status=failure.status, headers=headers)
        if method != "auth.test" and self.down:
            body = {"ok": False, "error": "service_unavailable"}
            self.calls.append(Call(method, args, 503, False, time.monotonic(), body))
            return web.json_response(body, status=503)
        answer = self._answer(method, args)
        ok = answer.get("ok") is True
        self.calls.append(Call(method, args, 200, ok, time.monotonic(), answer))
        return web.json_response(answer)

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1700000000.{next(self._ts):06d}"
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "url": "https://tipline-test.slack.com/",
                    "team": "Tipline Test",
                    "team_id": TEAM,
                    "user": "tipline",
                    "user_id": BOT_USER,
                    "bot_id": "B0TIPLINE",
                }
            case "chat.postMessage":
                self.texts[(str(args.get("channel")), ts)] = str(args.get("text", ""))
                return {"ok": True, "channel": args.get("channel"), "ts": ts}
            case "chat.update" | "chat.delete":
                return self._change(method, args)
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "views.open":
                return {"ok": True, "view": {"id": "V0TIPLINE"}}
        return {"ok": False, "error": "unknown_method"}

    def _change(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """chat.update or chat.delete, answered as Slack answers them."""
        where = (str(args.get("channel")), str(args.get("ts")))
        if where in self.gone:
            return {"ok": False, "error": "message_not_found"}
        if method == "chat.delete":
            self.gone.add(where)
            self.texts.pop(where, None)
            return {"ok": True, "channel": where[0], "ts": where[1]}
        self.texts[where] = str(args.get("text", ""))
        return {"ok": True, "channel": where[0], "ts": where[1], "text": self.texts[where]}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """The call's arguments, as Slack reads them: the query string (slack_sdk sends
    chat.delete's there), then a JSON or form body."""
    query: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return query | data
    form = await request.post()
    return query | {k: v if isinstance(v, str) else str(v) for k, v in form.items()}


@asynccontextmanager
async def running_fake() -> AsyncIterator[FakeSlack]:
    """A FakeSlack on a loopback port for the length of the block."""
    fake = FakeSlack()
    app = web.Application()
    app.router.add_post("/api/{method}", fake._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/"
    try:
        yield fake
    finally:
        await runner.cleanup()


def blocks_text(call: Call) -> str:
    """Everything a message's blocks say, as one string (for assertions)."""
    return json.dumps(call.args.get("blocks", []), ensure_ascii=False)
