"""The server's retention part: started with the other background parts, it purges what is
due at once and then every hour, and stops with the server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import redis.asyncio as aioredis
from aiohttp import web

from adapters.record import pool
from adapters.record.store import PostgresRecord
from tests.adapters.test_retention import NOW, archived, case, purged_ids, tables
from tests.clock import FakeClock
from tests.conftest import RING, server_settings, wait_for
from tests.escalation import factories
from tests.postgres import schema
from tipline import app
from tipline.database import Database


async def test_the_purger_part_purges_what_is_due_while_the_server_runs(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """With `retention_days` 30, an incident resolved 100 days before the clock is purged
    by the part's first round; the part's stop ends its task."""
    async with schema() as url:
        connections = await pool.open_migrated(url)
        try:
            record = PostgresRecord(connections, RING)
            await record.upsert_organization(factories.org())
            await archived(record, case("old"))
            parts = web.Application()
            parts[app.SETTINGS] = dataclasses.replace(
                server_settings(prefix, tmp_path), retention_days=30
            )
            parts[app.CLOCK] = FakeClock(NOW)
            parts[app.CLIENT] = redis_client
            parts[app.DATABASE] = Database(url=url, pool=connections, record=record, embedded=None)

            async def purged() -> bool:
                return purged_ids(await tables(url)) == {"old"}

            async with contextlib.asynccontextmanager(app.purger)(parts):
                await wait_for(purged, what="the first purge")
                assert "retention" in {t.get_name() for t in asyncio.all_tasks()}
            assert "retention" not in {t.get_name() for t in asyncio.all_tasks()}
        finally:
            await connections.close()
