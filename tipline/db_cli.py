"""`tipline db upgrade`, `status`, `reseal`, `rebuild-live` and `purge`: the record's
migrations (docs/record.md), its data key rotation (docs/operations.md), refilling a lost
Redis from it (docs/record.md, "Rebuilding the live path"), and retention (docs/operations.md).

They work on `TIPLINE_DATABASE_URL` (or `[server] database_url`), or, with neither set, on
the embedded PostgreSQL in `<data_dir>/postgres` as `tipline serve` would start it (started
for the command and stopped after it; not while a `tipline serve` holds that folder).
`rebuild-live` and `purge` find Redis the same way: `TIPLINE_REDIS_URL`, else the embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import asyncpg
import redis.asyncio as aioredis
import redis.exceptions

from adapters import data_dir, live_rebuild, redis_reseal, retention, sealing
from adapters.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError
from adapters.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from adapters.record import migrate, pool, purge
from adapters.record.store import PostgresRecord
from adapters.slack_outbox import RedisSlackOutbox
from bot.notifier import SlackNotifier
from escalation import recovery
from tipline import datakeys, errors, logs, settings
from tipline.clock import SystemClock


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="the record's schema (PostgreSQL): upgrade, status")
    actions = db.add_subparsers(dest="action", required=True)
    for name, help_ in (
        ("upgrade", "apply the pending migrations (tipline serve does this at start too)"),
        ("status", "list the applied and the pending migrations; changes nothing"),
        ("reseal", "seal every record again under the first data key (a key rotation)"),
    ):
        action = actions.add_parser(name, help=help_)
        action.add_argument("--config", type=Path, default=None, help="TOML file, as for serve")
    rebuild = actions.add_parser(
        "rebuild-live",
        help="refill a lost Redis from the record: open incidents, messages, receipts, "
        "deadlines, Slack references",
    )
    rebuild.add_argument("--config", type=Path, default=None, help="TOML file, as for serve")
    rebuild.add_argument(
        "--force",
        action="store_true",
        help="write even though Redis already holds incidents of this deployment",
    )
    rebuild.add_argument(
        "--dry-run", action="store_true", help="say what would be written; write nothing"
    )
    purging = actions.add_parser(
        "purge",
        help="purge what people wrote of incidents resolved longer ago than their school's "
        "retention period; the anonymous figures stay",
    )
    purging.add_argument("--config", type=Path, default=None, help="TOML file, as for serve")
    purging.add_argument(
        "--dry-run", action="store_true", help="say per school what would go; change nothing"
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = settings.load(config_path=args.config)
    except settings.ConfigError as exc:
        print(f"tipline: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return _act(args, config)
    except (
        data_dir.StartupError,
        EmbeddedPostgresError,
        migrate.MigrationError,
        settings.ConfigError,
        sealing.DataKeyError,
        EmbeddedRedisError,
        live_rebuild.RebuildError,
    ) as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"tipline: cannot use the database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except redis.exceptions.RedisError as exc:
        print(f"tipline: cannot use Redis: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except errors.Unavailable as exc:  # an adapter's translation of Redis or PostgreSQL away
        print(f"tipline: a store cannot be reached: {exc.__cause__!r}", file=sys.stderr)
        return 1


def _act(args: argparse.Namespace, config: settings.Settings) -> int:
    if args.action == "rebuild-live":
        return _rebuild_live(config, force=args.force, dry_run=args.dry_run)
    if args.action == "reseal":
        return _reseal_all(config)
    if args.action == "purge":
        return _purge(config, dry_run=args.dry_run)
    with _database(config) as (url, where):
        print(f"database: {where}")
        return asyncio.run(_upgrade(url) if args.action == "upgrade" else _status(url))


def _reseal_all(config: settings.Settings) -> int:
    """The record and the live copy in Redis (adapters/redis_reseal.py), both."""
    with _both(config, said_to=sys.stdout) as (url, redis_url):
        ring = datakeys.ring(config)
        code = asyncio.run(_reseal(url, ring))
        return code or asyncio.run(_reseal_live(redis_url, config.key_prefix, ring))


@contextlib.contextmanager
def _data_folder(config: settings.Settings, *, needed: bool) -> Iterator[None]:
    """Hold the data folder (as `tipline serve` does) while its embedded servers are used."""
    if not needed:
        yield
        return
    lock = data_dir.DataDirLock(config.data_dir)
    try:
        lock.acquire()
    except data_dir.DataDirBusyError:
        raise data_dir.StartupError(
            f"the data folder {config.data_dir} is in use by a running tipline serve, which "
            "applied the migrations when it started; stop it first to use its embedded "
            "servers here"
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def _database(config: settings.Settings, *, locked: bool = False) -> Iterator[tuple[str, str]]:
    """(url, what to call it) of the configured database, or of the embedded one."""
    if config.database_url:
        yield config.database_url, _without_password(config.database_url)
        return
    with _data_folder(config, needed=not locked):
        embedded = EmbeddedPostgres(config.data_dir / "postgres")
        try:
            embedded.start()
            yield embedded.url, f"embedded, in {embedded.data_dir}"
        finally:
            embedded.stop()


@contextlib.contextmanager
def _redis(config: settings.Settings) -> Iterator[tuple[str, str]]:
    """(url, what to call it) of the configured Redis, or of the embedded one (the caller
    holds the data folder)."""
    if config.redis_url:
        yield config.redis_url, _without_password(config.redis_url)
        return
    embedded = EmbeddedRedis(config.data_dir / "redis")
    try:
        embedded.start()
        yield embedded.url, f"embedded, in {config.data_dir / 'redis'}"
    finally:
        embedded.stop()


def _redis_client(redis_url: str) -> aioredis.Redis:
    """A client on the Redis `serve` would use, built as `serve` builds it: a
    `redis+sentinel://` URL asks its Sentinels for the primary (redis-py's own `from_url`
    does not read that scheme)."""
    from tipline import app  # noqa: PLC0415 - the composition root, only for a command

    return app.redis_client(redis_url)


@contextlib.contextmanager
def _both(config: settings.Settings, *, said_to: TextIO | None = None) -> Iterator[tuple[str, str]]:
    """The record's and Redis's URLs, each started in the data folder when embedded (the
    record locked against a running `tipline serve`), and where they are said on `said_to`
    (standard error unless given)."""
    said_to = said_to or sys.stderr
    embedded = config.database_url is None or config.redis_url is None
    with (
        _data_folder(config, needed=embedded),
        _database(config, locked=True) as (url, where),
        _redis(config) as (redis_url, redis_where),
    ):
        print(f"database: {where}", file=said_to)
        print(f"redis: {redis_where} (key prefix {config.key_prefix!r})", file=said_to)
        yield url, redis_url


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


async def _upgrade(url: str) -> int:
    conn = await pool.connect(url)
    try:
        applied = await migrate.upgrade(conn)
        total = len((await migrate.status(conn)).applied)
    finally:
        await conn.close()
    for migration in applied:
        print(f"applied  {migration.filename}")
    print(f"up to date: {total} migration{'s' if total != 1 else ''} applied")
    return 0


async def _status(url: str) -> int:
    conn = await pool.connect(url)
    try:
        now = await migrate.status(conn)
    finally:
        await conn.close()
    edited = {m.version for m in now.edited}
    unknown = {a.version for a in now.unknown}
    for done in now.applied:
        at = done.applied_at.astimezone().isoformat(timespec="seconds")
        name = f"{done.version:04d}_{done.name}.sql"
        note = ""
        if done.version in edited:
            note = "  EDITED since it was applied: upgrade refuses to run"
        elif done.version in unknown:
            note = "  (not in this release: applied by a newer one)"
        print(f"applied  {name}  {at}{note}")
    for migration in now.pending:
        print(f"pending  {migration.filename}")
    print(f"{len(now.applied)} applied, {len(now.pending)} pending")
    return 1 if now.edited else 0


async def _reseal(url: str, ring: sealing.KeyRing) -> int:
    """Rotate: every row sealed under another key (or plain) is sealed under the first key;
    keys no row uses any more are forgotten and may leave TIPLINE_DATA_KEY (docs/operations.md)."""
    connections = await pool.open_migrated(url)
    try:
        record = PostgresRecord(connections, ring)
        await record.check_keys()
        moved = await record.reseal()
    finally:
        await connections.close()
    for table, count in moved.items():
        print(f"resealed {count:>8} {table}")
    print(f"every record is sealed under data key {ring.current!r}")
    return 0


async def _reseal_live(redis_url: str, prefix: str, ring: sealing.KeyRing) -> int:
    """The live copy too: until it is resealed, the old key still opens what Redis holds."""
    client = _redis_client(redis_url)
    try:
        moved = await redis_reseal.reseal(client, prefix, ring)
    finally:
        await client.aclose()
    for what, count in moved.items():
        print(f"resealed {count:>8} live {what}")
    print(f"the live copy is sealed under data key {ring.current!r}")
    return 0


def _rebuild_live(config: settings.Settings, *, force: bool, dry_run: bool) -> int:
    with _both(config) as (url, redis_url):
        return asyncio.run(_rebuild(config, url, redis_url, force=force, dry_run=dry_run))


async def _rebuild(
    config: settings.Settings, url: str, redis_url: str, *, force: bool, dry_run: bool
) -> int:
    """Refill Redis from the record (adapters/live_rebuild.py): the record's open incidents,
    with the deadlines the engine's rules give their trails (escalation/recovery.py)."""
    schools = {org.code: org for org in config.organizations}
    connections = await pool.open_migrated(url)
    client = _redis_client(redis_url)
    try:
        ring = datakeys.ring(config)  # the record's keys, which serve seals Redis with too
        record = PostgresRecord(connections, ring)
        await record.check_keys()
        held = await live_rebuild.live_incidents(client, config.key_prefix)
        if held and not force and not dry_run:
            print(
                f"tipline: Redis already holds {held} incidents of this deployment (key prefix "
                f"{config.key_prefix!r}); rebuild-live refills a Redis that was lost. "
                "--force writes the record's open incidents over what is there",
                file=sys.stderr,
            )
            return 1
        rebuild = live_rebuild.LiveRebuild(
            record,
            client,
            prefix=config.key_prefix,
            deadlines_of=lambda incident: recovery.pending(
                incident, schools.get(incident.org_code)
            ),
            ring=ring,
            # Redis keeps resolved incidents for the live window (adapters/live_window.py)
            resolved_since=dt.datetime.now(dt.UTC) - dt.timedelta(hours=config.live_window_hours),
        )
        verb = "would write" if dry_run else "written"
        counts = await rebuild.run(
            dry_run=dry_run,
            progress=lambda c: print(f"{verb} so far: {c.line()}", file=sys.stderr, flush=True),
        )
    finally:
        await client.aclose()
        await connections.close()
    print(f"{verb}: {counts.line()}")
    if held and dry_run:
        print(f"note: Redis already holds {held} incidents: without --force it is refused")
    return 0


