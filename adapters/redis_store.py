"""The three Redis stores in one object, for tests and tools that use more than one port.

The service takes each port from its own part (tipline/app.py): the incidents
(adapters/redis_incidents.py), the chat (redis_messages.py) and the schools and responders
(redis_directory.py), on one client and one key layout (redis_keys.py), written and read
by the pure functions of redis_codec.py. `RedisStore` adds nothing to them: it is all three.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters import reach
from adapters.redis_base import StoreError
from adapters.redis_directory import RedisDirectory, StoreKeyMismatchError
from adapters.redis_incidents import RedisIncidents
from adapters.redis_messages import RedisMessages
from adapters.sealing import KeyRing

__all__ = ["RedisStore", "StoreError", "StoreKeyMismatchError"]


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisStore(RedisIncidents, RedisMessages, RedisDirectory):
    """Implements the Directory, IncidentStore and MessageLog ports on one Redis."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "tl",
        key: bytes | None = None,
        ring: KeyRing | None = None,
    ) -> None:
        # each part, in turn (RedisPart)
        super().__init__(client, prefix=prefix, key=key, ring=ring)
