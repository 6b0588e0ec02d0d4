"""What the Redis stores share: their client, their key layout, and their refusal."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters import reach
from adapters.redis_keys import Keys
from adapters.sealing import KeyRing


class StoreError(Exception):
    """The store refused an operation (unknown incident, lost race, ...)."""


@reach.translated  # Redis out of reach: `unavailable` (adapters/reach.py)
class RedisPart:
    """One store on a Redis client. Each part takes the same arguments and passes them on
    (`super().__init__`), so that `adapters.redis_store.RedisStore` can hold them all."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "tl",
        key: bytes | None = None,
        ring: KeyRing | None = None,
    ) -> None:
        """`key` seals receipt and token hashes, `ring` what people wrote (redis_codec.py);
        the composition root always passes both, None (filed as given) is for tests that
        never meet a credential or a data key."""
        self._r = client
        self._keys = Keys(prefix, key)
        self._ring = ring

    async def ping(self) -> bool:
        return bool(await self._r.ping())
