"""The composition root: builds every part from Settings, wires them, runs, and tears down.

This is the only module that imports every package. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import redis.asyncio as aioredis
import socketio
from aiohttp import web
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from adapters import (
    archive,
    data_dir,
    deadlines,
    effects_outbox,
    embedded_redis,
    fanout,
    live_window,
    redis_reseal,
    retention,
)
from adapters.effects_outbox import RedisEffectsOutbox
from adapters.embedded_redis import EmbeddedRedis
from adapters.live_rebuild import LiveRestore
from adapters.pow_ledger import RedisProofLedger
from adapters.ratelimit import RedisRateLimiter
from adapters.redis_directory import RedisDirectory
from adapters.redis_health import EffectsProbe, ReplicationProbe
from adapters.redis_incidents import RedisIncidents
from adapters.redis_messages import RedisMessages
from adapters.redis_pool import SemaphorePool, sentinel_pool
from adapters.redis_store import RedisStore
from adapters.sealing import DataKeyError, KeyRing
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from bot.slack_app import SlackBot
from escalation import recovery
from realtime import app as web_app
from realtime.broadcast import SocketBroadcaster
from realtime.manager import DirectSend
from tipline import admission, archive_process, credentials, datakeys, demo, effects, guessing
from tipline.casework import Casework
from tipline.clock import SystemClock
from tipline.conversation import Conversation
from tipline.database import Database, close_database, discard, open_database
from tipline.errors import Unavailable
from tipline.intake import Intake
from tipline.ports import Classifier, Clock
from tipline.responding import Responding
from tipline.service import IncidentService
from tipline.settings import ConfigError, Settings, redis_sentinel
from tipline.triage import TriageService

log = logging.getLogger("tipline.app")
STORE_CONNECTIONS = 64


@dataclasses.dataclass(slots=True)
class Running:
    """A started service, for the CLI and for tests."""

    settings: Settings
    url: str
    store: RedisStore  # the three Redis parts in one, for tests (the service takes each)
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


def redis_client(
    url: str, *, min_replicas: int = 0, replica_timeout_ms: int = 500
) -> aioredis.Redis:
    """A client that fails fast: redis-py would otherwise retry for seconds against a server
    that is going away (ARCHITECTURE.md); the caller turns the failure into `unavailable`.
    A `redis+sentinel://` URL follows the primary the Sentinels name; with `min_replicas`
    a write is acknowledged only once that many replicas have it (adapters/redis_pool.py)."""
    # A bounded pool that waits: redis-py 8's default async pool raises "Too many
    # connections" once 100 commands are in flight, which a burst of a few hundred chatting
    # pairs reaches (measured at 200 pairs: most messages of a 500 msg/s run failed
    # `unavailable`, docs/performance.md). Waiting for one of 64 connections is cheaper than
    # failing: Redis answers in microseconds, and the wait is bounded by the same 2 s as a
    # command. A semaphore rather than redis-py's BlockingConnectionPool: see redis_pool.
    pool = redis_pool(
        url,
        max_connections=STORE_CONNECTIONS,
        timeout=2.0,
        # WAIT answers within its own timeout; a read must not give up before it.
        socket_timeout=max(2.0, replica_timeout_ms / 1000 + 1.0),
        socket_connect_timeout=1.0,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
        health_check_interval=15,
        min_replicas=min_replicas,
        replica_timeout_ms=replica_timeout_ms,
    )
    return aioredis.Redis.from_pool(pool)


def redis_pool(url: str, **kwargs: Any) -> SemaphorePool:
    """The bounded pool on the Redis of `url`: redis-py reads redis://, rediss:// and
    unix:// URLs; a `redis+sentinel://` one (tipline/settings.py) asks its Sentinels, and
    `rediss+sentinel://` speaks TLS to them and to the data nodes."""
    sentinel = redis_sentinel(url)
    if sentinel is None:
        return SemaphorePool.from_url(url, **kwargs)
    return sentinel_pool(
        sentinel.sentinels,
        sentinel.service,
        sentinel_password=sentinel.sentinel_password,
        tls=sentinel.tls_kwargs(),
        db=sentinel.db,
        username=sentinel.username,
        password=sentinel.password,
        **kwargs,
    )


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


async def seed(store: RedisDirectory, settings: Settings) -> tuple[str | None, str | None]:
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


class FanoutManager(fanout.PooledRedisManager, DirectSend):
    """The Redis fan-out, delivering its own process's share of an emit as the in-process
    manager does, without a task per recipient (realtime/manager.py)."""


def fanout_manager(settings: Settings, redis_url: str) -> fanout.PooledRedisManager | None:
    """Redis pub/sub lets several processes share their connections (docs/deployment.md);
    None keeps the in-process manager (realtime/manager.py)."""
    if settings.fanout != "redis":
        return None
    return FanoutManager(
        redis_url,
        channel=fanout.channel_for(settings.key_prefix),
        pool=functools.partial(
            redis_pool,
            redis_url,
            max_connections=fanout.MAX_CONNECTIONS,
            timeout=fanout.POOL_TIMEOUT_S,
            socket_connect_timeout=1.0,
        ),
    )


# --- Slack bot (bot/, docs/slack.md) ----------------------------------------------------
def slack_bot(settings: Settings, parts: web.Application) -> SlackBot | None:
    """The Slack bot on `settings.slack`, taken as it is; None leaves Slack off (the CLI says
    why: `settings.slack_off`)."""
    if settings.slack is None:
        return None
    client = parts[CLIENT]
    return SlackBot(
        config=settings.slack,
        outbox=RedisSlackOutbox(client, prefix=settings.key_prefix, ring=parts[RING]),
        incidents=parts[INCIDENTS],
        directory=parts[DIRECTORY],
        replays=RedisRateLimiter(client, prefix=settings.key_prefix),
        demo=settings.demo,
        public_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        copies=parts[DATABASE].record,  # noted replies and scrubs, for retention
    )


# --- end Slack bot -------------------------------------------------------------------------


# --- The parts ---------------------------------------------------------------------------
# `running` starts the parts in this order and stops them in the reverse one: aiohttp's
# cleanup_ctx on an application that holds them (`parts`; the served application is built by
# `web_server`). Each part is an async generator: its start, `yield`, its stop. What a part
# makes for the later ones goes into the typed state below; a part that fails to start stops
# what it had started itself, and the parts before it are stopped in reverse order.
SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
CLASSIFIER: web.AppKey[tuple[Callable[[], Classifier], Callable[[], Classifier]] | None] = (
    web.AppKey("classifier")
)
SOCKET = web.AppKey("socket", socket.socket)
DATABASE = web.AppKey("database", Database)
EMBEDDED: web.AppKey[EmbeddedRedis | None] = web.AppKey("embedded_redis")
REDIS_URL = web.AppKey("redis_url", str)
CLIENT = web.AppKey("redis_client", aioredis.Redis)
SEAL_KEY = web.AppKey("seal_key", bytes)
RING = web.AppKey("data_key_ring", KeyRing)  # seals what people wrote (adapters/sealing.py)
DIRECTORY = web.AppKey("directory", RedisDirectory)
INCIDENTS = web.AppKey("incidents", RedisIncidents)
MESSAGES = web.AppKey("messages", RedisMessages)
DEMO_TOKENS: web.AppKey[tuple[str | None, str | None]] = web.AppKey("demo_tokens")
NET = web.AppKey("safety_net", admission.SafetyNet)
TRIAGE = web.AppKey("triage", TriageService)
DEADLINES = web.AppKey("deadlines", deadlines.DeadlineStore)
EFFECTS = web.AppKey("effects_outbox", RedisEffectsOutbox)
SERVICE = web.AppKey("service", IncidentService)
URL = web.AppKey("url", str)
ARCHIVE_LAG: web.AppKey[ArchiveLag] = web.AppKey("archive_lag")
ARCHIVE_PROBE_S = 2.0
REPLICATION = web.AppKey("redis_replication", ReplicationProbe)
EFFECTS_LAG = web.AppKey("effects_lag", EffectsProbe)
EVICT_EVERY_S = 60.0  # rounds of the live window's eviction (faster with a faster sweep)


async def claim(parts: web.Application) -> AsyncIterator[None]:
    """The port and the data folder, taken before anything touches a store: a second server
    on either fails here, with one line that says which (adapters/data_dir.py)."""
    settings = parts[SETTINGS]
    sock = data_dir.listen(settings.host, settings.port)
    lock = data_dir.DataDirLock(settings.data_dir)
    try:
        if settings.redis_url is None or settings.database_url is None:
            lock.acquire()
        parts[SOCKET] = sock
        yield
    finally:
        sock.close()
        lock.release()


async def stores(parts: web.Application) -> AsyncIterator[None]:
    """The record's PostgreSQL, started (when embedded) and migrated while the embedded Redis
    starts, when no Redis URL is set (docs/record.md); stopped in that order too."""
    settings = parts[SETTINGS]
    starting = asyncio.create_task(open_database(settings), name="record-start")
    database: Database | None = None
    embedded: EmbeddedRedis | None = None
    try:
        if settings.redis_url is None:
            embedded_redis.private_dir(settings.data_dir)  # holds the store: 0700, files 0600
            embedded = EmbeddedRedis(settings.data_dir / "redis")
            await asyncio.to_thread(embedded.start)
        database = parts[DATABASE] = await starting
        parts[EMBEDDED] = embedded
        parts[REDIS_URL] = settings.redis_url or (embedded.url if embedded else "")
        yield
    finally:
        if database is None:
            await discard(starting)
        else:
            await close_database(database)
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


async def store(parts: web.Application) -> AsyncIterator[None]:
    """The Redis parts on one client (the schools and responders, the incidents, the chat),
    the directory seeded with the configured schools and responders."""
    settings = parts[SETTINGS]
    client = parts[CLIENT] = redis_client(
        parts[REDIS_URL],
        min_replicas=settings.redis_min_replicas,
        replica_timeout_ms=settings.redis_replica_timeout_ms,
    )
    try:
        key = settings.secret_key or credentials.demo_key(settings.data_dir)
        parts[SEAL_KEY] = key
        ring = parts[RING] = datakeys.ring(settings)  # the record's ring: Redis seals too
        parts[DIRECTORY] = RedisDirectory(client, prefix=settings.key_prefix, key=key)
        parts[INCIDENTS] = RedisIncidents(client, prefix=settings.key_prefix, key=key, ring=ring)
        parts[MESSAGES] = RedisMessages(client, prefix=settings.key_prefix, key=key, ring=ring)
        try:  # a key that sealed values in Redis and is missing or wrong stops the start
            await redis_reseal.check_keys(client, settings.key_prefix, ring)
        except DataKeyError as exc:
            raise ConfigError(str(exc)) from None
        parts[DEMO_TOKENS] = await seed(parts[DIRECTORY], settings)
        yield
    finally:
        await client.aclose()


async def triage(parts: web.Application) -> AsyncIterator[None]:
    """The triage service (its model loads in `model_loading`, once the server listens) and
    the safety net's thread of the emergency lane."""
    classifier = parts[CLASSIFIER]
    load, rules = classifier or classifier_loaders(parts[SETTINGS])
    net = parts[NET] = admission.SafetyNet(_bare_rules)
    # The safety net's first verdicts need no language (the model tells it later); an
    # injected pair brings its own rules.
    first_rules = None if classifier else _bare_rules
    triager = parts[TRIAGE] = TriageService(load=load, fallback=rules, net=first_rules)
    try:
        yield
    finally:
        await triager.stop()
        net.stop()


