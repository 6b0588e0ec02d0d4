"""A bounded redis-py connection pool that waits for a free connection through a semaphore.

redis-py's `BlockingConnectionPool` takes an `asyncio.Condition` (a lock, a timeout context
and a predicate) on every command and again on every release, even when a connection is
free: about a quarter of the client's Python time per command on the message path
(docs/performance.md). Worse, under contention its waiters can starve: 200 tasks sharing 64
connections failed "No connection available" after its 2 s timeout although Redis answered
each command in microseconds. A semaphore does the same job: taking a free slot never
suspends, a full pool queues its waiters first come first served, and only a waiting
acquire pays for a timeout.

Two more jobs live here, in one place for every adapter:

- **Sentinel** (`SentinelSemaphorePool`, `sentinel_pool`): the same pool, whose connections
  ask the Sentinels for the primary's address whenever they (re)connect, redis-py's
  `SentinelConnectionPool`. A killed primary breaks every connection; the next command
  reconnects to whichever server the Sentinels name, and is refused (`MasterNotFoundError`,
  a `ConnectionError`: `unavailable`) while they name none. A demoted primary that answers
  READONLY is left the same way.
- **Commands packed by hiredis** (`_HiredisPacking`): redis-py's asyncio connection packs
  every command in Python (17.6 µs for the 19 arguments of a message's append script,
  against 2.7 µs for hiredis' `pack_command`, which redis-py's own synchronous connection
  already uses when hiredis is installed): the same bytes on the wire (docs/performance.md).
- **Acknowledged means replicated** (`min_replicas`): when a checked-out connection has sent
  a write, it is given back only after `WAIT min_replicas timeout` on it, which waits until
  that many replicas have everything the connection wrote (Redis tracks it per connection).
  Fewer in time raise `NotReplicatedError`, a `ConnectionError`, so the caller answers
  `unavailable` instead of acknowledging; the write may stay on the primary, which is why
  every acknowledged write is idempotent on retry (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import NoBackoff
from redis.connection import HiredisRespSerializer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.utils import HIREDIS_AVAILABLE

# Commands that write nothing, so need no WAIT; every other one (scripts, MULTI/EXEC's
# contents) counts as a write. WAIT itself, and what redis-py sends on connect, are here.
READS = frozenset(
    b"""GET MGET HGET HMGET HGETALL HEXISTS HLEN HKEYS HVALS HSCAN EXISTS TTL PTTL TYPE STRLEN
    LRANGE LLEN LINDEX SMEMBERS SISMEMBER SMISMEMBER SCARD SSCAN ZRANGE ZRANGEBYSCORE
    ZREVRANGE ZREVRANGEBYSCORE ZSCORE ZMSCORE ZCARD ZCOUNT ZRANK ZREVRANK ZSCAN XLEN XRANGE
    XREVRANGE XINFO XPENDING XREAD SCAN KEYS DBSIZE PING ECHO INFO TIME ROLE SELECT HELLO
    AUTH CLIENT COMMAND READONLY WATCH UNWATCH MULTI EXEC DISCARD WAIT SCRIPT EVALSHA_RO
    EVAL_RO FCALL_RO""".split()
)
# How much longer than WAIT's own timeout its answer may take to arrive.
WAIT_READ_MARGIN_S = 1.0


class NotReplicatedError(RedisConnectionError):
    """Fewer replicas than required confirmed a write in time (`unavailable`)."""


class _Tracking:
    """A connection that notes whether it has sent a write since it was checked out."""

    wrote = False

    def pack_command(self, *args: Any) -> Any:
        if not self.wrote:
            name = args[0]
            name = name.encode() if isinstance(name, str) else bytes(name)
            if name.split(b" ", 1)[0].upper() not in READS:
                self.wrote = True
        return super().pack_command(*args)  # type: ignore[misc]


_HIREDIS = HiredisRespSerializer() if HIREDIS_AVAILABLE else None


class _HiredisPacking:
    """A connection whose commands hiredis packs: `hiredis.pack_command` at once for the
    usual command (a name with no space, str, bytes, int and float arguments), redis-py's
    own `HiredisRespSerializer` for the rest (a name with a space split into words,
    bytearray and memoryview made bytes; what hiredis refuses, a bool or None as redis-py's
    own encoder does, raised as redis-py's `DataError`). redis-py's asyncio `pack_commands`
    (pipelines) packs each command through `pack_command`, so both go through here."""

    def pack_command(self, *args: Any) -> Any:
        assert _HIREDIS is not None
        name = args[0]
        if (" " not in name) if isinstance(name, str) else (b" " not in name):
            try:
                return [hiredis.pack_command(args)]
            except TypeError:
                pass  # a memoryview, or a value redis-py refuses too: said below
        return _HIREDIS.pack(*args)


_CLASSES: dict[tuple[type[Any], bool], type[Any]] = {}


def _connection_class(base: type[Any], *, tracking: bool) -> type[Any]:
    """`base` packing with hiredis (when installed) and, with `tracking`, noting its
    writes; one subclass per combination."""
    mixins = ((_Tracking,) if tracking else ()) + ((_HiredisPacking,) if _HIREDIS else ())
    if not mixins:
        return base
    if (base, tracking) not in _CLASSES:
        name = "".join(m.__name__.strip("_") for m in mixins) + base.__name__
        _CLASSES[base, tracking] = type(name, (*mixins, base), {})
    return _CLASSES[base, tracking]


class SemaphorePool(aioredis.ConnectionPool):
    """At most `max_connections` connections; past that, a command waits up to `timeout`
    seconds for one and then fails with redis-py's `ConnectionError`, as the blocking pool
    does (the realtime boundary answers `unavailable`)."""

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        min_replicas: int = 0,
        replica_timeout_ms: int = 500,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.timeout = timeout
        self._slots = asyncio.Semaphore(self.max_connections)
        self.min_replicas = min_replicas
        self.replica_timeout_ms = replica_timeout_ms
        # Only with min_replicas does a command pay for being looked at.
        self.connection_class = _connection_class(
            self.connection_class, tracking=bool(min_replicas)
        )

    async def get_connection(self, *_args: Any, **_options: Any) -> Any:
        """A connected connection. The base class's lock only guards against maintenance
        notifications (Redis Enterprise re-binding), which this service never enables, and
        its metrics hooks record nothing without OpenTelemetry: both are left out."""
        if self._slots.locked():
            try:
                async with asyncio.timeout(self.timeout):
                    await self._slots.acquire()
            except TimeoutError as err:
                raise RedisConnectionError("No connection available.") from err
        else:
            await self._slots.acquire()  # a free slot: returns without suspending
        try:
            connection = self.get_available_connection()  # type: ignore[no-untyped-call]
        except BaseException:
            self._slots.release()
            raise
        try:
            await self.ensure_connection(connection)  # connected, and nothing left unread
        except BaseException:
            await self.release(connection)
            raise
        return connection

    def address(self) -> str | None:
        """Where the pool connects: `host:port`; "unix" for a Unix socket (the embedded
        Redis, whose path is nobody's business)."""
        kwargs = self.connection_kwargs
        if "path" in kwargs:
            return "unix"
        return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    async def release(self, connection: Any) -> None:
        """Give the connection back; after a write, once `min_replicas` replicas have it."""
        try:
            if getattr(connection, "wrote", False):
                connection.wrote = False
                if connection.is_connected:
                    await self._replicated(connection)
        finally:
            try:
                await super().release(connection)
            finally:
                self._slots.release()

    async def _replicated(self, connection: Any) -> None:
        """WAIT on the connection that wrote: Redis counts the replicas that acknowledged
        this connection's last write. An interrupted WAIT leaves its answer unread, so the
        connection is dropped."""
        try:
            await connection.send_command("WAIT", self.min_replicas, self.replica_timeout_ms)
            acked = await connection.read_response(
                timeout=self.replica_timeout_ms / 1000 + WAIT_READ_MARGIN_S
            )
        except BaseException:
            await connection.disconnect(nowait=True)
            raise
        if int(acked) < self.min_replicas:
            raise NotReplicatedError(
                f"{acked} of {self.min_replicas} replicas confirmed the write "
                f"within {self.replica_timeout_ms} ms"
            )


class SentinelSemaphorePool(SemaphorePool, SentinelConnectionPool):
    """`SemaphorePool` on the primary the Sentinels name (redis-py's
    `SentinelConnectionPool`: each connection asks them on connect)."""

    def __init__(self, service_name: str, sentinel_manager: Sentinel, **kwargs: Any) -> None:
        super().__init__(service_name=service_name, sentinel_manager=sentinel_manager, **kwargs)

    async def disconnect(self, inuse_connections: bool = True) -> None:
        """Also closes the Sentinels' connections when the client closes the pool (a change
        of primary disconnects only the idle connections, and keeps them)."""
        await super().disconnect(inuse_connections)
        if inuse_connections:
            await self.sentinel_manager.aclose()

    def address(self) -> str | None:
        """The address of the primary the Sentinels last named, `host:port`."""
        address = self.master_address
        return f"{address[0]}:{address[1]}" if address else None


def sentinel_pool(
    sentinels: Iterable[tuple[str, int]],
    service: str,
    *,
    sentinel_password: str | None = None,
    sentinel_timeout_s: float = 0.5,
    tls: Mapping[str, Any] | None = None,
    **pool_kwargs: Any,
) -> SentinelSemaphorePool:
    """A pool on the primary of `service`, as the Sentinels at `sentinels` name it. A
    Sentinel that does not answer within `sentinel_timeout_s` is skipped, without retries:
    the next one is asked. `tls` (redis-py's `ssl=True` and `ssl_*` options) is spoken to
    the Sentinels and to the data nodes alike: redis-py's `SentinelConnectionPool` then makes
    its connections `SentinelManagedSSLConnection`s."""
    manager = Sentinel(  # type: ignore[no-untyped-call]
        list(sentinels),
        sentinel_kwargs={
            "socket_timeout": sentinel_timeout_s,
            "socket_connect_timeout": sentinel_timeout_s,
            "password": sentinel_password,
            "retry": Retry(NoBackoff(), 0),
            **(tls or {}),
        },
    )
    return SentinelSemaphorePool(service, manager, **pool_kwargs, **(tls or {}))
