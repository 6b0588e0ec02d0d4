"""The composition root: builds every part from Settings, wires them, runs, and tears down.

This is the only module that imports every package. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable

import redis.asyncio as aioredis
import socketio
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from adapters import data_dir, deadlines, embedded_redis, fanout
from adapters.embedded_redis import EmbeddedRedis
from adapters.pow_ledger import RedisProofLedger
from adapters.ratelimit import RedisRateLimiter
from adapters.redis_pool import SemaphorePool
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot.config import BotConfig
from bot.slack_app import SlackBot
from realtime import app as web_app
from realtime.broadcast import SocketBroadcaster
from tipline import admission, credentials, demo, guessing
from tipline.clock import SystemClock
from tipline.database import Database, close_database, discard, open_database
from tipline.ports import Classifier, Clock
from tipline.service import IncidentService
from tipline.settings import Settings
from tipline.triage import TriageService

log = logging.getLogger("tipline.app")
STORE_CONNECTIONS = 64


@dataclasses.dataclass(slots=True)
class Running:
    """A started service, for the CLI and for tests."""

    settings: Settings
    url: str
    store: RedisStore
    service: IncidentService
    triage: TriageService
    deadlines: deadlines.DeadlineStore
    redis_url: str
    embedded: EmbeddedRedis | None
    demo_agent_token: str | None = None
    demo_admin_token: str | None = None
    # The record (docs/record.md): its pool and adapter, for the archive stream to come.
    database: Database | None = None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed, unless TIPLINE_UVLOOP=0; None: asyncio's.

    uvloop runs the same code with less CPU per callback, socket write and timer, which is
    most of a message's cost outside our own code (docs/performance.md)."""
    if os.environ.get("TIPLINE_UVLOOP", "1") == "0":
        return None
    try:
        import uvloop  # noqa: PLC0415  (optional: the service runs on asyncio's loop without it)
    except ImportError:
        return None
    return uvloop.new_event_loop


# Full (generation 2) collections only after 1,000 collections of generation 1 instead of
# 10, i.e. after ~7 million tracked allocations have outlived the young generations.
GC_THRESHOLDS = (700, 10, 1000)


# How often `pace_gc` collects the young generation.
GC_YOUNG_EVERY_S = 0.1


async def pace_gc(every_s: float = GC_YOUNG_EVERY_S) -> None:
    """Collect the young generation every `every_s` seconds, for `tipline serve`, so that each
    pass scans only what the last tenth of a second left alive.

    CPython 3.11 lowers the young generation's count whenever any tracked object dies, old
    ones included. Under steady traffic every connection's pending read (~10 objects, rebuilt
    after each frame) dies old and is born young, so the collector's own young passes come
    late, over 30,000-50,000 objects at 2,000 connections, and stall the loop 20-35 ms each.
    Paced, the longest young pass took 3 ms, p99 at 1,000 msg/s fell from 6.8-7.5 to 3.3-3.7
    ms and the closed loop carried more (docs/performance.md). Process-wide, like `tune_gc`."""
    while True:
        await asyncio.sleep(every_s)
        gc.collect(0)


def tune_gc() -> None:
    """Make full collections rare. Each one scans every live object of 2,000 connections
    and stalls them all for 150-210 ms; with the default thresholds one ran every ~1.5 s at
    full load and set the p99 (docs/performance.md). Young collections are unchanged, so
    short-lived cycles are still freed at once; a process-wide setting, for `tipline serve`."""
    gc.set_threshold(*GC_THRESHOLDS)