async def web_server(parts: web.Application) -> AsyncIterator[None]:
    """The sockets (with the fan-out), the incident service, the Slack bot and the served
    application, listening on the claimed port. On stop every connection is closed first:
    clients reconnect elsewhere at once instead of waiting for aiohttp's shutdown timeout,
    and nothing acknowledged is lost."""
    settings = parts[SETTINGS]
    manager = fanout_manager(settings, parts[REDIS_URL])
    sio = web_app.new_server(client_manager=manager, allowed_hosts=settings.allowed_hosts)
    slack = slack_bot(settings, parts)
    service = parts[SERVICE] = incident_service(parts, sio, slack)
    runner = web.AppRunner(
        application(parts, sio, service, slack),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=5.0,
        # aiohttp closes a connection whose next request's headers have not all come in
        # this long after it opened or after the last answer (its own default is an
        # hour: half-sent requests were held as long as the sender liked).
        keepalive_timeout=settings.header_timeout_s,
    )
    try:
        await runner.setup()
        await web.SockSite(runner, parts[SOCKET]).start()
        parts[URL] = f"http://{settings.host}:{runner.addresses[0][1]}"
        yield
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sio.eio.disconnect(), timeout=5)
        await sio.shutdown()
        if manager is not None:
            await manager.close()
        await runner.cleanup()


