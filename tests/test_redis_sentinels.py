"""The failover tests' own helper (tests/redis_sentinels.py): what it says when a failover
test fails must itself work, on a group whose primary was killed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.redis_sentinels import sentinel_group, until


async def test_the_diagnosis_names_each_sentinels_tilt_and_each_nodes_role(
    tmp_path: Path,
) -> None:
    """Three Sentinels with their TILT flag and view of the primary, the promoted replica
    as the master, the other replica's link, and the killed primary as exited."""
    async with sentinel_group(tmp_path / "redis", replicas=2) as group:
        await asyncio.to_thread(group.primary.kill)
        await until(group.promoted, what="the replica promoted")
        promoted = (await group.sentinel_says())["port"]
        said = await group.diagnosis()
        assert said.count("tilt 0") == 3, said
        assert f"primary :{group.primary.port}: exited" in said, said
        assert f":{promoted}: master, link -" in said, said
        assert said.count(": slave, link ") == 1, said