def redis_client(url: str) -> aioredis.Redis:
    """A client that fails fast: redis-py would otherwise retry for seconds against a server
    that is going away (ARCHITECTURE.md); the caller turns the failure into `unavailable`."""
    # A bounded pool that waits: redis-py 8's default async pool raises "Too many
    # connections" once 100 commands are in flight, which a burst of a few hundred chatting
    # pairs reaches (measured at 200 pairs: most messages of a 500 msg/s run failed
    # `unavailable`, docs/performance.md). Waiting for one of 64 connections is cheaper than
    # failing: Redis answers in microseconds, and the wait is bounded by the same 2 s as a
    # command. A semaphore rather than redis-py's BlockingConnectionPool: see redis_pool.
    pool = SemaphorePool.from_url(
        url,
        max_connections=STORE_CONNECTIONS,
        timeout=2.0,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
        health_check_interval=15,
    )
    return aioredis.Redis.from_pool(pool)


def classifier_loaders(
    settings: Settings,
) -> tuple[Callable[[], Classifier], Callable[[], Classifier]]:
    """The model loader and the rules fallback (imported lazily: torch is heavy)."""

    @functools.cache
    def rules() -> Classifier:
        """The safety net, built once. As the model's fallback it still tells the language
        (lingua, about a second to load); alone (`TIPLINE_CLASSIFIER=rules`, the tests) not."""
        from classifiers import language  # noqa: PLC0415
        from classifiers import rules as safety_net  # noqa: PLC0415

        if settings.classifier == "rules":
            return safety_net.RulesClassifier()
        try:
            detector = language.LanguageDetector()
        except Exception:
            log.exception("triage.language_detector_unavailable")
            return safety_net.RulesClassifier()
        return safety_net.RulesClassifier(detect_language=detector.code)

    def load() -> Classifier:
        import classifiers  # noqa: PLC0415

        if settings.classifier == "rules":
            return rules()
        engine: Classifier = classifiers.load_engine(
            model_dir=settings.model_dir,
            cache_dir=settings.cache_dir,
            progress=lambda line: log.info("triage.progress", extra={"step": line}),
        )
        return engine

    return load, rules


@functools.cache
def _bare_rules() -> Classifier:
    """The safety net's patterns without language detection, for the emergency lane: the
    urgency of a rules verdict does not depend on the language."""
    from classifiers import rules as safety_net  # noqa: PLC0415

    return safety_net.RulesClassifier()


async def _load_then_freeze(triage: TriageService) -> None:
    """Load the model, then move everything alive to the permanent generation: the model's
    and the libraries' millions of objects are never garbage, and a full collection that
    scans them stalls every connection (docs/performance.md: the p99 is such pauses)."""
    await triage.start()
    gc.collect()
    gc.freeze()


async def seed(store: RedisStore, settings: Settings) -> tuple[str | None, str | None]:
    """Make the store's schools and responders exactly the configured ones. What is not
    configured does not exist: a responder removed from the config (or demo mode's, under a
    config file) loses their token and Slack user at this start, a school removed takes no
    new report (its incidents stay in the record). A config file overwrites its schools;
    demo mode only adds its school when missing. Incidents and messages are never touched."""
    await store.seal_legacy()
    wanted_orgs = {org.code for org in settings.organizations}
    for code in await store.organization_codes() - wanted_orgs:
        log.warning("seed.organization_removed", extra={"org": code})
        await store.remove_organization(code)
    for org in settings.organizations:
        await store.put_organization(org, overwrite=not settings.demo)
    seeds = [(s.responder, s.token_hash) for s in settings.responders]
    agent_token = admin_token = None
    if settings.demo:
        # Tokens are stored only as hashes, so a generated one cannot be shown again after a
        # restart: a new one is made (the old one stops working) unless the environment
        # fixes it.
        agent_token = settings.demo_agent_token or credentials.new_token()
        admin_token = settings.demo_admin_token or credentials.new_token()
        seeds += [
            (demo.agent(), credentials.token_hash(agent_token)),
            (demo.admin(), credentials.token_hash(admin_token)),
        ]
    wanted = {responder.responder_id for responder, _ in seeds}
    for responder_id in await store.responder_ids() - wanted:
        log.warning("seed.responder_removed", extra={"responder": responder_id})
        await store.remove_responder(responder_id)
    for responder, token_hash in seeds:
        await store.put_responder(responder, token_hash)
    return agent_token, admin_token