def incident_service(
    parts: web.Application, sio: socketio.AsyncServer, slack: SlackBot | None
) -> IncidentService:
    """The incident service over the store, the triage, the sockets and Slack (when on):
    its shared core, then its three parts (tipline/service.py)."""
    settings, clock, client = parts[SETTINGS], parts[CLOCK], parts[CLIENT]
    timers = parts[DEADLINES] = deadlines.DeadlineStore(client, settings.key_prefix)
    outbox = parts[EFFECTS] = RedisEffectsOutbox(client, prefix=settings.key_prefix)
    ledger = RedisProofLedger(client, prefix=settings.key_prefix)
    limiter = RedisRateLimiter(client, prefix=settings.key_prefix)
    # Reads of an incident that left Redis (the live window) fall back to the record.
    record = parts[DATABASE].record
    incidents = live_window.IncidentsWithRecord(parts[INCIDENTS], record)
    schools = {org.code: org for org in settings.organizations}
    core = Casework(
        directory=parts[DIRECTORY],
        incidents=incidents,
        messages=live_window.MessagesWithRecord(parts[MESSAGES], incidents, record),
        broadcaster=SocketBroadcaster(sio),
        deadlines=timers,
        notifier=slack.notifier if slack else None,
        clock=clock,
        outbox=outbox,
    )
    # Past the free budget of wrong receipts or tokens, a proof of work as hard as a
    # report's (the same bits and cap), bound to its kind (tipline/guessing.py).
    guesses = guessing.GuessGate(
        ledger=ledger,
        limiter=limiter,
        limits=settings.limits,
        policy=settings.proof_of_work,
        clock=clock,
    )
    intake = Intake(
        core,
        triager=parts[TRIAGE],
        gate=admission.ReportGate(
            ledger=ledger,
            limiter=limiter,
            limits=settings.limits,
            policy=settings.proof_of_work,
            clock=clock,
            is_emergency=parts[NET].is_emergency,
        ),
        guesses=guesses,
        urgent_offhours=slack is not None and slack.config.urgent_offhours,
    )
    return IncidentService(
        core=core,
        intake=intake,
        conversation=Conversation(
            core,
            triager=parts[TRIAGE],
            limits=settings.limits,
            # A reporter writing on a case the live window let go brings it back first.
            restore=LiveRestore(
                record,
                client,
                prefix=settings.key_prefix,
                deadlines_of=lambda incident: recovery.pending(
                    incident, schools.get(incident.org_code)
                ),
                ring=parts[RING],
            ).restore,
        ),
        responding=Responding(core, guesses=guesses),
    )


