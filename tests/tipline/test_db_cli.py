"""`tipline db upgrade` and `tipline db status` on the real PostgreSQL (a schema per test)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters.record import migrate
from tests.postgres import schema

pytestmark = pytest.mark.slow


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with schema() as fresh:
        yield fresh


async def tipline_db(action: str, url: str) -> tuple[int, str, str]:
    """Run `tipline db ACTION` on `url`: (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tipline.cli", "db", action,
        env=env | {"TIPLINE_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_status_lists_pending_then_applied_migrations(url: str) -> None:
    """Status names each migration pending, upgrade applies it, status then lists it applied."""
    code, out, _ = await tipline_db("status", url)
    assert code == 0
    assert "pending  0001_initial.sql" in out.splitlines()
    assert out.splitlines()[-1] == f"0 applied, {len(migrate.shipped())} pending"

    code, out, _ = await tipline_db("upgrade", url)
    assert code == 0
    assert "applied  0001_initial.sql" in out.splitlines()

    code, out, _ = await tipline_db("status", url)
    assert code == 0
    assert any(line.startswith("applied  0001_initial.sql  20") for line in out.splitlines())
    assert out.splitlines()[-1] == f"{len(migrate.shipped())} applied, 0 pending"


async def test_two_upgrade_processes_at_once_apply_each_migration_once(url: str) -> None:
    """Two `tipline db upgrade` started together both succeed; each migration is applied once."""
    results = await asyncio.gather(tipline_db("upgrade", url), tipline_db("upgrade", url))
    assert [code for code, _, _ in results] == [0, 0]
    conn = await asyncpg.connect(url)
    try:
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in versions] == [m.version for m in migrate.shipped()]
    finally:
        await conn.close()


async def test_upgrade_refuses_an_edited_applied_migration_with_a_clear_error(url: str) -> None:
    """A migration whose recorded checksum differs stops upgrade (exit 1) and shows in status."""
    assert (await tipline_db("upgrade", url))[0] == 0
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1")
    finally:
        await conn.close()
    code, _, err = await tipline_db("upgrade", url)
    assert code == 1
    assert "0001_initial.sql: edited after it was applied" in err
    assert "add a new one" in err
    code, out, _ = await tipline_db("status", url)
    assert code == 1
    assert "EDITED since it was applied" in out


async def test_the_database_line_hides_the_password(url: str) -> None:
    """The URL's password is never printed."""
    code, out, err = await tipline_db("status", url.replace("postgres@", "postgres:s3cret@"))
    assert code == 0, err
    assert "s3cret" not in out + err
    assert "postgres:***@" in out.splitlines()[0]
