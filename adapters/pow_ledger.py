"""Proof-of-work state in Redis: the signing secret, spent challenges and each school's load.

Keys (prefix `P`): `P:pow:secret` (32 random bytes in hex, made once by whichever process starts
first, so every process signs and checks alike); `P:pow:spent:<id>` (a redeemed challenge,
until it would have expired); `P:pow:load:<code>` (reports a school took in the current
window). Nothing here names a sender.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters import reach, redis_once
from tipline import pow as proof_of_work

# KEYS[1]: the window's counter. ARGV[1]: the window in ms. Returns the count, this hit in.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
"""

# KEYS[1]: the spent challenge. ARGV[1]: this call's token (adapters/redis_once.py), ARGV[2]:
# how long to keep it (ms). 1 when this call spent it: now, or by its first send, which
# redis-py sent again when the answer was lost (a plain SET NX then said "spent already"
# and refused a good proof); 0 when another call spent it.
_SPEND = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
"""


@reach.translated
class RedisProofLedger:
    """Implements the ProofLedger port."""

    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._r = client
        self._p = prefix
        self._count = client.register_script(_COUNT)
        self._spend = client.register_script(_SPEND)
        self._secret: bytes | None = None

    async def secret(self) -> bytes:
        if self._secret is None:
            key = f"{self._p}:pow:secret"
            await self._r.set(key, proof_of_work.new_secret().hex(), nx=True)
            raw = await self._r.get(key)
            if raw is None:  # deleted between the two calls: try again next time
                raise RuntimeError("the proof-of-work secret vanished from the store")
            self._secret = bytes.fromhex(raw.decode() if isinstance(raw, bytes) else raw)
        return self._secret

    async def spend(self, spend_id: str, *, ttl_s: float) -> bool:
        """Record a redeemed challenge; False when it was already spent."""
        key = f"{self._p}:pow:spent:{spend_id}"
        args: list[str | int] = [redis_once.token(), max(1, int(ttl_s * 1000))]
        return bool(await self._spend(keys=[key], args=args))

    async def load(self, org_code: str) -> int:
        raw = await self._r.get(f"{self._p}:pow:load:{org_code}")
        return int(raw) if raw is not None else 0

    async def add_load(self, org_code: str, *, window_s: float) -> None:
        await self._count(keys=[f"{self._p}:pow:load:{org_code}"], args=[int(window_s * 1000)])