def fanout_manager(settings: Settings, redis_url: str) -> fanout.PooledRedisManager | None:
    """Redis pub/sub lets several processes share their connections (docs/deployment.md);
    None keeps python-socketio's in-process manager."""
    if settings.fanout != "redis":
        return None
    return fanout.PooledRedisManager(redis_url, channel=fanout.channel_for(settings.key_prefix))


# --- Slack bot (bot/, docs/slack.md) ----------------------------------------------------
def slack_bot(settings: Settings, store: RedisStore, client: aioredis.Redis) -> SlackBot | None:
    """The Slack bot when its token and signing secret are set; None leaves Slack off."""
    if not (settings.slack_enabled and settings.slack_bot_token and settings.slack_signing_secret):
        return None
    if not settings.slack_channel:
        log.warning("slack.off: TIPLINE_SLACK_CHANNEL is not set")
        return None
    config = BotConfig(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        api_url=settings.slack_api_url,
        channel=settings.slack_channel,
        demo=settings.demo,
        translators_channel=settings.slack_translators_channel,
        team_id=settings.slack_team_id,
        mentions=settings.slack_mentions,
        excerpt_chars=settings.slack_excerpt_chars,
        public_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        urgent_offhours=settings.slack_urgent_offhours,
        retry_base_s=settings.slack_retry_base_s,
        retry_cap_s=settings.slack_retry_cap_s,
    )
    outbox = RedisSlackOutbox(client, prefix=settings.key_prefix)
    return SlackBot(
        config=config,
        outbox=outbox,
        incidents=store,
        directory=store,
        replays=RedisRateLimiter(client, prefix=settings.key_prefix),
    )


# --- end Slack bot -------------------------------------------------------------------------


