"""Socket.IO fan-out across processes: python-socketio's Redis manager on a bounded pool.

Several `tipline serve` processes share one Redis; an emit in one reaches the connections
of every other through Redis pub/sub (rooms stay local to each process, the manager forwards
the emit). With redis-py 8 the stock `AsyncRedisManager` builds `Redis.from_url(url)`, whose
async pool opens up to 100 connections and *raises* once they are all busy: under a burst
every publish past the hundredth fails, is retried on a fresh client, and throughput fell
from 1,400 to 390 msg/s with a p99 of 9 s (ARCHITECTURE.md). A bounded pool that waits
makes a burst wait for a free connection instead, and a few dozen connections are plenty
for PUBLISH, which Redis answers in microseconds. It is the store's `SemaphorePool`: redis-py's
`BlockingConnectionPool` costs a condition variable per command and can leave a waiter
asleep until its timeout under contention (adapters/redis_pool.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import redis.asyncio as aioredis
import socketio

from adapters.redis_batch import PublishBatcher
from adapters.redis_pool import SemaphorePool

log = logging.getLogger("tipline.fanout")
MAX_CONNECTIONS = 32
# How long a publish waits for a free pooled connection before it fails (and is logged and
# retried once by the manager): a stalled Redis must not hang the handlers for ever.
POOL_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0


def channel_for(prefix: str) -> str:
    """One pub/sub channel per key prefix, so deployments (and tests) sharing a Redis never
    see each other's emits."""
    return f"{prefix}:socketio"


class PooledRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """`AsyncRedisManager` whose Redis client uses a bounded `SemaphorePool`."""

    # Set by the (untyped) base class; None before the first use and after `close()`.
    redis: Any
    pubsub: Any

    def __init__(
        self,
        url: str,
        *,
        channel: str,
        max_connections: int = MAX_CONNECTIONS,
        pool_timeout_s: float = POOL_TIMEOUT_S,
        write_only: bool = False,
    ) -> None:
        super().__init__(url=url, channel=channel, write_only=write_only)
        self._max_connections = max_connections
        self._pool_timeout_s = pool_timeout_s
        # Clients replaced by a reconnect; closed with the manager.
        self._retired: list[Any] = []
        self._publisher: PublishBatcher | None = None

    def _redis_connect(self) -> None:
        """Called by the listener on start and after a Redis error: a fresh subscription.

        The pool is built once. The stock manager builds a whole new client (and pool) after
        every failed publish too; under overload, when publishes time out waiting for a
        connection, that multiplied the connections and Redis' work and turned a slowdown
        into a collapse (measured: 2 processes, 1,500 msg/s offered, 66 msg/s delivered)."""
        if self.redis is None:
            pool = SemaphorePool.from_url(
                self.redis_url,
                max_connections=self._max_connections,
                timeout=self._pool_timeout_s,
                socket_connect_timeout=1.0,
            )
            self.redis = aioredis.Redis(connection_pool=pool)
        elif self.pubsub is not None:
            self._retired.append(self.pubsub)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def _publish(self, data: Any) -> Any:
        """Publish on the one pool, auto-pipelined in call order (the publishes made while
        one is in flight go out together); redis-py replaces a broken connection by itself."""
        if self.redis is None:
            self._redis_connect()
        if self._publisher is None:  # one per client: it keeps the publishes in order
            self._publisher = PublishBatcher(self.redis)
        publisher = self._publisher
        message = self.json.dumps(data)
        for attempt in (1, 2):
            try:
                return await publisher.publish(self.channel, message)
            except Exception as exc:
                log.warning(
                    "fanout.publish_failed",
                    extra={"attempt": attempt, "error": type(exc).__name__},
                )
        return None

    async def close(self) -> None:
        """Stop listening and close every connection (the manager itself never does).

        Each step is bounded: closing a redis-py connection waits for the transport to close,
        which can hang on a peer that is going away, and shutdown must not."""
        listener: asyncio.Task[None] | None = getattr(self, "thread", None)
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(listener, return_exceptions=True), 2.0)
        for pubsub in [*self._retired, self.pubsub]:
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), CLOSE_TIMEOUT_S)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.redis.aclose(close_connection_pool=True), CLOSE_TIMEOUT_S
                )
        self._retired.clear()
        self.redis = self.pubsub = None
        self._publisher = None
        self.connected = False
