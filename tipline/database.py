"""The record's PostgreSQL while `tipline serve` runs (docs/record.md).

`TIPLINE_DATABASE_URL`, or with none the embedded server in `<data_dir>/postgres`; migrated
at start (once, however many processes start together), then a pool and the Record adapter
on it. A probe keeps `/healthz`'s `database` field current; it never fails the health check
in this step, because nothing on the live path depends on PostgreSQL yet (Redis carries it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import asyncpg

from adapters.embedded_postgres import EmbeddedPostgres
from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.sealing import DataKeyError
from tipline import datakeys
from tipline.errors import Unavailable
from tipline.settings import ConfigError, Settings

log = logging.getLogger("tipline.database")
PROBE_EVERY_S = 5.0
PROBE_TIMEOUT_S = 2.0


@dataclasses.dataclass(slots=True)
class Database:
    """The record's pool, its adapter, and the embedded server when there is one."""

    url: str
    pool: asyncpg.Pool
    record: PostgresRecord
    embedded: EmbeddedPostgres | None
    # The last probe's answer, for /healthz.
    up: bool = True
    probe: asyncio.Task[None] | None = None

    @property
    def state(self) -> str:
        return "up" if self.up else "down"


async def open_database(settings: Settings) -> Database:
    """Start the embedded server when no URL is set, migrate, open the pool. The caller
    holds the data folder's lock when the server is embedded."""
    embedded: EmbeddedPostgres | None = None
    url = settings.database_url
    if url is None:
        embedded = EmbeddedPostgres(settings.data_dir / "postgres")
        await asyncio.to_thread(embedded.start)
        url = embedded.url
        if settings.redis_url is not None:
            # Several processes sharing one Redis would each keep a record of their own.
            log.warning(
                "record.embedded_beside_shared_redis", extra={"fix": "set TIPLINE_DATABASE_URL"}
            )
    try:
        connections = await pool.open_migrated(url)
    except BaseException:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise
    record = PostgresRecord(connections, datakeys.ring(settings))
    try:
        await record.check_keys()
    except BaseException as exc:
        await connections.close()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        if isinstance(exc, DataKeyError):
            raise ConfigError(str(exc)) from None
        raise
    database = Database(url=url, pool=connections, record=record, embedded=embedded)
    database.probe = asyncio.create_task(_probe(database), name="record-probe")
    return database


async def _probe(database: Database) -> None:
    while True:
        await asyncio.sleep(PROBE_EVERY_S)
        await probe_once(database)


async def probe_once(database: Database) -> bool:
    """Ask PostgreSQL once, bounded; keep and return the answer (a change is logged)."""
    try:
        up = await asyncio.wait_for(database.record.ping(), PROBE_TIMEOUT_S)
    except (Unavailable, TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        up = False
    if up != database.up:
        log.warning("record.up" if up else "record.down")
    database.up = up
    return up


async def close_database(database: Database) -> None:
    """Stop the probe, close the pool (its sessions ended after a few seconds at most),
    stop the embedded server last."""
    if database.probe is not None:
        database.probe.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await database.probe
    try:
        await asyncio.wait_for(database.pool.close(), timeout=5)
    except TimeoutError:
        database.pool.terminate()
    if database.embedded is not None:
        await asyncio.to_thread(database.embedded.stop)


async def discard(starting: asyncio.Task[Database] | None) -> None:
    """Undo a start that the rest of start-up did not live to use: wait for it (a thread
    cannot be cancelled mid-start, and a server it started must be stopped), then close."""
    if starting is None:
        return
    try:
        database = await asyncio.shield(starting)
    except Exception:  # it failed itself; what it started, it stopped
        return
    await close_database(database)
