"""Auto-pipelining: the calls made while Redis is busy with the last ones go in one pipeline.

On the message path every `message:send` runs the append script once. Sent one by one,
each call costs redis-py a connection from the pool, a packed command, a write, a read and
a reply parse: about 35 us of the server's CPU (docs/performance.md). Under load many
handlers append at the same moment, so `ScriptBatcher` queues the calls and sends what has
queued as one non-transactional pipeline of EVALSHA commands, one pipeline at a time per
lane (a share of the keys). On a quiet lane a call goes out at once, alone, from its
caller's task, so latency and cost are unchanged; the calls made while it is in flight
queue and go out together when it returns (Nagle's idea, without a timer).

Each script call stays atomic in Redis (a pipeline only shares the network round trip),
the calls on one first key reach Redis in the order they were made, and each caller gets
its own result or exception, as from `Script.__call__`. A caller cancelled while its call
is queued or in flight does not stop the call (as with a direct call, Redis may have run
it already); its result is dropped. A call that waits in the queue longer than
`max_wait_s` (Redis stalled on the batch ahead) fails with redis-py's `ConnectionError`
without being sent. After a Redis restart the script cache is empty: a
NOSCRIPT answer loads the script and runs the affected calls again, once each, in order
(but after any call of the batch that Redis did run).

A batch of script calls goes to Redis as **one** script call that runs them in turn
(`_many`, up to `CALLS_PER_SCRIPT` a call; a batch of calls with other numbers of keys or
arguments, or a longer one, as a pipeline of those): redis-py spends about 15 µs of the
caller's CPU on each reply of a pipeline (a timeout context, its parse and callback) and a
few on each command it packs, against one reply for the lot (docs/performance.md). Each call
runs in its own `pcall`, so an error in one (a `redis.call` refused, an error reply) is that
caller's alone, and the calls before and after it are run, exactly as in a pipeline.

`PublishBatcher` does the same for the Socket.IO fan-out's PUBLISH (adapters/fanout.py),
in one lane, so the messages reach the channel in the order they were published.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

# How long a call may wait in a lane's queue before it fails unsent: the store's pool waits
# as long for a free connection (tipline/app.py).
MAX_WAIT_S = 2.0
# The most calls one pipeline carries, per lane. Each pipeline costs a lane a few turns of
# the event loop, and a saturated loop's turn is long (every in-flight message takes a step
# in it: ~0.5 s with 1,000 pairs in a closed loop); at 256 a pipeline, the one publish lane
# carried too few per turn, its queue outgrew MAX_WAIT_S and publishes failed (measured:
# 6,000-8,600 of a 10 s run, docs/performance.md). A lane's queue holds at most one call per
# in-flight message, so with 4,096 a pipeline takes what has queued in one go.
MAX_BATCH = 4096
# Calls one script call of a batch runs at most: Redis runs a script alone, and 128 appends
# hold it about 1 ms (a pipeline's commands let other clients in between).
CALLS_PER_SCRIPT = 128
_WAITED = "Redis took no call of this lane for {} s; not sent"

Key = str | bytes
Arg = str | int | float | bytes


Command = tuple[Arg, ...]  # a Redis command and its arguments, as sent
_Split = tuple[list[Key], list[Arg]]  # a script call's keys and arguments
Call = tuple[Command, "asyncio.Future[Any]", float]  # and when it was queued (loop time)


class _Lane:
    """The calls of one share of the keys: at most one pipeline in flight, so the calls
    of one key reach Redis in the order they were made."""

    __slots__ = ("busy", "queue", "scheduled")

    def __init__(self) -> None:
        self.queue: list[Call] = []
        self.busy = False
        self.scheduled = False


class _Batcher:
    """The queueing: calls are spread over `lanes` by a key, each lane with at most one
    call or pipeline of at most `max_batch` calls in flight; so at most `lanes`
    connections are busy, and the calls on one key keep their order."""

    def __init__(
        self, client: aioredis.Redis, *, max_batch: int, lanes: int, max_wait_s: float
    ) -> None:
        self._client = client
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._lanes = [_Lane() for _ in range(lanes)]

    async def _call(self, key: Key, command: Command) -> Any:
        loop = asyncio.get_running_loop()
        lane = self._lanes[hash(key) % len(self._lanes)]
        if not lane.busy and not lane.queue:  # a quiet lane: this call goes out at once
            lane.busy = True
            try:
                return await self._direct(command)
            finally:
                lane.busy = False
                if lane.queue:  # what queued meanwhile goes out as one pipeline
                    self._schedule(lane, loop)
        future: asyncio.Future[Any] = loop.create_future()
        lane.queue.append((command, future, loop.time()))
        self._schedule(lane, loop)
        return await future

    async def _direct(self, command: Command) -> Any:
        """One call alone."""
        return await self._client.execute_command(*command)  # type: ignore[no-untyped-call]

    async def _redo(self, command: Command, reply: Any) -> Any:
        """The reply to hand over for a pipelined call (a subclass may run it again)."""
        return reply

    def _schedule(self, lane: _Lane, loop: asyncio.AbstractEventLoop) -> None:
        if not lane.scheduled and not lane.busy:
            lane.scheduled = True
            loop.call_soon(self._flush, lane)

    def _flush(self, lane: _Lane) -> None:
        lane.scheduled = False
        if not lane.queue or lane.busy:
            return
        # Calls queued behind a stalled Redis fail unsent once they have waited max_wait_s
        # (like a pool that has no free connection): their callers can say "unavailable"
        # and know nothing was written, instead of waiting for every batch ahead of them.
        too_old = asyncio.get_running_loop().time() - self._max_wait_s
        expired = 0
        while expired < len(lane.queue) and lane.queue[expired][2] < too_old:
            expired += 1
        for _, future, _queued in lane.queue[:expired]:
            _settle(future, RedisConnectionError(_WAITED.format(self._max_wait_s)))
        del lane.queue[:expired]
        if not lane.queue:
            return
        batch = lane.queue[: self._max_batch]
        del lane.queue[: self._max_batch]
        lane.busy = True
        asyncio.get_running_loop().create_task(self._send(lane, batch))

    async def _send(self, lane: _Lane, batch: list[Call]) -> None:
        try:
            replies = await self._pipeline(batch)
            for (command, future, _queued), reply in zip(batch, replies, strict=True):
                try:
                    _settle(future, await self._redo(command, reply))
                except Exception as err:
                    _settle(future, err)
        except BaseException as err:
            for _, future, _queued in batch:
                _settle(future, err)
            if not isinstance(err, Exception):
                raise
        finally:
            lane.busy = False
            if lane.queue:
                self._schedule(lane, asyncio.get_running_loop())

    async def _pipeline(self, batch: list[Call]) -> list[Any]:
        if len(batch) == 1:  # nothing to share: a plain call
            return [await self._direct(batch[0][0])]
        async with self._client.pipeline(transaction=False) as pipe:
            for command, _, _queued in batch:
                pipe.execute_command(*command)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
            return replies


def _many(source: str) -> str:
    """A script that runs `source` once for each call of a batch. KEYS: the calls' keys one
    call after the other; ARGV: how many keys and arguments each call has, then the calls'
    arguments. Returns each call's reply in order (false for nil, an error reply for a call
    that raised: its `pcall` keeps it from stopping the others)."""
    return f"""
