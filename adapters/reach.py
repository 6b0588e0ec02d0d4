"""A store out of reach, said in the application's words: `tipline.errors.Unavailable`.

redis-py and asyncpg each raise their own exceptions when their server cannot be reached
(refused, reset, timed out, still loading, no free connection in the pool, a call queued
behind a stalled Redis). The adapters translate them here, once, so that the edges catch
only tipline's own error and never import a store's library: `@translated` on an adapter
class makes each of its public coroutine methods raise `Unavailable` instead, the cause
chained. Anything else (a bug, a refused script, a bad reply) passes unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import asyncpg
import redis.exceptions

from tipline import errors

# What "the store cannot be reached" looks like from each library.
UNREACHABLE: tuple[type[BaseException], ...] = (
    # Refused, reset, still loading its data, no free connection (adapters/redis_pool.py), a
    # call that waited too long behind a stalled one (adapters/redis_batch.py).
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    # PostgreSQL: the connection failed or broke, the server is starting or stopping, or
    # has no connection left.
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    OSError,  # a refused or broken socket that a library let through
    TimeoutError,
)

C = TypeVar("C", bound=type)
_TRANSLATING: set[Callable[..., Any]] = set()


def translated(cls: C) -> C:
    """Class decorator: each public coroutine method of `cls` raises `Unavailable` where the
    store could not be reached."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            setattr(cls, name, _translating(method))
    return cls


def translates(cls: type) -> bool:
    """Whether every public coroutine method of `cls` (inherited ones too) is translated."""
    methods = [
        getattr(cls, name)
        for name in dir(cls)
        if not name.startswith("_") and inspect.iscoroutinefunction(getattr(cls, name))
    ]
    return all(method in _TRANSLATING for method in methods)


def _translating(
    method: Callable[..., Coroutine[Any, Any, Any]],
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except UNREACHABLE as exc:
            raise errors.unavailable() from exc

    _TRANSLATING.add(wrapper)
    return wrapper
