"""FrameSocket: python-engineio's websocket loop with one timer per direction, not per frame."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from typing import Any, TypeVar

import aiohttp
import engineio
import pytest
import socketio
from engineio import async_socket

from realtime.engineio_socket import FrameSocket, IdleTimer, SocketServer
from tests.realtime.loopback import serving

T = TypeVar("T")

# python-engineio 4.15.1's versions of what realtime/engineio_socket.py replaces or relies on
# (the websocket loop, poll() whose waits the writer copies, the polling POST and close()
# that it overrides, and _handle_connect, which builds the AsyncSocket that the connect
# event hands over), and python-socketio's packet dispatch that SocketServer copies. A new
# release that changes any of them must be reviewed against that file before this table is
# updated.
UPSTREAM = {
    "AsyncSocket._websocket_handler": "27f120df4d71",
    "AsyncSocket.poll": "826f58a9f360",
    "AsyncSocket.handle_post_request": "82dca119a261",
    "AsyncSocket.close": "faa2e9390254",
    "AsyncServer._handle_connect": "5bd7edc1d1ae",
    # python-socketio's: SocketServer's dispatch of a text packet copies it
    "socketio.AsyncServer._handle_eio_message": "bef50fc0e163",
}


def _source_digest(qualname: str) -> str:
    cls_name, method = qualname.rsplit(".", 1)
    cls = {
        "AsyncSocket": async_socket.AsyncSocket,
        "AsyncServer": engineio.AsyncServer,
        "socketio.AsyncServer": socketio.AsyncServer,
    }[cls_name]
    source = inspect.getsource(getattr(cls, method))
    return hashlib.sha256(source.encode()).hexdigest()[:12]


@pytest.mark.parametrize("qualname", sorted(UPSTREAM))
def test_the_replaced_upstream_code_is_the_reviewed_version(qualname: str) -> None:
    """An upgrade of python-engineio that changes the code FrameSocket replaces fails here."""
    assert _source_digest(qualname) == UPSTREAM[qualname], (
        f"python-engineio's {qualname} changed: review realtime/engineio_socket.py against it"
    )


async def _waiting_task(timeout: float) -> tuple[asyncio.Task[bool], IdleTimer, asyncio.Event]:
    """A task blocked on an event, and an IdleTimer over it."""
    release = asyncio.Event()
    task = asyncio.create_task(release.wait())
    await asyncio.sleep(0)
    return task, IdleTimer(task, timeout), release


async def test_idle_timer_cancels_a_wait_that_lasts_its_timeout() -> None:
    """A wait begun and not ended within the timeout cancels the task and marks it expired."""
    task, idle, _ = await _waiting_task(0.2)
    started = time.monotonic()
    idle.begin()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(2):
            await task
    assert idle.expired
    assert 0.1 <= time.monotonic() - started < 1.0
    idle.close()


async def test_idle_timer_leaves_short_waits_alone_however_long_it_runs() -> None:
    """Waits shorter than the timeout, for several timeouts in all, never cancel the task."""
    task, idle, release = await _waiting_task(0.15)
    for _ in range(10):  # 0.5 s of waits of 0.05 s each
        idle.begin()
        await asyncio.sleep(0.05)
        idle.end()
    assert not task.done()
    assert not idle.expired
    idle.close()
    release.set()
    await task


async def test_idle_timer_counts_from_the_start_of_the_wait_not_of_the_timer() -> None:
    """A wait begun late still gets its full timeout before the task is cancelled."""
    task, idle, _ = await _waiting_task(0.3)
    await asyncio.sleep(0.25)  # idle, but not waiting: no deadline runs
    begun = time.monotonic()
    idle.begin()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(2):
            await task
    assert time.monotonic() - begun >= 0.25
    idle.close()


async def test_idle_timer_does_nothing_once_closed() -> None:
    """close() stops the timer: a wait left open afterwards is never cancelled."""
    task, idle, release = await _waiting_task(0.1)
    idle.begin()
    idle.close()
    await asyncio.sleep(0.3)
    assert not task.done()
    release.set()
    await task


@contextlib.asynccontextmanager
async def _echo_server(**options: Any) -> AsyncIterator[tuple[str, SocketServer]]:
    """A SocketServer on a loopback port whose `echo` event returns its data."""
    sio = SocketServer(async_mode="aiohttp", logger=False, engineio_logger=False, **options)

    @sio.on("echo")  # type: ignore[untyped-decorator]
    async def echo(sid: str, data: Any) -> Any:
        return data

    async with serving(sio) as url:
        yield url, sio


async def test_a_client_upgraded_from_polling_chats_over_frame_sockets() -> None:
    """The stock client (polling, then the upgrade to websocket) gets its acks back, on a
    FrameSocket."""
    async with _echo_server() as (url, sio):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, transports=["polling", "websocket"])
        try:
            for _ in range(20):  # the upgrade completes in the background
                if client.transport() == "websocket":
                    break
                await asyncio.sleep(0.05)
            assert client.transport() == "websocket"
            answers = [await client.call("echo", {"n": n}, timeout=5) for n in range(50)]
            assert answers == [{"n": n} for n in range(50)]
            sockets = list(sio.eio.sockets.values())
            assert [type(s) for s in sockets] == [FrameSocket]
        finally:
            await client.disconnect()


async def _engineio_websocket(url: str) -> tuple[aiohttp.ClientSession, Any]:
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket")
    opened = await ws.receive_str()
    assert opened.startswith("0{")
    return session, ws


async def test_websocket_frames_need_no_task_each() -> None:
    """200 events over one websocket start a handful of tasks in all, not one or more per
    frame (python-engineio 4.15.1 starts two per message)."""
    async with _echo_server(async_handlers=False) as (url, _):
        session, ws = await _engineio_websocket(url)
        created = 0
        loop = asyncio.get_running_loop()
        default = loop.get_task_factory()

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
            await ws.send_str("40")  # Socket.IO connect to "/"
            assert (await ws.receive_str()).startswith("40")
            loop.set_task_factory(counting)
            for n in range(200):
                await ws.send_str(f'42{n}["echo",{n}]')
                assert await ws.receive_str() == f"43{n}[{n}]"
        finally:
            loop.set_task_factory(default)
            await ws.close()
            await session.close()
    assert created < 10


async def _closes_within(
    ws: Any, seconds: float, answer: Callable[[str], Awaitable[None]]
) -> float:
    """Reads until the server closes the websocket; returns the seconds that took."""
    started = time.monotonic()
    async with asyncio.timeout(seconds):
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return time.monotonic() - started
            if message.type == aiohttp.WSMsgType.TEXT:
                await answer(message.data)


async def test_a_silent_client_is_dropped_after_ping_interval_and_timeout() -> None:
    """A websocket that sends nothing, not even pongs, is closed by the server about
    ping_interval + ping_timeout after its last frame, as python-engineio does."""
    async with _echo_server(ping_interval=0.3, ping_timeout=0.3) as (url, sio):
        session, ws = await _engineio_websocket(url)
        try:

            async def ignore(_: str) -> None:
                return None

            took = await _closes_within(ws, 5.0, ignore)
        finally:
            await session.close()
        assert 0.4 <= took < 3.0
        for _ in range(50):  # the server forgets the socket once its loop has ended
            if not sio.eio.sockets:
                break
            await asyncio.sleep(0.05)
        assert not sio.eio.sockets


async def test_a_client_that_answers_pings_stays_connected_past_the_timeouts() -> None:
    """A quiet client that answers every ping is not dropped: the idle timers count waits,
    not the connection's age."""
    async with _echo_server(ping_interval=0.2, ping_timeout=0.2) as (url, sio):
        session, ws = await _engineio_websocket(url)
        pongs = 0

        async def pong(data: str) -> None:
            nonlocal pongs
            if data == "2":
                pongs += 1
                await ws.send_str("3")

        try:
            with pytest.raises(TimeoutError):
                await _closes_within(ws, 1.5, pong)  # 3.75 x (interval + timeout)
            assert pongs >= 3
            assert len(sio.eio.sockets) == 1
        finally:
            await ws.close()
            await session.close()
