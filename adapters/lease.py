"""Work handed out under a lease, once across processes: the claim that deadlines and the
Slack outbox share.

Both keep a sorted set of entries that are waiting (`due`, scored by when they may go) and
one of entries held by a worker (`lease`, scored by when that worker gives up). A claim is
one Lua script, so across any number of processes each entry goes to one worker at a time:
first the entries whose lease ran out (their worker died: a late duplicate, never a lost
entry), then the due ones, each under a fresh lease. What an entry *is* (a deadline's JSON,
an incident's queue head) is the caller's: it gives the script its `take`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from adapters import redis_once

# KEYS[1] due, KEYS[2] lease; ARGV[1] now (ms), ARGV[2] limit, ARGV[3] lease (ms). The
# caller's KEYS and ARGV follow these. `out` is what the script returns.
_CLAIM = """
local due, lease = KEYS[1], KEYS[2]
local now, limit, lease_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out, n, taken = {}, 0, {}
%(take)s
%(resent)s
for _, k in ipairs(redis.call('ZRANGEBYSCORE', lease, '-inf', now, 'LIMIT', 0, limit)) do
  if take(k, true) then
    redis.call('ZADD', lease, now + lease_ms, k)
    n = n + 1
    taken[n] = k
  else
    redis.call('ZREM', lease, k)
  end
end
if n < limit then
  for _, k in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit - n)) do
    redis.call('ZREM', due, k)
    if take(k, false) then
      redis.call('ZADD', lease, now + lease_ms, k)
      n = n + 1
      taken[n] = k
    end
  end
end
%(remember)s
return out
"""

# How long a claim that took entries is remembered under its token (ms): far longer than
# redis-py takes to send it again (one retry, at most 0.2 s of backoff and a reconnect).
RESENT_MS = 10_000

# With `resend`: the last of KEYS names this claim (`claim_key`, its token). A claim sent
# twice by redis-py (its answer lost) finds there what its first send took and hands that
# out again, as leases that ran out (`take(k, true)`): else the first send's entries would
# wait a whole lease (a re-page a minute late) for an answer nobody heard.
_RESENT = """
local again = KEYS[#KEYS]
local before = redis.call('LRANGE', again, 0, -1)
if #before > 0 then
  for _, k in ipairs(before) do take(k, true) end
  return out
end
"""
_REMEMBER = (
    """
if n > 0 then
  redis.call('RPUSH', again, unpack(taken))
  redis.call('PEXPIRE', again, """
    + str(RESENT_MS)
    + """)
end
"""
)


class ClaimTokens:
    """The token of each claim of one worker: a new one, except right after a claim that
    raised, whose token the next claim sends again.

    A claim can run in Redis and still raise here: its answer lost with the connection, or
    fewer replicas than required confirming it (adapters/redis_pool.py, `WAIT`: the script
    ran on the primary, the caller hears `unavailable`). Its entries are then held under a
    lease that nobody works on; with a new token the next claim would leave them there for
    the whole lease (a re-page a minute late, for one slow replica). With the same token it
    gets them again (`claim_script(resend=True)`) for `RESENT_MS` after the first send.
    Only one claim at a time takes the kept token: two at once never share one."""

    def __init__(self) -> None:
        self._kept: str | None = None

    @contextlib.contextmanager
    def token(self) -> Iterator[str]:
        """The token for one claim, kept for the next if the block raises."""
        token, self._kept = self._kept or redis_once.token(), None
        try:
            yield token
        except BaseException:
            self._kept = token
            raise


# KEYS[1] lease, KEYS[2] held (a `hash_take` store); ARGV[1] the entry, ARGV[2] its body as
# claimed, ARGV[3] when (ms) its lease now runs out. An entry still held as claimed is
# handed out again by the first claim at or after that time; returns 1, or 0 when it was
# not held so (done, or claimed again meanwhile).
HASH_RELEASE = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1
"""


def claim_key(lease: str, token: str) -> str:
    """The key that remembers what the claim of `token` took (`claim_script(resend=True)`)."""
    return f"{lease}:claim:{token}"


def claim_script(take: str, *, resend: bool = False) -> str:
    """The Lua of a claim of up to `limit` entries: expired leases first, then due entries.

    `take` defines `local function take(k, expired)`: it hands entry `k` out (appends to
    `out`) and returns true, or returns false when `k` has nothing left to hand out (an
    expired one then leaves the lease; a due one was already taken off `due`). `expired`
    says whether `k` comes from a lease that ran out or from `due`. With `resend` the
    caller passes `claim_key(lease, a new token)` as its last key: a re-send of the claim
    gets what the first send took.
    """
    return _CLAIM % {
        "take": take.strip(),
        "resent": _RESENT.strip() if resend else "",
        "remember": _REMEMBER.strip() if resend else "",
    }


def hash_take(*, names: bool = False) -> str:
    """The `take` of entries whose bodies wait in a hash and move to another while held:
    KEYS[3] the waiting bodies, KEYS[4] the held ones (deadlines, the effects outbox). An
    expired entry is handed out again from the held hash; a due one moves there first. With
    `names`, `out` gets each entry's name before its body."""
    put_name = "\n  out[#out + 1] = k" if names else ""
    return f"""
local data, held = KEYS[3], KEYS[4]
local function take(k, expired)
  local body
  if expired then
    body = redis.call('HGET', held, k)
  else
    body = redis.call('HGET', data, k)
    redis.call('HDEL', data, k)
    if body then redis.call('HSET', held, k, body) end
  end
  if not body then return false end{put_name}
  out[#out + 1] = body
  return true
end
"""
