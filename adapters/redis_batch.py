"""Auto-pipelining for one Lua script: the calls made while Redis is busy go in one pipeline.

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
it already); its result is dropped. After a Redis restart the script cache is empty: a
NOSCRIPT answer loads the script and runs the affected calls again, once each, in order
(but after any call of the batch that Redis did run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

Key = str | bytes
Arg = str | int | float | bytes


Call = tuple[Sequence[Key], Sequence[Arg], "asyncio.Future[Any]"]


class _Lane:
    """The calls of one share of the keys: at most one pipeline in flight, so the calls
    of one key reach Redis in the order they were made."""

    __slots__ = ("busy", "queue", "scheduled")

    def __init__(self) -> None:
        self.queue: list[Call] = []
        self.busy = False
        self.scheduled = False


class ScriptBatcher:
    """Runs `source` for many concurrent callers, batching the calls into pipelines.

    Calls are spread over `lanes` by their first key (on the message path: the incident),
    each lane with at most one pipeline of at most `max_batch` calls in flight; so at most
    `lanes` connections are busy, and the calls on one first key keep their order.
    """

    def __init__(
        self, client: aioredis.Redis, source: str, *, max_batch: int = 256, lanes: int = 4
    ) -> None:
        self._client = client
        self._script = client.register_script(source)
        self._max_batch = max_batch
        self._lanes = [_Lane() for _ in range(lanes)]

    @property
    def sha(self) -> str:
        """The script's SHA1, as Redis names it."""
        return str(self._script.sha)

    async def __call__(self, *, keys: Sequence[Key], args: Sequence[Arg]) -> Any:
        """The script's reply for these keys and arguments (redis-py's exceptions as raised)."""
        loop = asyncio.get_running_loop()
        lane = self._lanes[hash(keys[0]) % len(self._lanes)]
        if not lane.busy and not lane.queue:  # a quiet lane: this call goes out at once
            lane.busy = True
            try:
                return await self._script(keys=keys, args=args)
            finally:
                lane.busy = False
                if lane.queue:  # what queued meanwhile goes out as one pipeline
                    self._schedule(lane, loop)
        future: asyncio.Future[Any] = loop.create_future()
        lane.queue.append((keys, args, future))
        self._schedule(lane, loop)
        return await future

    def _schedule(self, lane: _Lane, loop: asyncio.AbstractEventLoop) -> None:
        if not lane.scheduled and not lane.busy:
            lane.scheduled = True
            loop.call_soon(self._flush, lane)

    def _flush(self, lane: _Lane) -> None:
        lane.scheduled = False
        if not lane.queue or lane.busy:
            return
        batch = lane.queue[: self._max_batch]
        del lane.queue[: self._max_batch]
        lane.busy = True
        asyncio.get_running_loop().create_task(self._send(lane, batch))

    async def _send(self, lane: _Lane, batch: list[Call]) -> None:
        try:
            replies = await self._pipeline(batch)
            for (keys, args, future), reply in zip(batch, replies, strict=True):
                if isinstance(reply, NoScriptError):  # Redis lost its script cache
                    try:
                        _settle(future, await self._script(keys=keys, args=args))
                    except Exception as err:
                        _settle(future, err)
                else:
                    _settle(future, reply)
        except BaseException as err:
            for *_, future in batch:
                _settle(future, err)
            if not isinstance(err, Exception):
                raise
        finally:
            lane.busy = False
            if lane.queue:
                self._schedule(lane, asyncio.get_running_loop())

    async def _pipeline(self, batch: list[Call]) -> list[Any]:
        if len(batch) == 1:  # nothing to share: a plain call (it loads the script if need be)
            keys, args, _ = batch[0]
            return [await self._script(keys=keys, args=args)]
        async with self._client.pipeline(transaction=False) as pipe:
            for keys, args, _ in batch:
                pipe.execute_command("EVALSHA", self._script.sha, len(keys), *keys, *args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
            return replies


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    if future.done():  # the caller was cancelled
        return
    if isinstance(reply, asyncio.CancelledError):
        future.cancel()
    elif isinstance(reply, BaseException):
        future.set_exception(reply)
    else:
        future.set_result(reply)
