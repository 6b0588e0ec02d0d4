"""The record's migration runner against the real PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters.record import migrate
from tests.conftest import wait_for
from tests.postgres import schema

FIRST = migrate.Migration(1, "first", "CREATE TABLE first (id integer PRIMARY KEY);")
SECOND = migrate.Migration(2, "second", "CREATE TABLE second (id integer PRIMARY KEY);")


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with schema() as fresh:
        yield fresh


async def tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {r["tablename"] for r in rows}


async def test_two_upgraders_at_once_apply_each_migration_once(url: str) -> None:
    """Two processes starting together: one applies everything, the other finds it done."""
    holder, first, second = [await asyncpg.connect(url) for _ in range(3)]
    try:
        # Hold the lock so that both upgraders are surely waiting on it at the same time.
        await holder.execute(migrate._LOCK)
        racing = [asyncio.create_task(migrate.upgrade(c)) for c in (first, second)]

        pids = [first.get_server_pid(), second.get_server_pid()]

        async def both_waiting() -> bool:
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_locks"
                " WHERE locktype = 'advisory' AND NOT granted AND pid = ANY($1)",
                pids,
            )
            return bool(waiting == 2)

        await wait_for(both_waiting, what="two upgraders waiting on the lock")
        await holder.execute(migrate._UNLOCK)
        applied = await asyncio.gather(*racing)
        assert sorted(len(a) for a in applied) == [0, len(migrate.shipped())]
        rows = await holder.fetch("SELECT version, sha256 FROM schema_migrations ORDER BY 1")
        assert [(r["version"], r["sha256"]) for r in rows] == [
            (m.version, m.sha256) for m in migrate.shipped()
        ]
    finally:
        for conn in (holder, first, second):
            await conn.close()


async def test_an_applied_migration_that_was_edited_is_refused(url: str) -> None:
    """Upgrade stops, naming the file, and applies nothing when an applied file changed."""
    conn = await asyncpg.connect(url)
    try:
        assert await migrate.upgrade(conn, [FIRST]) == [FIRST]
        edited = migrate.Migration(1, "first", FIRST.sql + "\n-- tweaked")
        with pytest.raises(migrate.MigrationError, match=r"0001_first\.sql: edited after"):
            await migrate.upgrade(conn, [edited, SECOND])
        assert "second" not in await tables(conn)
        now = await migrate.status(conn, [edited, SECOND])
        assert now.edited == (edited,)
        assert now.pending == (SECOND,)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_no_trace(url: str) -> None:
    """Each migration runs in its own transaction: the failing one is neither half-applied
    nor recorded, the ones before it stay."""
    broken = migrate.Migration(2, "broken", "CREATE TABLE half (id integer); SELECT 1/0;")
    conn = await asyncpg.connect(url)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await migrate.upgrade(conn, [FIRST, broken])
        assert await tables(conn) == {"first", "schema_migrations"}
        now = await migrate.status(conn, [FIRST, broken])
        assert [a.version for a in now.applied] == [1]
        assert now.pending == (broken,)
        # The lock was released: another upgrader is not kept waiting.
        held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1"
        assert await conn.fetchval(held, conn.get_server_pid()) == 0
    finally:
        await conn.close()


async def test_status_tells_applied_pending_and_unknown(url: str) -> None:
    """Status changes nothing and lists what is applied, what is pending, what is newer."""
    conn = await asyncpg.connect(url)
    try:
        fresh = await migrate.status(conn, [FIRST, SECOND])
        assert (fresh.applied, fresh.pending) == ((), (FIRST, SECOND))
        assert await tables(conn) == set()
        await migrate.upgrade(conn, [FIRST, SECOND])
        older_code = await migrate.status(conn, [FIRST])
        assert [a.name for a in older_code.applied] == ["first", "second"]
        assert [a.version for a in older_code.unknown] == [2]
        assert older_code.pending == older_code.edited == ()
    finally:
        await conn.close()


def test_shipped_migrations_are_numbered_from_one_without_gaps() -> None:
    """The files of adapters/record/migrations are 0001, 0002, ... in order."""
    versions = [m.version for m in migrate.shipped()]
    assert versions == list(range(1, len(versions) + 1))