def application(
    parts: web.Application,
    sio: socketio.AsyncServer,
    service: IncidentService,
    slack: SlackBot | None,
) -> web.Application:
    """The served application: the pages, /healthz, the sockets and Slack's events route."""
    triager, database = parts[TRIAGE], parts[DATABASE]
    health = web_app.Health(
        store_ping=parts[INCIDENTS].ping,
        triager=triager,
        # `degraded`: the model could not load and the rules alone triage (at least urgent).
        extra=lambda: {
            "engine": triager.engine_name,
            "degraded": triager.degraded,
            # Additive: PostgreSQL down never fails /healthz yet (docs/record.md).
            "database": database.state,
            # How far the record is behind (adapters/archive.py); never fails /healthz.
            "archive": parts[ARCHIVE_LAG].wire() if ARCHIVE_LAG in parts else None,
            # Which Redis is the primary, and whether its replicas keep up; never fails it.
            "redis_replication": parts[REPLICATION].wire() if REPLICATION in parts else None,
            # Effects records left for the sweeper (adapters/effects_outbox.py); never fails it.
            "effects": parts[EFFECTS_LAG].wire() if EFFECTS_LAG in parts else None,
        },
    )
    return web_app.build(
        sio=sio,
        service=service,
        health=health,
        extra_routes=slack.routes(service) if slack else None,
    )


