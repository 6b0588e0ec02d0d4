"""Fixed-window rate limits in Redis, shared by every server process.

Buckets are named by what is limited (a school's reports, an incident's messages), never by
who sends: no address, user agent or session id is ever part of a key.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters import reach

# KEYS[1]: the window's counter. ARGV[1]: the window in ms. Returns the count, this hit in.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""


# KEYS[1]: the window's counter. Takes one hit back, only while the window lasts (a DECR on
# an expired counter would leave a key without expiry that no window ever resets).
_REFUND = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@reach.translated
class RedisRateLimiter:
    """Implements the RateLimiter port."""

    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._prefix = prefix
        self._hit = client.register_script(_HIT)
        self._refund = client.register_script(_REFUND)

    async def allow(self, bucket: str, *, limit: int, window_s: float) -> bool:
        return await self.count(bucket, window_s=window_s) <= limit

    async def count(self, bucket: str, *, window_s: float) -> int:
        result = await self._hit(keys=[f"{self._prefix}:rl:{bucket}"], args=[int(window_s * 1000)])
        return int(result)

    async def refund(self, bucket: str) -> None:
        await self._refund(keys=[f"{self._prefix}:rl:{bucket}"])
