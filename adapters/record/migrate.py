"""The record's schema as versioned SQL files, applied in order (docs/record.md).

`migrations/NNNN_name.sql` are plain SQL. Applied ones are listed in `schema_migrations` with
the SHA-256 of the file as it was applied. `upgrade` holds a PostgreSQL advisory lock while it
works, so several processes starting at once apply each migration exactly once (the others
wait, then find nothing to do); each migration runs in its own transaction together with its
row in `schema_migrations`, so a failing one leaves no trace. A migration that was edited
after it was applied is refused: the database would no longer match the file, so the fix is a
new migration. Everything is relative to the connection's `search_path`, which lets tests
give each test its own schema.

A runner of its own rather than a library: yoyo-migrations speaks only DB-API drivers (a
second driver beside asyncpg) and keeps no checksum of an applied migration's content;
alembic wants SQLAlchemy. This is the part of them the record needs, in one short module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from importlib import resources

import asyncpg

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
# One lock per schema: two deployments in two schemas of one database never wait on each other.
_LOCK = "SELECT pg_advisory_lock(hashtextextended('tipline.migrations.' || current_schema(), 0))"
_UNLOCK = (
    "SELECT pg_advisory_unlock(hashtextextended('tipline.migrations.' || current_schema(), 0))"
)
LOCK_TIMEOUT_S = 120.0


class MigrationError(RuntimeError):
    """The schema cannot be brought up to date; the message says why and what to do."""


@dataclasses.dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file of `migrations/`."""

    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@dataclasses.dataclass(frozen=True, slots=True)
class Applied:
    """A row of `schema_migrations`."""

    version: int
    name: str
    sha256: str
    applied_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Status:
    """Where a database stands against the migrations this code ships."""

    applied: tuple[Applied, ...]
    pending: tuple[Migration, ...]
    # Applied, but the file now reads differently: `upgrade` refuses to run.
    edited: tuple[Migration, ...]
    # Applied by a newer release: this code does not know them (it still runs).
    unknown: tuple[Applied, ...]


def shipped() -> list[Migration]:
    """The migrations in this package, oldest first."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _FILE.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share one version number")
    return found


async def status(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> Status:
    """Compare the database with `migrations` (default: the shipped ones); changes nothing."""
    migrations = shipped() if migrations is None else migrations
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    rows = await conn.fetch("SELECT * FROM schema_migrations ORDER BY version") if exists else []
    applied = tuple(Applied(r["version"], r["name"], r["sha256"], r["applied_at"]) for r in rows)
    by_version = {a.version: a for a in applied}
    known = {m.version for m in migrations}
    return Status(
        applied=applied,
        pending=tuple(m for m in migrations if m.version not in by_version),
        edited=tuple(
            m
            for m in migrations
            if m.version in by_version and by_version[m.version].sha256 != m.sha256
        ),
        unknown=tuple(a for a in applied if a.version not in known),
    )


async def upgrade(
    conn: asyncpg.Connection,
    migrations: list[Migration] | None = None,
    *,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
) -> list[Migration]:
    """Apply the pending migrations, each in its own transaction; the ones applied now.

    Raises MigrationError when an applied migration was edited (nothing is applied then), or
    when another process held the lock for `lock_timeout_s`."""
    migrations = shipped() if migrations is None else migrations
    try:
        await conn.execute(_LOCK, timeout=lock_timeout_s)
    except TimeoutError:
        raise MigrationError(
            f"another process has held the migration lock for {lock_timeout_s:.0f} s"
        ) from None
    try:
        await conn.execute(_TABLE)
        now = await status(conn, migrations)
        if now.edited:
            names = ", ".join(m.filename for m in now.edited)
            raise MigrationError(
                f"{names}: edited after it was applied to this database (its SHA-256 differs "
                "from the one recorded in schema_migrations); never edit an applied migration, "
                "add a new one"
            )
        for migration in now.pending:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.sha256,
                )
        return list(now.pending)
    finally:
        await conn.execute(_UNLOCK)
