"""`tipline db` on a `redis+sentinel://` URL reaches the primary the Sentinels name, as
`serve` does (real redis-server processes: tests/redis_sentinels.py)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from adapters.record import pool
from tests.conftest import RING_LINE
from tests.postgres import schema
from tests.redis_sentinels import sentinel_group


async def test_rebuild_live_dry_run_reads_redis_through_the_sentinels(
    prefix: str, tmp_path: Path
) -> None:
    """`tipline db rebuild-live --dry-run` with TIPLINE_REDIS_URL a Sentinel URL: exit 0,
    nothing to restore from an empty record (before, redis-py refused the scheme)."""
    async with sentinel_group(tmp_path / "redis") as group, schema() as database_url:
        await (await pool.open_migrated(database_url)).close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")} | {
            "TIPLINE_DATABASE_URL": database_url,
            "TIPLINE_REDIS_URL": group.url,
            "TIPLINE_KEY_PREFIX": prefix,
            "TIPLINE_DATA_DIR": str(tmp_path / "data"),
            "TIPLINE_DATA_KEY": RING_LINE,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tipline.cli", "db", "rebuild-live", "--dry-run",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, (out.decode(), err.decode())
        assert "Traceback" not in err.decode()