# The composition root reads top to bottom, start to stop; splitting it would scatter the
# order in which parts start and stop, so it may pass ruff's statement count.
@contextlib.asynccontextmanager
async def running(  # noqa: PLR0915
    settings: Settings,
    *,
    clock: Clock | None = None,
    classifier: tuple[Callable[[], Classifier], Callable[[], Classifier]] | None = None,
) -> AsyncIterator[Running]:
    """Start everything; on exit stop everything, the embedded Redis last. Tests pass a
    clock they drive, and may pass the classifier's (model loader, rules) pair, e.g. a
    slow engine; the service uses the system clock and `classifier_loaders`."""
    # The port and the data folder are taken before anything touches a store: a second
    # server on either fails here, with one line that says which (adapters/data_dir.py).
    sock = data_dir.listen(settings.host, settings.port)
    lock = data_dir.DataDirLock(settings.data_dir)
    embedded: EmbeddedRedis | None = None
    starting: asyncio.Task[Database] | None = None
    try:
        if settings.redis_url is None or settings.database_url is None:
            lock.acquire()
        # The record's PostgreSQL starts and migrates while Redis starts (docs/record.md).
        starting = asyncio.create_task(open_database(settings), name="record-start")
        if settings.redis_url is None:
            embedded_redis.private_dir(settings.data_dir)  # holds the store: 0700, files 0600
            embedded = EmbeddedRedis(settings.data_dir / "redis")
            await asyncio.to_thread(embedded.start)
        database = await starting
    except BaseException:
        await discard(starting)
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        sock.close()
        lock.release()
        raise
    redis_url = settings.redis_url or (embedded.url if embedded else "")
    client = redis_client(redis_url)
    runner: web.AppRunner | None = None
    triage: TriageService | None = None
    sio: socketio.AsyncServer | None = None
    manager: fanout.PooledRedisManager | None = None
    net = admission.SafetyNet(_bare_rules)
    try:
        key = settings.secret_key or credentials.demo_key(settings.data_dir)
        store = RedisStore(client, prefix=settings.key_prefix, key=key)
        slack = slack_bot(settings, store, client)
        agent_token, admin_token = await seed(store, settings)
        load, rules = classifier or classifier_loaders(settings)
        # The safety net's first verdicts need no language (the model tells it later); an
        # injected pair brings its own rules.
        first_rules = None if classifier else _bare_rules
        triage = TriageService(load=load, fallback=rules, net=first_rules)
        manager = fanout_manager(settings, redis_url)
        sio = web_app.new_server(client_manager=manager, allowed_hosts=settings.allowed_hosts)
        clock = clock or SystemClock()
        timers = deadlines.DeadlineStore(client, settings.key_prefix)
        ledger = RedisProofLedger(client, prefix=settings.key_prefix)
        limiter = RedisRateLimiter(client, prefix=settings.key_prefix)
        service = IncidentService(
            directory=store,
            incidents=store,
            messages=store,
            triager=triage,
            broadcaster=slack.mirror(SocketBroadcaster(sio)) if slack else SocketBroadcaster(sio),
            deadlines=timers,
            notifier=slack.notifier if slack else None,
            limits=settings.limits,
            clock=clock,
            gate=admission.ReportGate(
                ledger=ledger,
                limiter=limiter,
                limits=settings.limits,
                policy=settings.proof_of_work,
                clock=clock,
                is_emergency=net.is_emergency,
            ),
            # Past the free budget of wrong receipts or tokens, a proof of work as hard as a
            # report's (the same bits and cap), bound to its kind (tipline/guessing.py).
            guesses=guessing.GuessGate(
                ledger=ledger,
                limiter=limiter,
                limits=settings.limits,
                policy=settings.proof_of_work,
                clock=clock,
            ),
        )
        health = web_app.Health(
            store_ping=store.ping,
            triager=triage,
            # `degraded`: the model could not load and the rules alone triage (at least urgent).
            extra=lambda: {
                "engine": triage.engine_name if triage else "none",
                "degraded": triage.degraded if triage else False,
                # Additive: PostgreSQL down never fails /healthz yet (docs/record.md).
                "database": database.state,
            },
        )
        application = web_app.build(
            sio=sio,
            service=service,
            health=health,
            extra_routes=slack.routes(service) if slack else None,
        )
        runner = web.AppRunner(
            application,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=5.0,
            # aiohttp closes a connection whose next request's headers have not all come in
            # this long after it opened or after the last answer (its own default is an
            # hour: half-sent requests were held as long as the sender liked).
            keepalive_timeout=settings.header_timeout_s,
        )
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()
        port = runner.addresses[0][1]
        loader = asyncio.create_task(_load_then_freeze(triage), name="triage-start")
        stop_sweeping = asyncio.Event()
        sweeper = asyncio.create_task(
            deadlines.run_sweeper(
                timers, clock, service.deadline_fired, settings.sweep_interval_s, stop_sweeping
            ),
            name="deadline-sweeper",
        )
        yield Running(
            settings=settings,
            url=f"http://{settings.host}:{port}",
            store=store,
            service=service,
            triage=triage,
            deadlines=timers,
            redis_url=redis_url,
            embedded=embedded,
            demo_agent_token=agent_token,
            demo_admin_token=admin_token,
            database=database,
        )
        stop_sweeping.set()
        await service.close()
        loader.cancel()
        await asyncio.gather(loader, sweeper, return_exceptions=True)
    finally:
        if sio is not None:
            # Close every connection first: clients reconnect elsewhere at once instead of
            # waiting for aiohttp's shutdown timeout, and nothing acknowledged is lost.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sio.eio.disconnect(), timeout=5)
            await sio.shutdown()
        if manager is not None:
            await manager.close()
        if runner is not None:
            await runner.cleanup()
        if triage is not None:
            await triage.stop()
        net.stop()
        await client.aclose()
        await close_database(database)
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        sock.close()
        lock.release()
