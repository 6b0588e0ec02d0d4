"""`tipline serve` stops at the start, with a clear message, when its data keys do not open
what the live copy in Redis was sealed with (adapters/redis_reseal.check_keys)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters import sealing
from tests.conftest import start_server
from tipline.settings import ConfigError


async def test_a_server_with_another_data_key_does_not_start_on_sealed_redis(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """A second start with a ring that lacks the first one's key stops with ConfigError."""
    async with start_server(prefix, tmp_path / "one"):
        pass  # registers the test ring's key as one that sealed Redis values
    other = sealing.new_key_line("other")
    with pytest.raises(ConfigError, match="Redis holds values sealed with data key 'test'"):
        async with start_server(prefix, tmp_path / "two", data_key=other):
            pass
