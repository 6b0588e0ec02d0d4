"""The Slack bot assembled: bolt's AsyncApp on `/slack/events`, the notifier and its worker.

The composition root builds one `SlackBot` per process when Slack is configured, passes
`bot.notifier` to IncidentService and adds `bot.routes(service)` to the web app, which then
starts and stops the delivery worker with itself. Nothing here is built at import time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks, signature
from bot.config import BotConfig
from bot.delivery import Delivery
from bot.listeners import Listeners
from bot.notifier import SlackNotifier
from tipline.ports import (
    Directory,
    IncidentStore,
    RateLimiter,
    SlackCopies,
    SlackOutbox,
    UseCases,
)

STOP_WAIT_S = 5.0  # how long a stop waits for the delivery round in flight

log = logging.getLogger("tipline.slack")
PATH = "/slack/events"


def web_client(config: BotConfig) -> AsyncWebClient:
    """Slack's Web API at `config.api_url`; no retries of its own, the outbox retries."""
    base = config.api_url if config.api_url.endswith("/") else config.api_url + "/"
    return AsyncWebClient(
        token=config.token, base_url=base, timeout=int(config.http_timeout_s), retry_handlers=[]
    )


def bolt_app(config: BotConfig, listeners: Listeners, client: AsyncWebClient) -> AsyncApp:
    """bolt with request verification on: unsigned, forged or stale (> 5 min) gets 401."""
    # Both `token=` and `client=`: without the token AsyncApp refuses to start, without the
    # client it would talk to slack.com instead of `api_url` (ARCHITECTURE.md).
    app = AsyncApp(
        token=config.token,
        signing_secret=config.signing_secret,
        client=client,
        request_verification_enabled=True,
        process_before_response=False,
    )
    app.middleware(_guard(config))
    app.error(_log_error)
    listeners.register(app)
    return app


def _guard(config: BotConfig) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Refuse requests from another workspace (when a team id is set) or another channel."""

    async def guard(
        body: dict[str, Any], next_: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        if config.team_id and team != config.team_id:
            log.warning("slack.refused", extra={"why": "team"})
            return BoltResponse(status=403, body="this workspace may not use Tipline")
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        if channel is not None and channel != config.channel:
            log.warning("slack.refused", extra={"why": "channel"})
            return BoltResponse(status=403, body="Tipline answers only in its agents' channel")
        await next_()
        return None

    return guard


async def _log_error(error: Exception) -> None:
    log.error("slack.listener_failed", exc_info=error)


# Kept for importers: how long a seen request is remembered (bot/signature.py).
REPLAY_S = float(signature.REPLAY_S)
MAX_AGE_S = signature.MAX_AGE_S
MAX_SKEW_S = signature.MAX_SKEW_S


class SlackBot:
    """One process's Slack bot: notifier (outbound), bolt app (inbound), delivery worker."""

    def __init__(
        self,
        *,
        config: BotConfig,
        outbox: SlackOutbox,
        incidents: IncidentStore,
        directory: Directory,
        replays: RateLimiter | None = None,
        demo: bool = False,
        public_url: str = "",
        copies: SlackCopies | None = None,
    ) -> None:
        """`demo`: an unmapped Slack user acts as an agent (PROTOCOL.md); `public_url`: the
        base of the console links in Slack's messages; `copies`: the record, told what the
        delivery worker posted and scrubbed for retention (bot/delivery.py)."""
        self._copies = copies
        self.config = config
        self._demo = demo
        self._public_url = public_url
        self._replays = replays
        self._outbox = outbox
        self._incidents = incidents
        self._directory = directory
        self.client = web_client(config)
        self.delivery: Delivery | None = None
        self.notifier = SlackNotifier(outbox, wake=self._wake)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _wake(self) -> None:
        if self.delivery is not None:
            self.delivery.wake()

    def routes(self, service: UseCases) -> Callable[[web.Application], None]:
        """`extra_routes` for realtime.app.build: POST /slack/events into bolt."""
        listeners = Listeners(
            config=self.config,
            demo=self._demo,
            service=service,
            directory=self._directory,
            notifier=self.notifier,
        )
        bolt = bolt_app(self.config, listeners, self.client)
        secret = self.config.signing_secret

        async def events(request: web.Request) -> web.Response:
            # Verified here first, so that nothing unsigned, forged, stale (> 5 min) or dated
            # ahead (> 1 min) reaches any parser; bolt verifies again.
            body = (await request.read()).decode("utf-8", "replace")
            if not signature.is_valid(secret, body, request.headers, now=time.time()):
                return web.Response(status=401, text="invalid or stale Slack signature")
            # A validly signed request seen before is a replay: the signature and age checks
            # would let it act twice while it is accepted, so it is remembered that long.
            seen = request.headers.get("X-Slack-Signature", "")
            if (
                self._replays is not None
                and await self._replays.count(f"slack-seen:{seen}", window_s=REPLAY_S) > 1
            ):
                log.warning("slack.replay_refused")
                return web.Response(status=409, text="this request was already handled")
            try:
                answer = await bolt.async_dispatch(await to_bolt_request(request))
            except Exception as exc:  # bolt raises on a signed body it cannot parse
                log.warning("slack.malformed_request", extra={"error": type(exc).__name__})
                return web.Response(status=400, text="malformed Slack request")
            return await to_aiohttp_response(answer)

        def add(app: web.Application) -> None:
            app.router.add_post(PATH, events)
            app.cleanup_ctx.append(self._lifetime)

        return add

    async def _lifetime(self, _: web.Application) -> AsyncIterator[None]:
        """The delivery worker runs as long as the web app does."""
        self.start()
        yield
        await self.stop()

    def start(self) -> None:
        """Start the delivery worker."""
        base = self._public_url.rstrip("/")
        look = blocks.Look(
            console_url=f"{base}/console",
            excerpt_chars=self.config.excerpt_chars,
            translators=bool(self.config.translators_channel),
        )
        self.delivery = Delivery(
            config=self.config,
            outbox=self._outbox,
            incidents=self._incidents,
            directory=self._directory,
            client=self.client,
            look=look,
            copies=self._copies,
        )
        self._task = asyncio.create_task(self.delivery.run(self._stop), name="slack-delivery")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            # A round that is still storing what Slack did while Redis is away (delivery's
            # `_settle`, up to 30 s) gets a moment, then is cancelled: its job stays leased
            # and goes out again once the lease runs out.
            await asyncio.wait([self._task], timeout=STOP_WAIT_S)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
