"""The composition root's parts: a start that fails stops what had started, in reverse."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters import data_dir
from tests.conftest import server_settings
from tests.procs import free_port
from tipline import app, errors


async def test_a_start_that_fails_at_the_store_stops_the_record_and_frees_port_and_folder(
    prefix: str, tmp_path: Path
) -> None:
    """With no Redis to seed, `running` raises, and what the parts before the store had
    started is undone: the embedded PostgreSQL is stopped, the port and the data folder are
    free again, so a restart can have them at once."""
    with socket.socket() as probe:  # a port nothing listens on, for Redis
        probe.bind(("127.0.0.1", 0))
        dead_redis = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    port = free_port()
    # No database URL: the embedded record, which takes the data folder's lock.
    config = dataclasses.replace(
        server_settings(prefix, tmp_path), redis_url=dead_redis, database_url=None, port=port
    )
    # redis-py's error, or `unavailable` where the store turns it into that.
    with pytest.raises((RedisConnectionError, errors.AppError)):
        async with app.running(config):
            pytest.fail("started without a Redis")
    assert (config.data_dir / "postgres").is_dir()  # it did start
    assert not (config.data_dir / "postgres" / "postmaster.pid").exists()  # and was stopped
    data_dir.listen(config.host, port).close()  # refused while a server holds the port
    lock = data_dir.DataDirLock(config.data_dir)
    lock.acquire()  # refused while a server holds the folder
    lock.release()
