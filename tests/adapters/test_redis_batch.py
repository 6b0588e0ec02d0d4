"""Auto-pipelined script calls: each caller gets its own reply, in order, on few connections."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.redis_batch import PublishBatcher, ScriptBatcher
from adapters.redis_pool import SemaphorePool
from tests.conftest import REDIS_URL

# KEYS[1]: a list. ARGV[1]: a value to push, or "fail" to raise a script error.
_PUSH = """
if ARGV[1] == 'fail' then return redis.error_reply('told to fail') end
return redis.call('RPUSH', KEYS[1], ARGV[1])
"""


async def test_concurrent_calls_each_get_their_reply_in_call_order(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """300 calls at once on one key all run, in the order they were made (more than one
    pipeline's worth), each returning its own reply."""
    push = ScriptBatcher(redis_client, _PUSH, max_batch=64)
    key = f"{prefix}:list"
    replies = await asyncio.gather(*(push(keys=[key], args=[str(i)]) for i in range(300)))
    assert replies == list(range(1, 301))
    assert await redis_client.lrange(key, 0, -1) == [str(i).encode() for i in range(300)]


async def test_many_calls_share_at_most_one_connection_per_lane(prefix: str) -> None:
    """300 concurrent calls on many keys go out as pipelines on no more connections than
    there are lanes."""
    pool = SemaphorePool.from_url(REDIS_URL, max_connections=64, timeout=5.0)
    client = aioredis.Redis.from_pool(pool)
    push = ScriptBatcher(client, _PUSH, max_batch=50, lanes=2)
    keys = [f"{prefix}:l{i % 30}" for i in range(300)]
    try:
        await asyncio.gather(*(push(keys=[key], args=["x"]) for key in keys))
        assert sum([await client.llen(key) for key in set(keys)]) == 300
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 2
    finally:
        await client.delete(*set(keys))
        await client.aclose()


async def test_a_script_error_reaches_only_its_caller(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """One failing call in a batch raises ResponseError for that caller; the rest are written."""
    push = ScriptBatcher(redis_client, _PUSH)
    key = f"{prefix}:list"
    values = ["a", "b", "fail", "c"]
    replies = await asyncio.gather(
        *(push(keys=[key], args=[v]) for v in values), return_exceptions=True
    )
    assert replies[:2] == [1, 2]
    assert replies[3] == 3
    assert isinstance(replies[2], redis.exceptions.ResponseError)
    assert "told to fail" in str(replies[2])
    assert await redis_client.lrange(key, 0, -1) == [b"a", b"b", b"c"]


# KEYS[1]: a list, KEYS[2]: a string. ARGV[1]: a value to push on the list and the string.
_PUSH_BOTH = """
redis.call('RPUSH', KEYS[1], ARGV[1])
return redis.call('APPEND', KEYS[2], ARGV[1])
"""


# KEYS: lists. ARGV[1]: a value pushed on each; returns the first list's length.
_PUSH_EACH = """
local first = redis.call('RPUSH', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[1]) end
return first
"""


async def _evalsha_calls(client: aioredis.Redis) -> int:
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


async def test_a_batch_goes_to_redis_as_one_script_call(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """100 concurrent calls on one lane reach Redis as a handful of script calls (one
    alone, the rest in one), not one a call, and each caller gets its own reply in order."""
    push = ScriptBatcher(redis_client, _PUSH, lanes=1)
    key = f"{prefix}:list"
    await push(keys=[key], args=["warm"])  # both scripts known to Redis from here on
    before = await _evalsha_calls(redis_client)
    replies = await asyncio.gather(*(push(keys=[key], args=[str(i)]) for i in range(100)))
    assert replies == list(range(2, 102))
    assert await _evalsha_calls(redis_client) - before <= 3


async def test_a_call_that_raises_in_redis_fails_alone_in_its_batch(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A call whose `redis.call` Redis refuses (WRONGTYPE) fails for its caller only; the
    calls before and after it in the same batch are run, as in a pipeline."""
    push = ScriptBatcher(redis_client, _PUSH_BOTH, lanes=1)
    lists = [f"{prefix}:l{i}" for i in range(6)]
    strings = [f"{prefix}:s{i}" for i in range(6)]
    await redis_client.rpush(strings[3], "not a string")
    replies = await asyncio.gather(
        *(push(keys=[lists[i], strings[i]], args=["v"]) for i in range(6)),
        return_exceptions=True,
    )
    assert isinstance(replies[3], redis.exceptions.ResponseError)
    assert "WRONGTYPE" in str(replies[3])
    assert [r for i, r in enumerate(replies) if i != 3] == [1] * 5
    assert [await redis_client.llen(k) for k in lists] == [1] * 6  # written before it raised


async def test_calls_of_other_shapes_and_long_batches_each_get_their_reply(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A batch mixing one-key and two-key calls, longer than one script call takes, runs
    every call once, in order, each with its own reply."""
    push = ScriptBatcher(redis_client, _PUSH_EACH, lanes=1, calls_per_script=7)
    first, second = f"{prefix}:a", f"{prefix}:b"
    replies = await asyncio.gather(
        *(push(keys=[first, second] if i % 3 == 0 else [first], args=[str(i)]) for i in range(40))
    )
    assert replies == [i + 1 for i in range(40)]  # the first list's length after each call
    assert await redis_client.lrange(first, 0, -1) == [str(i).encode() for i in range(40)]
    assert await redis_client.llen(second) == len(range(0, 40, 3))


@pytest.mark.parametrize("calls", [1, 20])
async def test_an_emptied_script_cache_is_reloaded(
    redis_client: aioredis.Redis, prefix: str, calls: int
) -> None:
    """After Redis forgets its scripts (a restart, SCRIPT FLUSH), a lone call and a batch
    both load the script again and run every call exactly once."""
    push = ScriptBatcher(redis_client, _PUSH)
    key = f"{prefix}:list"
    await push(keys=[key], args=["warm"])
    await redis_client.script_flush()
    assert await redis_client.script_exists(push.sha) == [False]
    replies = await asyncio.gather(*(push(keys=[key], args=[str(i)]) for i in range(calls)))
    assert replies == list(range(2, calls + 2))
    assert await redis_client.llen(key) == calls + 1


async def test_a_cancelled_caller_leaves_the_others_served(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Cancelling the call in flight and a queued one does not disturb the others: they
    get their replies and the batcher serves new calls afterwards."""
    push = ScriptBatcher(redis_client, _PUSH, lanes=1)
    key = f"{prefix}:list"
    tasks = [asyncio.create_task(push(keys=[key], args=[str(i)])) for i in range(10)]
    await asyncio.sleep(0)  # the first call is in flight, the other nine are queued
    tasks[0].cancel()
    tasks[4].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError)
    assert isinstance(done[4], asyncio.CancelledError)
    assert all(isinstance(r, int) for i, r in enumerate(done) if i not in (0, 4))
    assert await push(keys=[key], args=["after"]) == await redis_client.llen(key)


async def test_an_unreachable_redis_fails_every_caller_and_recovers_nothing_stuck() -> None:
    """With Redis unreachable every queued caller gets ConnectionError (none hangs), and the
    batcher is free for the next calls."""
    client = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    push = ScriptBatcher(client, _PUSH, lanes=1)
    try:
        for size in (5, 1):
            replies = await asyncio.wait_for(
                asyncio.gather(
                    *(push(keys=["k"], args=["v"]) for _ in range(size)), return_exceptions=True
                ),
                timeout=10,
            )
            assert all(isinstance(r, redis.exceptions.ConnectionError) for r in replies)
    finally:
        await client.aclose()


async def test_publishes_reach_a_subscriber_in_call_order(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """300 concurrent publishes (one alone, the rest queued behind it in pipelines) arrive
    at a subscriber once each, in the order publish was called, each reporting its reader."""
    channel = f"{prefix}:chan"
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    publisher = PublishBatcher(redis_client, max_batch=64)
    try:
        counts = await asyncio.gather(*(publisher.publish(channel, str(i)) for i in range(300)))
        assert counts == [1] * 300
        got: list[bytes] = []
        deadline = asyncio.get_running_loop().time() + 10
        while len(got) < 300 and asyncio.get_running_loop().time() < deadline:
            message = await pubsub.get_message(timeout=1.0)  # None: the subscribe notice
            if message is not None:
                got.append(message["data"])
        assert got == [str(i).encode() for i in range(300)]
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]


async def test_calls_queued_behind_a_stalled_redis_fail_unsent() -> None:
    """Behind a call that Redis never answers, queued calls fail with ConnectionError once
    they have waited max_wait_s, without being sent: the stalled server receives one command."""
    received = bytearray()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):  # answers the handshake, then nothing
            received.extend(chunk)
            writer.write(b"+OK\r\n" * chunk.count(b"CLIENT"))
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = aioredis.Redis(  # RESP2: the handshake is CLIENT SETINFO only, no HELLO
        host="127.0.0.1", port=port, socket_timeout=0.5, protocol=2, retry=Retry(NoBackoff(), 0)
    )
    publisher = PublishBatcher(client, max_wait_s=0.1)
    try:
        calls = [asyncio.create_task(publisher.publish("c", str(i))) for i in range(20)]
        done = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
        assert isinstance(done[0], redis.exceptions.TimeoutError)  # the one sent: no answer
        assert all(isinstance(r, redis.exceptions.ConnectionError) for r in done[1:])
        assert all("not sent" in str(r) for r in done[1:])
        assert received.count(b"PUBLISH") == 1
    finally:
        await client.aclose()
        server.close()


async def test_a_burst_on_a_busy_event_loop_is_published_in_few_pipelines(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """3,000 publishes at once while other work holds each turn of the loop for 20 ms: with
    the default batch they go out in one pipeline and none waits past the bound (at 256 a
    pipeline, each pipeline took ~9 turns and 1,719 of them failed unsent)."""
    publisher = PublishBatcher(redis_client, max_wait_s=1.0)
    await publisher.publish(f"{prefix}:burst", "warm")  # the connection is open before
    busy = True

    async def hog() -> None:  # a saturated loop: every turn is long
        while busy:
            time.sleep(0.02)  # noqa: ASYNC251 (blocking on purpose)
            await asyncio.sleep(0)

    hogging = asyncio.create_task(hog())
    try:
        replies = await asyncio.gather(
            *(publisher.publish(f"{prefix}:burst", str(i)) for i in range(3000)),
            return_exceptions=True,
        )
    finally:
        busy = False
        await hogging
    assert [r for r in replies if isinstance(r, BaseException)] == []
