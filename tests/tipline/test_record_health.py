"""The running service's record: its migrated pool on `Running`, and `/healthz`'s field."""

from __future__ import annotations

import asyncpg

from adapters.record import migrate
from tests.conftest import Server, healthz
from tipline import database


async def test_the_running_service_exposes_a_migrated_record(tipline_server: Server) -> None:
    """`Running.database` is a pool on a database with every migration applied."""
    record = tipline_server.running.database
    assert record is not None
    conn = await asyncpg.connect(record.url)
    try:
        now = await migrate.status(conn)
    finally:
        await conn.close()
    assert now.pending == now.edited == ()
    assert [a.version for a in now.applied] == [m.version for m in migrate.shipped()]
    assert (await healthz(tipline_server))[1]["database"] == "up"


async def test_healthz_says_database_down_and_still_answers_200(tipline_server: Server) -> None:
    """PostgreSQL gone: `database` reads down, /healthz stays 200 (the live path is Redis)."""
    record = tipline_server.running.database
    assert record is not None
    await record.pool.close()
    assert await database.probe_once(record) is False
    status, body = await healthz(tipline_server)
    assert (status, body["ok"], body["database"]) == (200, True, "down")
