"""Operation tokens: a write that redis-py sends twice is applied once.

The store's client retries a command once when its answer was lost (tipline/app.py
`redis_client`: a pooled connection broken by a Redis restart would otherwise fail the
first command), and Redis may have run the first send. A write that is not idempotent by
itself carries a token made once per call, before the first send, so the re-send carries
the same one. The script that writes keeps the last few tokens of the incident, each with
what it answered (a version, a seq), in one field of the incident's hash; a script that
finds its own token there answers that again and writes nothing. A real second attempt (a
conflict read again) is another call with another token. docs/reliability.md.
"""

from __future__ import annotations

import os

# How many tokens a field keeps. A re-send comes within about a second of its first send
# (one retry, at most 0.2 s of backoff, then a reconnect); keeping a few, not one, lets it
# know itself even when other writes to the incident got in between.
KEPT = 4

# Lua to paste in a script: `once_find(hash, field, token)` is what the write of `token`
# answered (a number; nil: no such write), `once_keep(hash, field, token, answer)` records
# it, newest first. The field holds `token=answer,token=answer,...` (hex tokens).
LUA = (
    """
local function once_find(hash, field, token)
  local kept = redis.call('HGET', hash, field)
  if not kept then return nil end
  local at = string.find(',' .. kept, ',' .. token .. '=', 1, true)
  if not at then return nil end
  return tonumber(string.match(kept, '^%d+', at + #token + 1))
end
local function once_keep(hash, field, token, answer)
  local kept = {token .. '=' .. answer}
  for entry in string.gmatch(redis.call('HGET', hash, field) or '', '[^,]+') do
    if #kept >= """
    + str(KEPT)
    + """ then break end
    kept[#kept + 1] = entry
  end
  redis.call('HSET', hash, field, table.concat(kept, ','))
end
"""
)


def token() -> str:
    """A new write's token: one per call, made before its first send (32 hex digits from
    the system's random source; `uuid.uuid4().hex` cost 4x as much on the message path)."""
    return os.urandom(16).hex()


def short_token() -> str:
    """A token of 8 hex digits, where it is stored with every message (its dedupe record):
    two calls with one dedupe key share one only once in 4 billion, and that costs no more
    than a client's resend being pushed again."""
    return os.urandom(4).hex()