async def model_loading(parts: web.Application) -> AsyncIterator[None]:
    """The model loads off the loop once the server listens (the rules triage meanwhile)."""
    loader = asyncio.create_task(_load_then_freeze(parts[TRIAGE]), name="triage-start")
    try:
        yield
    finally:
        loader.cancel()
        await asyncio.gather(loader, return_exceptions=True)


async def retriage(parts: web.Application) -> AsyncIterator[None]:
    """The service re-triages reports as the model or the reporter tells more; on stop the
    re-triages in flight end and their reports keep the verdict they have."""
    try:
        yield
    finally:
        await parts[SERVICE].close()


async def deadline_sweeper(parts: web.Application) -> AsyncIterator[None]:
    """This process's share of the durable deadlines (re-pages, contact timers)."""
    settings, service = parts[SETTINGS], parts[SERVICE]
    stop = asyncio.Event()
    sweeper = asyncio.create_task(
        deadlines.run_sweeper(
            parts[DEADLINES], parts[CLOCK], service.deadline_fired, settings.sweep_interval_s, stop
        ),
        name="deadline-sweeper",
    )
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(sweeper, return_exceptions=True)


async def effects_sweeper(parts: web.Application) -> AsyncIterator[None]:
    """This process's share of the effects left behind by a crash or a Redis error
    (adapters/effects_outbox.py): run again past their grace, once across processes."""
    settings, service = parts[SETTINGS], parts[SERVICE]
    stop = asyncio.Event()
    sweeper = asyncio.create_task(
        effects.run_sweeper(
            parts[EFFECTS],
            parts[INCIDENTS],
            service.effects,
            now_ms=effects_outbox.wall_ms,
            interval_s=settings.sweep_interval_s,
            stop_event=stop,
        ),
        name="effects-sweeper",
    )
    lag = parts[EFFECTS_LAG] = EffectsProbe(parts[EFFECTS], settings.sweep_interval_s)
    probe = asyncio.create_task(lag.probe(stop), name="effects-lag")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(sweeper, probe, return_exceptions=True)


