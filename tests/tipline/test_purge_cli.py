"""`tipline db purge`: a dry run says per school what would go and changes nothing; a real
run purges it, prints the counts and logs them (counts only)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis

from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.slack_outbox import RedisSlackOutbox
from tests.adapters.test_retention import OTHER, REPORT, archived, case, purged_ids, tables
from tests.conftest import REDIS_URL, RING
from tests.escalation import factories
from tests.postgres import schema

pytestmark = pytest.mark.slow


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A record with two schools and, in each, an incident resolved in March 2026."""
    async with schema() as fresh:
        connections = await pool.open_migrated(fresh)
        record = PostgresRecord(connections, RING)
        for code in ("LHS", OTHER):
            await record.upsert_organization(dataclasses.replace(factories.org(), code=code))
        await archived(record, case("lhs-case"))
        await archived(record, case("other-case", org_code=OTHER))
        await connections.close()
        yield fresh


async def tipline_db_purge(
    url: str, prefix: str, tmp_path: Path, *args: str, **env: str
) -> tuple[int, str, str]:
    """Run `tipline db purge ARGS` on `url` and the test Redis: (exit code, stdout, stderr)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tipline.cli", "db", "purge", *args,
        env=base | {
            "TIPLINE_DATABASE_URL": url, "TIPLINE_REDIS_URL": REDIS_URL,
            "TIPLINE_KEY_PREFIX": prefix, "TIPLINE_DATA_DIR": str(tmp_path / "data"),
        } | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_dry_run_then_a_purge(
    url: str, prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """With 30 days: the dry run lists both schools' counts and the oldest resolution and
    leaves every row; the purge then prints the same counts, logs `record.purged` per school
    with counts only, and the incidents are purged."""
    before = await tables(url)
    code, out, err = await tipline_db_purge(
        url, prefix, tmp_path, "--dry-run", TIPLINE_RETENTION_DAYS="30"
    )
    assert code == 0, err
    counts = "1 incidents, 4 messages, 1 notes, 0 Slack messages; oldest resolved 2026-03-03"
    assert out.splitlines() == [
        f"would purge LHS: {counts}",
        f"would purge {OTHER}: {counts}",
        "would purge in all: 2 incidents, 8 messages, 2 notes, 0 Slack messages; oldest resolved "
        "2026-03-03",
    ]
    assert await tables(url) == before

    code, out, err = await tipline_db_purge(url, prefix, tmp_path, TIPLINE_RETENTION_DAYS="30")
    assert code == 0, err
    assert out.splitlines()[-1] == (
        "purged in all: 2 incidents, 8 messages, 2 notes, 0 Slack messages; oldest resolved "
        "2026-03-03"
    )
    assert purged_ids(await tables(url)) == {"lhs-case", "other-case"}
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    purged = [e for e in logged if e["event"] == "record.purged"]
    assert [(e["school"], e["incidents"], e["messages"], e["notes"]) for e in purged] == [
        ("LHS", 1, 4, 1),
        (OTHER, 1, 4, 1),
    ]
    assert "-case" not in err
    assert REPORT not in err

    code, out, _ = await tipline_db_purge(url, prefix, tmp_path, TIPLINE_RETENTION_DAYS="30")
    assert (code, out.splitlines()[-1]) == (
        0,
        "purged in all: 0 incidents, 0 messages, 0 notes, 0 Slack messages",
    )


async def test_with_retention_off_it_says_so_and_keeps_everything(
    url: str, prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """No period set (the default, 0): exit 0, a line saying every record is kept."""
    before = await tables(url)
    code, out, _ = await tipline_db_purge(url, prefix, tmp_path)
    assert code == 0
    assert out.startswith("retention is off")
    assert await tables(url) == before


async def test_a_period_inside_the_live_window_is_refused(
    url: str, prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """A period shorter than the live window: exit 2 with the configuration error, nothing
    purged."""
    before = await tables(url)
    code, _, err = await tipline_db_purge(url, prefix, tmp_path, TIPLINE_RETENTION_DAYS="2")
    assert code == 2
    assert "2 days is shorter than the live window" in err
    assert await tables(url) == before


async def test_a_schools_stored_period_applies_without_the_config_and_slack_is_counted(
    url: str, prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """LHS stored with its own 30 days (as a server with its config writes it), no period in
    the command's settings: the dry run names LHS only, with its Slack message; the purge
    then queues that message's scrub in the Slack outbox and marks it queued."""
    connections = await pool.open_migrated(url)
    try:
        record = PostgresRecord(connections, RING)
        lhs = dataclasses.replace(factories.org(), retention_days=30)
        await record.upsert_organization(lhs)
        await record.put_slack_message("lhs-case", channel="C0AGENTS", ts="1.0001")
    finally:
        await connections.close()
    code, out, err = await tipline_db_purge(url, prefix, tmp_path, "--dry-run")
    assert code == 0, err
    counts = "1 incidents, 4 messages, 1 notes, 1 Slack messages; oldest resolved 2026-03-03"
    assert out.splitlines() == [f"would purge LHS: {counts}", f"would purge in all: {counts}"]

    code, out, err = await tipline_db_purge(url, prefix, tmp_path)
    assert code == 0, err
    assert purged_ids(await tables(url)) == {"lhs-case"}
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT scrub FROM slack_messages") == "queued"
    finally:
        await conn.close()
    assert await RedisSlackOutbox(redis_client, prefix=prefix).pending() == 1
