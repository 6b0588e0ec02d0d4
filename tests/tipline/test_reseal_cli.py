"""`tipline db reseal` reseals the live copy in Redis as well as the record (a key rotation)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import redis.asyncio as aioredis

from adapters import sealing
from adapters.redis_store import RedisStore
from tests.adapters.test_redis_sealing import MESSAGE, NOTE, REPORT, filed
from tests.conftest import REDIS_URL
from tests.postgres import schema


async def test_reseal_moves_redis_to_the_new_key_so_the_old_one_can_go(
    tmp_path: Path, prefix: str, redis_client: aioredis.Redis
) -> None:
    """Values sealed under k-old in Redis read with k-new alone after `tipline db reseal`."""
    old_line, new_line = sealing.new_key_line("old"), sealing.new_key_line("new")
    await filed(RedisStore(redis_client, prefix=prefix, ring=sealing.parse(old_line)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}
    async with schema() as url:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tipline.cli", "db", "reseal",
            env=env | {
                "TIPLINE_DATABASE_URL": url, "TIPLINE_REDIS_URL": REDIS_URL,
                "TIPLINE_KEY_PREFIX": prefix, "TIPLINE_DATA_DIR": str(tmp_path / "data"),
                "TIPLINE_DATA_KEY": f"{new_line},{old_line}",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert "resealed        1 live incidents" in out.decode().splitlines()
    store = RedisStore(redis_client, prefix=prefix, ring=sealing.parse(new_line))
    stored = await store.get("inc-seal")
    assert stored is not None
    assert (stored.text, stored.escalation[0].note) == (REPORT, NOTE)
    assert [m.text for m in await store.since("inc-seal", 0)] == [MESSAGE]
