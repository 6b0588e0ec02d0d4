"""A store out of reach is `tipline.errors.Unavailable` from every adapter, whatever failed."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

import adapters
from adapters import reach
from adapters.deadlines import DeadlineStore
from adapters.pow_ledger import RedisProofLedger
from adapters.ratelimit import RedisRateLimiter
from adapters.redis_store import RedisStore, StoreError
from adapters.slack_outbox import RedisSlackOutbox
from tipline import errors, models

# Classes of adapters/ that take a client but implement no port: they keep redis-py's
# exceptions (their tests check them), and the adapters that use them translate.
HELPERS = {"ScriptBatcher", "PublishBatcher", "_Batcher", "SemaphorePool", "PooledRedisManager"}
STORE_TYPES = ("aioredis.Redis", "asyncpg.Pool", "asyncpg.Connection")


def store_classes() -> list[type]:
    """Every class of adapters/ built on a Redis client or a PostgreSQL pool."""
    found = []
    root = Path(adapters.__file__).parent
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name not in HELPERS:
                inits = [f for f in node.body if isinstance(f, ast.FunctionDef)]
                args = " ".join(ast.unparse(f.args) for f in inits if f.name == "__init__")
                if any(t in args for t in STORE_TYPES):
                    found.append(getattr(importlib.import_module(module), node.name))
    return found


def test_every_store_adapter_translates() -> None:
    """Each adapter built on Redis or PostgreSQL raises `unavailable` from every public call."""
    classes = store_classes()
    assert {c.__name__ for c in classes} >= {"RedisStore", "DeadlineStore", "PostgresRecord"}
    assert [c.__name__ for c in classes if not reach.translates(c)] == []


@pytest.fixture
async def unreachable() -> AsyncIterator[aioredis.Redis]:
    """A client of a port where no Redis listens (redis-py would raise ConnectionError)."""
    client = aioredis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    yield client
    await client.aclose()


T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
CALLS: dict[str, Callable[[aioredis.Redis], Awaitable[Any]]] = {
    "store.organization": lambda c: RedisStore(c, prefix="t").organization("DEMO"),
    "store.append": lambda c: RedisStore(c, prefix="t").append(
        "TL-X", sender=models.Sender.REPORTER, text="x", at=T0, dedupe_key="k"
    ),
    "limiter.count": lambda c: RedisRateLimiter(c, prefix="t").count("b", window_s=1),
    "ledger.spend": lambda c: RedisProofLedger(c, prefix="t").spend("s", ttl_s=1),
    "deadlines.pending": lambda c: DeadlineStore(c, "t").pending(),
    "outbox.pending": lambda c: RedisSlackOutbox(c, prefix="t").pending(),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=list(CALLS))
async def test_unreachable_redis_is_unavailable(
    unreachable: aioredis.Redis, call: Callable[[aioredis.Redis], Awaitable[Any]]
) -> None:
    """With Redis unreachable a call fails `unavailable`, the library's error as its cause."""
    with pytest.raises(errors.Unavailable) as failed:
        await call(unreachable)
    assert failed.value.code == "unavailable"
    assert isinstance(failed.value.__cause__, redis.exceptions.ConnectionError)


async def test_other_failures_pass_unchanged(redis_client: aioredis.Redis, prefix: str) -> None:
    """Only "out of reach" is translated: the store's own refusals keep their type."""
    store = RedisStore(redis_client, prefix=prefix)
    with pytest.raises(StoreError):
        await store.append(
            "TL-NOPE", sender=models.Sender.REPORTER, text="x", at=T0, dedupe_key="k"
        )
