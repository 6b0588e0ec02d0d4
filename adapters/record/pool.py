"""The record's connection pool: migrated first, then opened (docs/record.md)."""

from __future__ import annotations

import asyncpg

from adapters.record import migrate, store

# The archive stream and the health check share it; PostgreSQL's default allows 100.
MAX_CONNECTIONS = 8


async def connect(url: str, *, timeout_s: float = 10.0) -> asyncpg.Connection:
    """One connection, for migrations and `tipline db`."""
    return await asyncpg.connect(url, timeout=timeout_s)


async def open_migrated(url: str, *, timeout_s: float = 10.0) -> asyncpg.Pool:
    """Apply the pending migrations (once, whatever else starts now), then open a pool."""
    conn = await connect(url, timeout_s=timeout_s)
    try:
        await migrate.upgrade(conn)
    finally:
        await conn.close()
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=MAX_CONNECTIONS,
        timeout=timeout_s,
        command_timeout=timeout_s,
        init=store.init_connection,
    )
    return pool