_OFF = (
    "retention is off: TIPLINE_RETENTION_DAYS ([server] retention_days) is 0 and no school "
    "sets policy.retention_days (in the config, or as the record stored it), so every record "
    "is kept; nothing to purge"
)


def _purge(config: settings.Settings, *, dry_run: bool) -> int:
    """Retention (adapters/retention.py): the counts per school on stdout, and a real run
    logs `record.purged` (counts only) on stderr, as `tipline serve`'s hourly purge does."""
    periods = retention.periods_of(config)  # with the record's own of each school, below
    with _both(config) as (url, redis_url):
        if not dry_run:
            logs.setup()
        return asyncio.run(_purge_run(config, periods, url, redis_url, dry_run=dry_run))


async def _purge_run(
    config: settings.Settings, periods: purge.Periods, url: str, redis_url: str, *, dry_run: bool
) -> int:
    connections = await pool.open_migrated(url)
    client = _redis_client(redis_url)
    try:
        job = retention.Purger(
            connections,
            client,
            prefix=config.key_prefix,
            periods=periods,
            clock=SystemClock(),
            scrubs=SlackNotifier(RedisSlackOutbox(client, prefix=config.key_prefix)),
        )
        if not (await job.current_periods()).purges:
            print(_OFF)
            return 0
        tallies = await (job.plan() if dry_run else job.purge())
        waiting = await job.scrubs_waiting() if dry_run else 0
    finally:
        await client.aclose()
        await connections.close()
    verb = "would purge" if dry_run else "purged"
    total = purge.Tally()
    for code, tally in sorted(tallies.items()):
        total.add(tally)
        if tally.incidents:
            print(f"{verb} {code}: {_counts(tally)}")
        if tally.live:
            print(
                f"kept {code}: {tally.live} due but still in Redis (not evicted yet: the "
                "archive or the evictor is behind)"
            )
    print(f"{verb} in all: {_counts(total)}")
    if waiting:
        print(
            f"would scrub in Slack: {waiting} Slack messages of incidents purged before "
            "(their scrub is queued by the next purge)"
        )
    return 0


def _counts(tally: purge.Tally) -> str:
    oldest = tally.oldest_resolved
    counts = f"{tally.incidents} incidents, {tally.messages} messages, {tally.notes} notes"
    return f"{counts}, {tally.slack} Slack messages" + (
        f"; oldest resolved {oldest.date().isoformat()}" if oldest is not None else ""
    )
