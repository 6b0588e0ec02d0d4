"""Fan-out choice and the pooled Redis manager: a bounded, blocking pool that closes."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from typing import Any

import pytest
import redis.asyncio as aioredis
import socketio
from socketio.async_pubsub_manager import AsyncPubSubManager

from adapters import fanout
from adapters.redis_pool import SemaphorePool
from tests.conftest import REDIS_URL
from tipline import settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "local"),
        ({"TIPLINE_REDIS_URL": REDIS_URL}, "redis"),
        ({"TIPLINE_REDIS_URL": REDIS_URL, "TIPLINE_FANOUT": "local"}, "local"),
        ({"TIPLINE_FANOUT": "Redis"}, "redis"),
    ],
)
def test_fanout_defaults_to_redis_only_with_a_shared_redis(
    env: dict[str, str], expected: str
) -> None:
    """TIPLINE_FANOUT wins; unset, a Redis URL means "redis" and the embedded one "local"."""
    assert settings.load(config_path=None, env=env).fanout == expected


def test_unknown_fanout_is_a_config_error() -> None:
    """A misspelt fan-out stops start-up with a message naming the variable."""
    with pytest.raises(settings.ConfigError, match="TIPLINE_FANOUT"):
        settings.load(config_path=None, env={"TIPLINE_FANOUT": "kafka"})


async def test_manager_uses_a_bounded_pool_and_closes_it(prefix: str) -> None:
    """Publishing goes through a SemaphorePool of the configured size; close() ends the
    listener and drops every connection."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()  # what the manager does on first use
    pool = manager.redis.connection_pool
    assert isinstance(pool, SemaphorePool)
    assert pool.max_connections == 4
    assert manager.channel == f"{prefix}:socketio"
    await manager._publish({"method": "noop"})
    await manager.close()
    assert manager.redis is None
    assert not manager.connected