local function one(KEYS, ARGV)
{source}
end
local nkeys, nargs = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {{}}
for j = 0, #KEYS / nkeys - 1 do
  local keys = {{unpack(KEYS, j * nkeys + 1, (j + 1) * nkeys)}}
  local args = {{}}
  for i = 1, nargs do args[i] = ARGV[2 + j * nargs + i] end
  local ok, reply = pcall(one, keys, args)
  if not ok then
    reply = type(reply) == 'table' and reply or redis.error_reply(tostring(reply))
  elseif reply == nil then
    reply = false
  end
  out[j + 1] = reply
end
return out
"""


class ScriptBatcher(_Batcher):
    """Runs the Lua script `source` for many concurrent callers, spread over `lanes` by
    their first key (on the message path: the incident); a batch of them as one call of
    the script `_many(source)`."""

    def __init__(
        self,
        client: aioredis.Redis,
        source: str,
        *,
        max_batch: int = MAX_BATCH,
        lanes: int = 4,
        max_wait_s: float = MAX_WAIT_S,
        calls_per_script: int = CALLS_PER_SCRIPT,
    ) -> None:
        super().__init__(client, max_batch=max_batch, lanes=lanes, max_wait_s=max_wait_s)
        self._script = client.register_script(source)
        self._many = client.register_script(_many(source))
        self._calls_per_script = calls_per_script

    @property
    def sha(self) -> str:
        """The script's SHA1, as Redis names it."""
        return str(self._script.sha)

    async def __call__(self, *, keys: Sequence[Key], args: Sequence[Arg]) -> Any:
        """The script's reply for these keys and arguments (redis-py's exceptions as raised)."""
        return await self._call(keys[0], ("EVALSHA", self.sha, len(keys), *keys, *args))

    async def _direct(self, command: Command) -> Any:
        keys, args = self._split(command)
        return await self._script(keys=keys, args=args)  # loads the script if need be

    async def _redo(self, command: Command, reply: Any) -> Any:
        if isinstance(reply, NoScriptError):  # Redis lost its script cache
            return await self._direct(command)
        return reply

    async def _pipeline(self, batch: list[Call]) -> list[Any]:
        if len(batch) == 1:  # nothing to share: a plain call
            return [await self._direct(batch[0][0])]
        groups = self._groups([self._split(command) for command, _, _queued in batch])
        if len(groups) == 1:
            return await self._run_many(groups[0])
        async with self._client.pipeline(transaction=False) as pipe:
            for group in groups:
                keys, args = self._flat(group)
                pipe.evalsha(self._many.sha, len(keys), *keys, *args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        out: list[Any] = []
        for group, reply in zip(groups, replies, strict=True):
            if isinstance(reply, NoScriptError):  # Redis lost its script cache: load, again
                out += await self._run_many(group)
            else:
                out += reply if isinstance(reply, list) else [reply] * len(group)
        return out

    def _groups(self, calls: list[_Split]) -> list[list[_Split]]:
        """The calls in runs of one shape (as many keys, as many arguments), at most
        `calls_per_script` each, in order."""
        groups: list[list[_Split]] = []
        for keys, args in calls:
            last = groups[-1] if groups else None
            if (
                last is not None
                and len(last) < self._calls_per_script
                and len(last[0][0]) == len(keys)
                and len(last[0][1]) == len(args)
            ):
                last.append((keys, args))
            else:
                groups.append([(keys, args)])
        return groups

    @staticmethod
    def _flat(group: list[_Split]) -> tuple[list[Key], list[Arg]]:
        """KEYS and ARGV of `_many` for one group of calls."""
        keys = [key for call_keys, _ in group for key in call_keys]
        args: list[Arg] = [len(group[0][0]), len(group[0][1])]
        args += [arg for _, call_args in group for arg in call_args]
        return keys, args

    async def _run_many(self, group: list[_Split]) -> list[Any]:
        """The group's replies by one call of `_many` (redis-py loads it if need be); an
        error of the script as a whole is every call's reply."""
        keys, args = self._flat(group)
        try:
            reply = await self._many(keys=keys, args=args)
        except ResponseError as err:
            return [err] * len(group)
        return cast("list[Any]", reply)

    @staticmethod
    def _split(command: Command) -> _Split:
        n = int(command[2])
        return cast("list[Key]", list(command[3 : 3 + n])), list(command[3 + n :])


class PublishBatcher(_Batcher):
    """PUBLISH for many concurrent callers, in one lane: every message reaches the channel
    in the order `publish` was called."""

    def __init__(
        self, client: aioredis.Redis, *, max_batch: int = MAX_BATCH, max_wait_s: float = MAX_WAIT_S
    ) -> None:
        super().__init__(client, max_batch=max_batch, lanes=1, max_wait_s=max_wait_s)

    async def publish(self, channel: str, message: str | bytes) -> int:
        """How many subscribers received `message` (as redis-py's `publish`)."""
        return int(await self._call(channel, ("PUBLISH", channel, message)))


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    if future.done():  # the caller was cancelled
        return
    if isinstance(reply, asyncio.CancelledError):
        future.cancel()
    elif isinstance(reply, BaseException):
        future.set_exception(reply)
    else:
        future.set_result(reply)
