"""`tipline db upgrade`, `status` and `reseal`: the record's migrations (docs/record.md) and
its data key rotation (docs/operations.md).

Both work on `TIPLINE_DATABASE_URL` (or `[server] database_url`), or, with neither set, on
the embedded PostgreSQL in `<data_dir>/postgres` as `tipline serve` would start it (started
for the command and stopped after it; not while a `tipline serve` holds that folder).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from adapters import data_dir, sealing
from adapters.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError
from adapters.record import migrate, pool
from adapters.record.store import PostgresRecord
from tipline import datakeys, settings


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


def run(args: argparse.Namespace) -> int:
    try:
        config = settings.load(config_path=args.config)
    except settings.ConfigError as exc:
        print(f"tipline: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        with _database(config) as (url, where):
            print(f"database: {where}")
            if args.action == "reseal":
                return asyncio.run(_reseal(url, datakeys.ring(config)))
            return asyncio.run(_upgrade(url) if args.action == "upgrade" else _status(url))
    except (
        data_dir.StartupError,
        EmbeddedPostgresError,
        migrate.MigrationError,
        settings.ConfigError,
        sealing.DataKeyError,
    ) as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"tipline: cannot use the database: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


@contextlib.contextmanager
def _database(config: settings.Settings) -> Iterator[tuple[str, str]]:
    """(url, what to call it) of the configured database, or of the embedded one."""
    if config.database_url:
        yield config.database_url, _without_password(config.database_url)
        return
    lock = data_dir.DataDirLock(config.data_dir)
    try:
        lock.acquire()
    except data_dir.DataDirBusyError:
        raise data_dir.StartupError(
            f"the data folder {config.data_dir} is in use by a running tipline serve, which "
            "applied the migrations when it started; stop it first to use its embedded "
            "PostgreSQL here"
        ) from None
    embedded = EmbeddedPostgres(config.data_dir / "postgres")
    try:
        embedded.start()
        yield embedded.url, f"embedded, in {embedded.data_dir}"
    finally:
        embedded.stop()
        lock.release()


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