async def archiver(parts: web.Application) -> AsyncIterator[None]:
    """This process's share of the archive (adapters/archive.py): what the live path
    acknowledged goes into the record, by a worker here or (`archive_worker` "process") in a
    `tipline archive` process of its own (tipline/archive_process.py). The schools and
    responders go first (the record's incidents need their school); the lag is probed here
    for /healthz either way."""
    settings, record, directory = parts[SETTINGS], parts[DATABASE].record, parts[DIRECTORY]
    stream = archive.ArchiveStream(parts[CLIENT], prefix=settings.key_prefix)
    orgs = {o.code: o for o in (*await directory.organizations(), *settings.organizations)}
    for org in orgs.values():
        await record.upsert_organization(org)
    people = [seed.responder for seed in settings.responders]
    if settings.demo:
        people += [demo.agent(), demo.admin()]
    for responder in people:
        await record.upsert_responder(responder)
    lag = parts[ARCHIVE_LAG] = ArchiveLag()
    stop = asyncio.Event()
    if settings.archive_worker == "process":
        process = lag.process = archive_process.ArchiveProcess(
            archive_process.settings_blob(
                settings, redis_url=parts[REDIS_URL], database_url=parts[DATABASE].url
            )
        )
        work = process.run(stop)
        # SIGTERM, its batch done within a read's block (1 s), or SIGKILL after the timeout
        grace_s = archive_process.STOP_TIMEOUT_S + 1.0
    else:
        work = archive_worker(parts, stream).run(stop)
        grace_s = 3.0  # the stop is seen within a read's block (1 s)
    tasks = [
        asyncio.create_task(work, name="archive"),
        asyncio.create_task(lag.probe(stream, stop), name="archive-lag"),
    ]
    try:
        yield
    finally:
        stop.set()  # cancelled only past the grace
        _, late = await asyncio.wait(tasks, timeout=grace_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def archive_worker(parts: web.Application, stream: archive.ArchiveStream) -> archive.ArchiveWorker:
    return archive.ArchiveWorker(
        stream,
        incidents=parts[INCIDENTS],
        messages=parts[MESSAGES],
        record=parts[DATABASE].record,
        probe=parts[DATABASE].record.ping,  # notices the record is back within about a second
    )


# -- `tipline archive`: the archive worker alone ------------------------------------------
async def archive_stores(parts: web.Application) -> AsyncIterator[None]:
    """The stores of `serve`, by their URLs: nothing started, nothing seeded (`serve` did)."""
    settings = parts[SETTINGS]
    if settings.redis_url is None or settings.database_url is None:
        raise ConfigError(
            "tipline archive needs TIPLINE_REDIS_URL and TIPLINE_DATABASE_URL (the stores of "
            "the `tipline serve` it works for, which sets both for the worker it starts)"
        )
    database = parts[DATABASE] = await open_database(settings)
    client = parts[CLIENT] = redis_client(
        settings.redis_url,
        min_replicas=settings.redis_min_replicas,
        replica_timeout_ms=settings.redis_replica_timeout_ms,
    )
    try:
        key = settings.secret_key or credentials.demo_key(settings.data_dir)
        ring = parts[RING] = datakeys.ring(settings)
        parts[INCIDENTS] = RedisIncidents(client, prefix=settings.key_prefix, key=key, ring=ring)
        parts[MESSAGES] = RedisMessages(client, prefix=settings.key_prefix, key=key, ring=ring)
        try:  # as serve: a key that sealed values in Redis and is missing stops the start
            await redis_reseal.check_keys(client, settings.key_prefix, ring)
        except DataKeyError as exc:
            raise ConfigError(str(exc)) from None
        yield
    finally:
        await client.aclose()
        await close_database(database)


async def archive_only(parts: web.Application) -> AsyncIterator[None]:
    """The worker, until the process stops (its stop is seen within a read's block, 1 s)."""
    stream = archive.ArchiveStream(parts[CLIENT], prefix=parts[SETTINGS].key_prefix)
    worker = archive_worker(parts, stream)
    async with _rounds(lambda stop, _: worker.run(stop), 0.0, name="archive"):
        yield


@contextlib.asynccontextmanager
async def archiving(settings: Settings) -> AsyncIterator[None]:
    """`tipline archive`'s parts, started in order and stopped in reverse."""
    parts = web.Application()
    parts[SETTINGS] = settings
    parts.cleanup_ctx.extend((archive_stores, archive_only))
    parts.on_startup.freeze()
    try:
        await parts.startup()
        yield
    finally:
        await parts.cleanup()


@dataclasses.dataclass(slots=True)
class ArchiveLag:
    """The archive's last measured lag, for /healthz (a probe every ARCHIVE_PROBE_S)."""

    backlog: int = 0
    oldest_s: float = 0.0
    dead: int = 0
    known: bool = False
    process: archive_process.ArchiveProcess | None = None  # the worker's, in "process"

    async def probe(self, stream: archive.ArchiveStream, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                measured = await stream.lag()
            except Unavailable:
                self.known = False
            else:
                self.backlog, self.oldest_s = measured.backlog, measured.oldest_s
                self.dead, self.known = measured.dead, True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ARCHIVE_PROBE_S)

    def wire(self) -> dict[str, object]:
        """`/healthz`'s `archive`: "lagging" once the oldest entry waits past the 5 s aim."""
        state = "unknown" if not self.known else "lagging" if self.oldest_s > 5 else "ok"
        body: dict[str, object] = {
            "state": state,
            "backlog": self.backlog,
            "oldest_s": round(self.oldest_s, 1),
            "refused": self.dead,  # entries the record refused (archive:dead), for a person
            "worker": "inline" if self.process is None else "process",
        }
        if self.process is not None:
            # A worker that keeps ending shows here before its backlog does.
            body["worker_up"] = self.process.pid is not None
            body["worker_restarts"] = max(0, self.process.starts - 1)
        return body


@contextlib.asynccontextmanager
async def _rounds(
    run: Callable[[asyncio.Event, float], Coroutine[Any, Any, None]], every_s: float, *, name: str
) -> AsyncIterator[None]:
    """`run(stop, every_s)` in the background while the part is up: the stop is seen
    between rounds, and a round still stuck (on the record, say) 3 s later is cancelled."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop, every_s), name=name)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait([task], timeout=3.0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def evictor(parts: web.Application) -> AsyncIterator[None]:
    """Resolved incidents leave Redis `live_window_hours` after their resolution, once the
    record holds all of them (adapters/live_window.py); one process at a time (a lease)."""
    settings = parts[SETTINGS]
    job = live_window.Evictor(
        parts[CLIENT],
        prefix=settings.key_prefix,
        incidents=parts[INCIDENTS],
        record=parts[DATABASE].record,
        clock=parts[CLOCK],
        window=dt.timedelta(hours=settings.live_window_hours),
    )
    every_s = min(EVICT_EVERY_S, settings.sweep_interval_s * 60)
    async with _rounds(job.run, every_s, name="live-window"):
        yield


async def purger(parts: web.Application) -> AsyncIterator[None]:
    """What people wrote leaves the record `retention_days` after an incident's resolution
    (adapters/retention.py): a round an hour, one process at a time; none when every period
    is 0 (kept for ever)."""
    settings = parts[SETTINGS]
    periods = retention.periods_of(settings)
    if not periods.purges:
        yield
        return
    job = retention.Purger(
        parts[DATABASE].pool,
        parts[CLIENT],
        prefix=settings.key_prefix,
        periods=periods,
        clock=parts[CLOCK],
        # Purged incidents' Slack copies are scrubbed through the Slack outbox (queued even
        # with the bot off here: a process that has it on sends them).
        scrubs=SlackNotifier(RedisSlackOutbox(parts[CLIENT], prefix=settings.key_prefix)),
    )
    every_s = min(retention.EVERY_S, settings.sweep_interval_s * 3600)
    async with _rounds(job.run, every_s, name="retention"):
        yield


async def replication_probe(parts: web.Application) -> AsyncIterator[None]:
    """Which Redis the store writes to and how its replicas keep up, for /healthz."""
    settings = parts[SETTINGS]
    probe = parts[REPLICATION] = ReplicationProbe(
        parts[CLIENT],
        min_replicas=settings.redis_min_replicas,
        via="sentinel" if redis_sentinel(parts[REDIS_URL]) else "direct",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(probe.probe(stop), name="redis-replication")
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)


# The parts `running` starts, in order (a part: an aiohttp cleanup context).
PARTS: tuple[Callable[[web.Application], AsyncIterator[None]], ...] = (
    claim,
    stores,
    store,
    replication_probe,
    triage,
    web_server,
    model_loading,
    retriage,
    deadline_sweeper,
    effects_sweeper,
    archiver,
    evictor,
    purger,
)


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    clock: Clock | None = None,
    classifier: tuple[Callable[[], Classifier], Callable[[], Classifier]] | None = None,
) -> AsyncIterator[Running]:
    """Start every part (`PARTS`, in order); on exit stop them in reverse, the embedded
    stores and the port last. Tests pass a clock they drive, and may pass the classifier's
    (model loader, rules) pair, e.g. a slow engine; the service uses the system clock and
    `classifier_loaders`."""
    parts = web.Application()
    parts[SETTINGS] = settings
    parts[CLOCK] = clock or SystemClock()
    parts[CLASSIFIER] = classifier
    parts.cleanup_ctx.extend(PARTS)
    parts.on_startup.freeze()  # as AppRunner.setup does: the signal that starts cleanup_ctx
    try:
        await parts.startup()
        yield started(parts)
    finally:
        await parts.cleanup()  # the parts that started, in reverse order


def started(parts: web.Application) -> Running:
    """What the CLI and the tests see of the started parts."""
    agent_token, admin_token = parts[DEMO_TOKENS]
    return Running(
        settings=parts[SETTINGS],
        url=parts[URL],
        store=RedisStore(
            parts[CLIENT],
            prefix=parts[SETTINGS].key_prefix,
            key=parts[SEAL_KEY],
            ring=parts[RING],
        ),
        service=parts[SERVICE],
        triage=parts[TRIAGE],
        deadlines=parts[DEADLINES],
        redis_url=parts[REDIS_URL],
        embedded=parts[EMBEDDED],
        demo_agent_token=agent_token,
        demo_admin_token=admin_token,
        database=parts[DATABASE],
    )
