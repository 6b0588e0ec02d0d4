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

Routing header. python-socketio's manager publishes every emit as one JSON document on one
channel; every process receives every emit, decodes it, and encodes a packet for the room
even when none of the room's members is connected to it (its own emits included, which it
has already delivered). Our emits go out as `ROUTED` + host + namespaces + room + the same
JSON, so a process drops its own and those for rooms it has no member of without decoding
them, and no process encodes a packet for nobody (docs/performance.md). Every process of a
deployment must run this manager: python-socketio's own ignores routed emits (it cannot
parse them), so upgrade all processes together (docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

import redis.asyncio as aioredis
import socketio
from redis.exceptions import ConnectionError as RedisConnectionError
from socketio.packet import Packet

from adapters.redis_batch import PublishBatcher
from adapters.redis_pool import SemaphorePool

log = logging.getLogger("tipline.fanout")
MAX_CONNECTIONS = 32
# How long a publish waits for a free pooled connection before it fails (and is logged and
# retried once by the manager): a stalled Redis must not hang the handlers for ever.
POOL_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0
# How long the listener waits before it subscribes again after a Redis error.
RESUBSCRIBE_S = 0.25
# A routed emit: b"\x1etl1\x1e" host_id \x1e namespaces \x1e ("*" | "=" room) \x1e JSON, the
# namespaces separated by \x1f. JSON never starts with \x1e (a record separator), so plain and
# routed messages cannot be confused.
SEP = "\x1e"
NS_SEP = "\x1f"
ROUTED = f"{SEP}tl1{SEP}"
_ROUTED = ROUTED.encode()
_SEP = SEP.encode()


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
        pool: Callable[[], SemaphorePool] | None = None,
    ) -> None:
        """`pool` builds the pool (the composition root's, which reads a Sentinel URL);
        None: a `SemaphorePool` on `url`."""
        super().__init__(url=url, channel=channel, write_only=write_only)
        self._pool = pool
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
            pool = (
                self._pool()
                if self._pool is not None
                else SemaphorePool.from_url(
                    self.redis_url,
                    max_connections=self._max_connections,
                    timeout=self._pool_timeout_s,
                    socket_connect_timeout=1.0,
                )
            )
            self.redis = aioredis.Redis(connection_pool=pool)
        elif self.pubsub is not None:
            self._retired.append(self.pubsub)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def emit_in_namespaces(
        self,
        event: str,
        data: Any,
        *,
        namespaces: tuple[str, ...],
        room: str,
        skip_sid: str | None = None,
    ) -> None:
        """The same event to the same room in several namespaces (a conversation's two
        sides), delivered here and published once for every other process."""
        args = [data]
        if not namespaces or any(NS_SEP in n for n in namespaces) or Packet.data_is_binary(args):
            for namespace in namespaces:
                await self.emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid)
            return
        message = {
            "method": "emit", "event": event, "data": args, "binary": False,
            "namespace": namespaces[0], "room": room, "skip_sid": skip_sid,
            "callback": None, "host_id": self.host_id,
        }  # fmt: skip
        for namespace in namespaces:
            await self._handle_emit(message | {"namespace": namespace})
        await self._publish(message, namespaces=namespaces)

    async def _publish(self, data: Any, *, namespaces: tuple[str, ...] = ()) -> Any:
        """Publish on the one pool, auto-pipelined in call order (the publishes made while
        one is in flight go out together); redis-py replaces a broken connection by itself."""
        if self.redis is None:
            self._redis_connect()
        if self._publisher is None:  # one per client: it keeps the publishes in order
            self._publisher = PublishBatcher(self.redis)
        publisher = self._publisher
        message = self._routing_header(data, namespaces) + self.json.dumps(data)
        for attempt in (1, 2):
            try:
                return await publisher.publish(self.channel, message)
            except Exception as exc:
                log.warning(
                    "fanout.publish_failed",
                    extra={
                        "attempt": attempt,
                        "error": type(exc).__name__,
                        # Why (a stalled lane, a refused connection); never another
                        # exception's text, which could quote the message being sent.
                        "detail": str(exc)[:120] if isinstance(exc, RedisConnectionError) else "",
                    },
                )
        return None

    def _routing_header(self, data: Any, namespaces: tuple[str, ...] = ()) -> str:
        """The header of an emit to one room (or a whole namespace) in one or more
        namespaces; "" for anything else, which goes out as plain JSON, as python-socketio's
        manager sends it."""
        if data.get("method") != "emit":
            return ""
        room = data.get("room")
        names = namespaces or (data.get("namespace"),)
        if not all(isinstance(n, str) for n in names):
            return ""
        joined = NS_SEP.join(names)
        if SEP in joined:
            return ""
        if room is None:
            where = "*"
        elif isinstance(room, str) and SEP not in room:
            where = "=" + room
        else:  # a list of rooms, or a name with the separator in it
            return ""
        return f"{ROUTED}{self.host_id}{SEP}{joined}{SEP}{where}{SEP}"

    async def _redis_listen_with_retries(self) -> AsyncGenerator[Any, None]:
        """The channel's messages, subscribed again after a Redis error: on a new primary
        after a failover (a Sentinel pool reconnects to it). The base class waits 1, 2, 4...
        60 s between tries, so a failover of a second or two went unheard for up to 7 s;
        here a try follows every RESUBSCRIBE_S at most."""
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed = True
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:
                log.warning("fanout.listen_failed", extra={"error": type(exc).__name__})
                subscribed = False
                await asyncio.sleep(RESUBSCRIBE_S)

    async def _listen(self) -> AsyncGenerator[Any, None]:
        """The messages on the channel that concern this process, as the base class's
        listener expects them (raw JSON, or an already decoded dict)."""
        channel = self.channel.encode()
        host = self.host_id.encode()
        async for message in self._redis_listen_with_retries():
            if message["channel"] != channel or message["type"] != "message":
                continue
            data = message.get("data")
            if not isinstance(data, bytes) or not data.startswith(_ROUTED):
                yield data
                continue
            for routed in self._routed(data, host):
                yield routed

    def _routed(self, data: bytes, host: bytes) -> list[dict[str, Any]]:
        """A routed emit as the base class's listener takes it, once per namespace it has
        connections in here; none for our own emits, other rooms, or a malformed message
        (logged: a bad message must not stop the listener)."""
        parts = data.split(_SEP, 5)
        if len(parts) != 6:  # empty, version, host, namespaces, room, JSON
            log.warning("fanout.bad_message", extra={"size": len(data)})
            return []
        if parts[2] == host:  # our own emit: delivered here before it was published
            return []
        try:
            where = parts[4]
            room = None if where == b"*" else where[1:].decode()
            here = [n for n in parts[3].decode().split(NS_SEP) if self._anyone_but(n, room)]
            if not here:
                return []
            decoded = self.json.loads(parts[5])
        except ValueError:  # UnicodeDecodeError and JSONDecodeError included
            log.warning("fanout.bad_message", extra={"size": len(data)})
            return []
        if not isinstance(decoded, dict):
            log.warning("fanout.bad_message", extra={"size": len(data)})
            return []
        return [decoded | {"namespace": namespace} for namespace in here]

    def _anyone_but(self, namespace: str, room: Any, skipped: Any = ()) -> bool:
        """Whether this process has a connection in the room (None: the whole namespace)
        other than the skipped ones; the room's members are read in place, not copied."""
        if room is not None and not isinstance(room, str):  # a list of rooms
            return any(sid not in skipped for sid, _ in self.get_participants(namespace, room))
        members = self.rooms.get(namespace, {}).get(room)
        return bool(members) and any(sid not in skipped for sid in members)

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        """Deliver an emit to this process's members of its room; with no one here to send
        it to (the sender's own side, usually), the packet is not encoded at all."""
        skip = message.get("skip_sid")
        skipped = skip if isinstance(skip, list) else (skip,)
        if self._anyone_but(message.get("namespace") or "/", message.get("room"), skipped):
            await super()._handle_emit(message)

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
