"""DirectSend: a room's members get each emit once, sent without a task per recipient."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Generator
from typing import Any, TypeVar

import pytest
import socketio

from realtime import app as web_app
from realtime.manager import DirectSend
from tests.conftest import wait_for
from tests.realtime.loopback import serving

T = TypeVar("T")
ROOM = "incident:TL-ROOM"


@contextlib.asynccontextmanager
async def _room_server() -> AsyncIterator[tuple[str, socketio.AsyncServer]]:
    """The realtime server on a loopback port; its `join` event puts a client in ROOM."""
    sio = web_app.new_server()

    @sio.on("join")  # type: ignore[untyped-decorator]
    async def join(sid: str, _data: Any) -> bool:
        await sio.enter_room(sid, ROOM)
        return True

    async with serving(sio) as url:
        yield url, sio


async def _members(url: str, n: int) -> list[tuple[socketio.AsyncClient, list[Any]]]:
    members = []
    for _ in range(n):
        client = socketio.AsyncClient(reconnection=False)
        got: list[Any] = []

        async def note(*args: Any, got: list[Any] = got) -> None:
            got.append(args)

        client.on("note", note)
        await client.connect(url, transports=["websocket"])
        assert await client.call("join", {}, timeout=5) is True
        members.append((client, got))
    return members


async def _settle(members: list[tuple[socketio.AsyncClient, list[Any]]], each: int) -> None:
    """Until every member but the first has `each` events, then a moment for any extra."""

    async def arrived() -> bool:
        return all(len(got) >= each for _, got in members[1:])

    await wait_for(arrived, what=f"{each} events at each member")
    await asyncio.sleep(0.1)


async def test_a_room_emit_reaches_every_member_once_but_the_skipped_one() -> None:
    """Three members of a room: an emit skipping the first reaches the other two once each,
    with one argument, several (a tuple) or none, as python-socketio's manager sends them."""
    async with _room_server() as (url, sio):
        assert isinstance(sio.manager, DirectSend)
        members = await _members(url, 3)
        try:
            skipped = members[0][0].get_sid()
            for data in ({"text": "hi"}, ("a", 2), None):
                await sio.emit("note", data, room=ROOM, skip_sid=skipped)
            await _settle(members, 3)
            assert members[0][1] == []
            for _, got in members[1:]:
                assert got == [({"text": "hi"},), ("a", 2), ()]
        finally:
            for client, _ in members:
                await client.disconnect()


async def test_a_room_emit_starts_no_task_per_recipient() -> None:
    """An emit to a room of 20 starts no task at all (python-socketio's manager starts one
    per recipient and waits for them all)."""
    async with _room_server() as (url, sio):
        members = await _members(url, 20)
        loop = asyncio.get_running_loop()
        default = loop.get_task_factory()
        created = 0

        def counting(
            loop: asyncio.AbstractEventLoop,
            coro: Generator[Any, None, T] | Coroutine[Any, Any, T],
            /,
            **kwargs: Any,
        ) -> asyncio.Future[T]:
            nonlocal created
            created += 1
            if default is not None:
                return default(loop, coro, **kwargs)
            return asyncio.Task(coro, loop=loop, **kwargs)

        try:
            loop.set_task_factory(counting)
            await sio.emit("note", {"n": 1}, room=ROOM)
            loop.set_task_factory(default)
            assert created == 0
            await _settle(members, 1)
            assert all(got == [({"n": 1},)] for _, got in members)
        finally:
            loop.set_task_factory(default)
            for client, _ in members:
                await client.disconnect()


async def test_bytes_in_an_emit_fail_and_send_nothing() -> None:
    """Packets are never binary: bytes handed to an emit raise before anything is sent."""
    async with _room_server() as (url, sio):
        members = await _members(url, 2)
        try:
            with pytest.raises(TypeError):
                await sio.emit("note", {"blob": b"\x00"}, room=ROOM)
            await sio.emit("note", "after", room=ROOM)
            await _settle(members, 1)
            assert all(got == [("after",)] for _, got in members)
        finally:
            for client, _ in members:
                await client.disconnect()