async def test_a_burst_of_publishes_waits_for_connections_and_none_fails(prefix: str) -> None:
    """200 concurrent publishes on a 4-connection pool all go out: a full pool queues them."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()
    try:
        results = await asyncio.gather(
            *(manager.redis.publish(manager.channel, "x") for _ in range(200)),
            return_exceptions=True,
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert manager.redis.connection_pool.max_connections == 4
    finally:
        await manager.close()


async def test_concurrent_publishes_reach_the_channel_in_call_order(prefix: str) -> None:
    """100 emits published at once by the manager arrive on its channel once each, in order."""
    manager = fanout.PooledRedisManager(
        REDIS_URL, channel=fanout.channel_for(prefix), max_connections=4
    )
    manager._redis_connect()
    listener = manager.redis.pubsub(ignore_subscribe_messages=True)
    await listener.subscribe(manager.channel)
    try:
        await asyncio.gather(*(manager._publish({"method": "noop", "n": i}) for i in range(100)))
        got: list[int] = []
        deadline = asyncio.get_running_loop().time() + 10
        while len(got) < 100 and asyncio.get_running_loop().time() < deadline:
            message = await listener.get_message(timeout=1.0)
            if message is not None:
                got.append(manager.json.loads(message["data"])["n"])
        assert got == list(range(100))
    finally:
        await listener.aclose()
        await manager.close()


async def _subscribed(client: Any, channel: str, count: int) -> None:
    """Wait until `count` listeners are subscribed to the channel."""
    for _ in range(200):
        ((_, subscribers),) = await client.pubsub_numsub(channel)
        if subscribers >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {count} subscribers on {channel}")


async def test_a_process_decodes_only_emits_for_rooms_it_has_members_in(prefix: str) -> None:
    """Routed emits: a process drops its own and those for rooms (and namespaces) it has no
    member of; one for its room arrives decoded, a plain JSON message as before, in order."""
    channel = fanout.channel_for(prefix)
    sender = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    receiver = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    receiver.basic_enter_room("sid-1", "/respond", None, eio_sid="e1")  # as on connect
    receiver.basic_enter_room("sid-1", "/respond", "incident:here", eio_sid="e1")
    stock = socketio.AsyncRedisManager(REDIS_URL, channel=channel, write_only=True)
    listener = receiver._listen()
    first = asyncio.ensure_future(anext(listener))
    try:
        sender._redis_connect()
        await _subscribed(sender.redis, channel, 1)

        def emit(namespace: str, room: str | None, n: int) -> dict[str, Any]:
            return {
                "method": "emit",
                "event": "message",
                "data": [{"n": n}],
                "namespace": namespace,
                "room": room,
                "skip_sid": None,
                "callback": None,
                "host_id": sender.host_id,
            }

        await sender._publish(emit("/respond", "incident:elsewhere", 1))
        await sender._publish(emit("/report", None, 2))  # no connection here in /report
        await receiver._publish(
            emit("/respond", "incident:here", 3) | {"host_id": receiver.host_id}
        )
        await sender._publish(emit("/respond", "incident:here", 4))
        await sender._publish(emit("/respond", None, 5))
        await stock._publish({"method": "close_room", "room": "r", "namespace": "/"})
        got = [await asyncio.wait_for(first, 5)]
        got += [await asyncio.wait_for(anext(listener), 5) for _ in range(2)]
        assert [m["data"] for m in got[:2]] == [[{"n": 4}], [{"n": 5}]]
        assert got[0]["room"] == "incident:here"
        assert json.loads(got[2]) == {"method": "close_room", "room": "r", "namespace": "/"}
    finally:
        first.cancel()
        await listener.aclose()
        for manager in (sender, receiver):
            await manager.close()
        if stock.redis is not None:
            await stock.redis.aclose()


async def test_emits_a_header_cannot_describe_go_out_as_plain_json(prefix: str) -> None:
    """An emit to several rooms, or to a name with the separator in it, is published as the
    stock manager publishes it, and every process decodes it."""
    manager = fanout.PooledRedisManager(REDIS_URL, channel=fanout.channel_for(prefix))
    for room in (["a", "b"], f"odd{fanout.SEP}room"):
        assert manager._routing_header({"method": "emit", "namespace": "/", "room": room}) == ""
    assert manager._routing_header({"method": "disconnect", "sid": "s"}) == ""
    header = manager._routing_header({"method": "emit", "namespace": "/report", "room": "x"})
    assert (
        header == f"{fanout.ROUTED}{manager.host_id}{fanout.SEP}/report{fanout.SEP}=x{fanout.SEP}"
    )


async def test_a_malformed_routed_message_is_dropped_and_listening_goes_on(prefix: str) -> None:
    """A truncated, undecodable or non-UTF-8 routed message is logged and skipped, and the
    listener goes on with the next one."""
    channel = fanout.channel_for(prefix)
    receiver = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    receiver.basic_enter_room("sid-1", "/", "r", eio_sid="e1")
    listener = receiver._listen()
    first = asyncio.ensure_future(anext(listener))
    publisher = aioredis.Redis.from_url(REDIS_URL)
    try:
        await _subscribed(publisher, channel, 1)
        await publisher.publish(channel, f"{fanout.ROUTED}host-x{fanout.SEP}/")
        await publisher.publish(
            channel, f"{fanout.ROUTED}host-x{fanout.SEP}/{fanout.SEP}=r{fanout.SEP}{{not json"
        )
        await publisher.publish(
            channel, f"{fanout.ROUTED}host-x{fanout.SEP}/{fanout.SEP}=r{fanout.SEP}[1]"
        )
        await publisher.publish(channel, fanout.ROUTED.encode() + b"h\x1e/\xff\x1e=r\x1e{}")
        await publisher.publish(channel, '{"method": "noop"}')
        assert json.loads(await asyncio.wait_for(first, 5)) == {"method": "noop"}
    finally:
        first.cancel()
        await listener.aclose()
        await publisher.aclose()
        await receiver.close()


def test_local_delivery_runs_only_for_someone_but_the_skipped_sender() -> None:
    """The local part of an emit runs only when someone other than the skipped sids is in
    the room here (a list of rooms and a whole namespace included)."""
    manager = fanout.PooledRedisManager(REDIS_URL, channel="c")
    manager.basic_enter_room("me", "/report", "incident:1", eio_sid="e1")
    manager.basic_enter_room("other", "/respond", "incident:1", eio_sid="e2")
    assert not manager._anyone_but("/report", "incident:1", ("me",))
    assert not manager._anyone_but("/report", "incident:2", ())
    assert not manager._anyone_but("/nowhere", None, ())
    assert manager._anyone_but("/report", "incident:1", ())
    assert manager._anyone_but("/respond", "incident:1", ("me",))
    assert manager._anyone_but("/report", ["incident:2", "incident:1"], ())
    assert not manager._anyone_but("/report", ["incident:2", "incident:1"], ["me"])


async def test_one_publish_carries_an_emit_to_both_sides_of_a_conversation(prefix: str) -> None:
    """`emit_in_namespaces` publishes once; a process with members on both sides delivers
    it in both namespaces, one with members on one side only in that one."""
    channel = fanout.channel_for(prefix)
    sender = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    both = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    one_side = fanout.PooledRedisManager(REDIS_URL, channel=channel)
    for namespace in ("/report", "/respond"):
        both.basic_enter_room(f"sid{namespace}", namespace, "incident:1", eio_sid="e")
    one_side.basic_enter_room("sid", "/respond", "incident:1", eio_sid="e")
    watcher_client = aioredis.Redis.from_url(REDIS_URL)
    watcher = watcher_client.pubsub(ignore_subscribe_messages=True)
    await watcher.subscribe(channel)
    listeners = [both._listen(), one_side._listen()]
    firsts = [asyncio.ensure_future(anext(listener)) for listener in listeners]
    try:
        sender._redis_connect()
        await _subscribed(sender.redis, channel, 3)
        await sender.emit_in_namespaces(
            "message", {"text": "hi"}, namespaces=("/report", "/respond"), room="incident:1"
        )
        got_both = [await asyncio.wait_for(firsts[0], 5), await anext(listeners[0])]
        assert [m["namespace"] for m in got_both] == ["/report", "/respond"]
        assert all(m["data"] == [{"text": "hi"}] for m in got_both)
        assert (await asyncio.wait_for(firsts[1], 5))["namespace"] == "/respond"
        published = []
        deadline = asyncio.get_running_loop().time() + 0.5
        while asyncio.get_running_loop().time() < deadline:
            message = await watcher.get_message(timeout=0.1)
            if message is not None:
                published.append(message)
        assert len(published) == 1  # one publish, not one per namespace
    finally:
        for first in firsts:
            first.cancel()
        for listener in listeners:
            await listener.aclose()
        await watcher.aclose()  # type: ignore[no-untyped-call]
        await watcher_client.aclose()
        for manager in (sender, both, one_side):
            await manager.close()


# python-socketio 5.18.1's versions of what PooledRedisManager overrides (the four hooks:
# _redis_connect, _publish, _listen, _handle_emit) or relies on (the listener loop that reads
# what _listen yields and filters our own emits by host_id, the retrying subscription _listen
# reads, and emit's message, which emit_in_namespaces builds itself). A release that changes
# any of them must be reviewed against adapters/fanout.py before this table is updated.
UPSTREAM = {
    "AsyncRedisManager._redis_connect": "da4530c93632",
    "AsyncRedisManager._publish": "033e4da7cc87",
    "AsyncRedisManager._listen": "3e74fdd1084b",
    "AsyncPubSubManager._handle_emit": "4284671be955",
    "AsyncRedisManager._redis_listen_with_retries": "ad347f253fd3",
    "AsyncPubSubManager._thread": "fa8d075729aa",
    "AsyncPubSubManager.emit": "6cc46e0ff9b6",
}


def _source_digest(qualname: str) -> str:
    cls_name, method = qualname.rsplit(".", 1)
    cls = {
        "AsyncRedisManager": socketio.AsyncRedisManager,
        "AsyncPubSubManager": AsyncPubSubManager,
    }
    # The class's own definition, not an inherited one: a method moved up or down the
    # hierarchy is a change too.
    source = inspect.getsource(vars(cls[cls_name])[method])
    return hashlib.sha256(source.encode()).hexdigest()[:12]


@pytest.mark.parametrize("qualname", sorted(UPSTREAM))
def test_the_overridden_manager_code_is_the_reviewed_version(qualname: str) -> None:
    """An upgrade of python-socketio that changes a manager hook PooledRedisManager overrides
    or relies on fails here."""
    assert _source_digest(qualname) == UPSTREAM[qualname], (
        f"python-socketio's {qualname} changed: review adapters/fanout.py against it"
    )
