"""python-engineio's websocket loop without a task and a timer for every frame.

python-engineio 4.15.1 (`engineio/async_socket.py`) reads each next frame of a websocket in a
new Task under `asyncio.wait_for`, and waits for each next outgoing batch under another
`wait_for` (a Task for `queue.get()`, a timer): some twenty objects per message and
connection, alive until that connection's next frame. They outlive the collector's young
passes, and on a busy server those passes grow to tens of thousands of objects and stall the
loop for 20-100 ms (docs/performance.md, "What the p99 bursts are").

`FrameSocket` keeps the library's behaviour, its two timeouts included, and changes only how
they are kept: one timer per direction and connection, re-armed when it fires rather than
created and cancelled around every frame. A frame that is already buffered is read without
suspending; a packet already queued is sent without waiting. Everything else (the
Engine.IO handshake, the upgrade from polling, pings, packets, closing) is the library's own
code, inherited or copied unchanged from 4.15.1; `tests/realtime/test_engineio_socket.py`
fails when the installed python-engineio's versions of the replaced methods change, so an
upgrade is reviewed against this file.

Where 4.15.1 misbehaves, `FrameSocket` and `SocketServer` differ on purpose (issue #18):

- a frame that is not an Engine.IO packet ends the session, as 4.15.1 does, but with one log
  line and a proper close instead of an exception out of the request handler (FrameSocket
  once logged a traceback per frame and kept reading);
- a polling POST is read whole: 4.15.1 reads `request.content.read(length)`, which returns
  only what has arrived, and decoded a packet cut short (or nothing at all). A body that
  cannot be decoded, or has more than `MAX_POST_PACKETS` packets, is refused (400) and the
  session closed, as an undecodable websocket frame is;
- `close()` of a websocket session also closes the websocket once the CLOSE packet is out,
  so shutting the server down moves every client at once (4.15.1 leaves the transport open
  until the client closes it, and aiohttp's shutdown waits its timeout);
- a Socket.IO packet that cannot be decoded (JSON nested too deep, a number too long, no
  event name) is answered `bad_request` when it carries an ack id, and a CONNECT that cannot
  be decoded gets a CONNECT_ERROR: python-socketio raises, and the client waits forever.
  Binary packets are refused: no Tipline event takes binary data.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import engineio
import socketio
from aiohttp import web
from engineio import async_socket, exceptions, packet, payload
from socketio import packet as sio_packet

from realtime.boundary import error

log = logging.getLogger("tipline.realtime")

# Packets one polling POST may carry. python-engineio refuses more than 16 (and 4.15.1 then
# answers `OK` and drops them all); the Engine.IO client batches everything it has queued
# into one POST, e.g. after a reconnect, so 16 is easily passed. The body is at most
# max_http_buffer_size (1 MiB) either way, the same as one websocket frame.
MAX_POST_PACKETS = 1024

# Seconds before a wait's deadline at which the timer counts it as passed: a timer may fire a
# little early, and re-arming it for the last few milliseconds would only spin.
_EARLY = 0.05


class IdleTimer:
    """Cancels `task` once one wait, started by `begin()` and ended by `end()`, has lasted
    `timeout` seconds: what `asyncio.wait_for` around every wait did, with one timer."""

    __slots__ = ("_handle", "_loop", "_since", "_task", "_timeout", "expired")

    def __init__(self, task: asyncio.Task[Any], timeout: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = task
        self._timeout = timeout
        self._since: float | None = None
        self.expired = False
        self._handle = self._loop.call_later(timeout, self._check)

    def begin(self) -> None:
        self._since = self._loop.time()

    def end(self) -> None:
        self._since = None

    def close(self) -> None:
        self._handle.cancel()

    def _check(self) -> None:
        now = self._loop.time()
        since = self._since
        if since is not None and now - since >= self._timeout - _EARLY:
            self.expired = True
            self._task.cancel()
            return
        start = now if since is None else since
        self._handle = self._loop.call_at(start + self._timeout, self._check)


class FrameSocket(async_socket.AsyncSocket):  # type: ignore[misc]  # engineio is untyped
    """An Engine.IO socket whose websocket loop reads and writes without a task per frame."""

    # set by python-engineio's BaseSocket
    connected: bool
    upgrading: bool
    upgraded: bool

    async def _websocket_handler(self, ws: Any) -> None:
        """Engine.IO handler for the websocket transport (4.15.1's, with the waits above)."""
        server = self.server
        idle_after = server.ping_interval + server.ping_timeout

        async def websocket_wait() -> Any:
            data = await ws.wait()
            if data and len(data) > server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        if self.connected:
            # the socket was already connected, so this is an upgrade
            if not await self._websocket_upgrade(ws, websocket_wait):
                return
        else:
            self.connected = True
            self.upgraded = True

        writer_task = asyncio.ensure_future(self._websocket_writer(ws, idle_after))
        server.logger.info("%s: Upgrade to websocket successful", self.sid)
        await self._websocket_reader(websocket_wait, idle_after)
        await self.queue.put(None)  # unlock the writer task so it can exit
        await writer_task
        await self.close(wait=False, abort=True, reason=server.reason.TRANSPORT_CLOSE)

    async def _websocket_upgrade(
        self, ws: Any, websocket_wait: Callable[[], Awaitable[Any]]
    ) -> bool:
        """The upgrade from polling to websocket (4.15.1's, unchanged): True once upgraded."""
        server = self.server
        self.upgrading = True  # hold packet sends during the upgrade
        try:
            pkt = await websocket_wait()
        except OSError:  # pragma: no cover
            return False
        decoded_pkt = packet.Packet(encoded_packet=pkt)
        if decoded_pkt.packet_type != packet.PING or decoded_pkt.data != "probe":
            server.logger.info("%s: Failed websocket upgrade, no PING packet", self.sid)
            self.upgrading = False
            return False
        await ws.send(packet.Packet(packet.PONG, data="probe").encode())
        await self.queue.put(packet.Packet(packet.NOOP))  # end poll
        try:
            pkt = await websocket_wait()
        except OSError:  # pragma: no cover
            self.upgrading = False
            return False
        decoded_pkt = packet.Packet(encoded_packet=pkt)
        if decoded_pkt.packet_type != packet.UPGRADE:
            self.upgraded = False
            server.logger.info(
                "%s: Failed websocket upgrade, expected UPGRADE packet, received %s instead.",
                self.sid,
                pkt,
            )
            self.upgrading = False
            return False
        self.upgraded = True
        self.upgrading = False
        return True

    async def _websocket_reader(
        self, websocket_wait: Callable[[], Awaitable[Any]], idle_after: float
    ) -> None:
        """Receives frames until the client closes, a read fails, or no frame came for
        `idle_after` seconds (4.15.1's loop, with one timer instead of a task per frame)."""
        reader = asyncio.current_task()
        assert reader is not None  # we run in the request handler's task
        idle = IdleTimer(reader, idle_after)
        try:
            while True:
                idle.begin()
                try:
                    p = await websocket_wait()
                except asyncio.CancelledError:
                    # 4.15.1 ends the loop on a timeout and on a cancellation alike; a
                    # cancellation that is our timeout is taken back, so the clean-up after
                    # the loop runs in a task that is not being cancelled.
                    if idle.expired:
                        reader.uncancel()
                    break
                except Exception:
                    break
                finally:
                    idle.end()
                if p is None:
                    break  # connection closed by client
                try:
                    pkt = packet.Packet(encoded_packet=p)
                except Exception:  # whatever the decoder raises: not a packet
                    # 4.15.1 ends the session here (the exception leaves its loop); so do we,
                    # through the close below, with one line and no trace: a peer's garbage
                    # is not our bug, and a trace per frame floods the log.
                    log.info("engineio.bad_packet")
                    break
                try:
                    await self.receive(pkt)
                except exceptions.UnknownPacketError:  # pragma: no cover
                    pass
                except exceptions.SocketIsClosedError:  # pragma: no cover
                    self.server.logger.info("Receive error -- socket is closed")
                    break
                except Exception:  # pragma: no cover
                    # an unexpected exception is logged and the connection closed properly
                    self.server.logger.exception("Unknown receive error")
        finally:
            idle.close()

    async def _websocket_writer(self, ws: Any, idle_after: float) -> None:
        """Sends queued packets until the socket closes or nothing was queued for `idle_after`
        seconds (4.15.1's writer over `poll()`, waiting only when the queue is empty)."""
        writer = asyncio.current_task()
        assert writer is not None
        idle = IdleTimer(writer, idle_after)
        queue = self.queue
        try:
            while True:
                if queue.empty():
                    idle.begin()
                    try:
                        first = await queue.get()
                    except asyncio.CancelledError:
                        # poll()'s QueueEmpty: nothing to send for `idle_after` seconds (or a
                        # cancellation, which 4.15.1 treats alike)
                        if idle.expired:
                            writer.uncancel()
                        break
                    finally:
                        idle.end()
                else:
                    first = queue.get_nowait()
                queue.task_done()
                if first is None:
                    break  # empty packet list returned -> connection closed
                packets = [first]
                while not queue.empty():  # what poll() gathers into one batch
                    pkt = queue.get_nowait()
                    queue.task_done()
                    if pkt is None:
                        queue.put_nowait(None)
                        break
                    packets.append(pkt)
                try:
                    for pkt in packets:
                        await ws.send(pkt.encode())
                except (Exception, asyncio.CancelledError):  # 4.15.1: a bare `except`
                    break
        finally:
            idle.close()
        await ws.close()

    async def handle_post_request(self, environ: dict[str, Any]) -> None:
        """A polling POST (4.15.1's, reading the whole body and refusing what it cannot
        decode): the packets of the body, in order."""
        limit = self.server.max_http_buffer_size
        if int(environ.get("CONTENT_LENGTH", "0")) > limit:
            raise exceptions.ContentTooLongError()
        try:
            # aiohttp reads until the body ends, at most client_max_size bytes
            body = await environ["aiohttp.request"].read()
        except web.HTTPRequestEntityTooLarge:
            raise exceptions.ContentTooLongError() from None
        if len(body) > limit:
            raise exceptions.ContentTooLongError()
        try:
            decoded = _Payload(encoded_payload=body.decode("utf-8"))
        except Exception:  # whatever the decoder raises: not a payload
            log.info("engineio.bad_payload")
            # python-engineio answers an EngineIOError with 400 and closes the session
            raise exceptions.EngineIOError() from None
        for pkt in decoded.packets:
            await self.receive(pkt)

    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        """4.15.1's close; a websocket is then closed too, once the CLOSE packet is sent."""
        ending = not self.closed and not self.closing
        await super().close(wait=False, abort=abort, reason=reason)
        if ending and not abort and self.upgraded:
            # The writer sends CLOSE, then takes None and closes the websocket (close frame
            # 1000); the reader then ends with the client's answer, and the request handler
            # returns. Without this the handler waits for the client to hang up, and
            # aiohttp's shutdown for its timeout.
            self.queue.put_nowait(None)
        if ending and wait and self.upgraded:
            # Only a websocket's writer drains the queue by itself: a polling session's
            # CLOSE waits for the client's next GET, which may never come (4.15.1 then hangs
            # the POST it is refusing, and the server's shutdown, on this join).
            await self.queue.join()


class _Payload(payload.Payload):  # type: ignore[misc]  # engineio is untyped
    max_decode_packets = MAX_POST_PACKETS


class _EngineIOServer(engineio.AsyncServer):  # type: ignore[misc]  # engineio is untyped
    """python-engineio's server, whose sockets are `FrameSocket`s."""

    async def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        # python-engineio builds its sockets in `_handle_connect` with no hook for the class;
        # the `connect` event is the first point a new socket is seen, before any frame of it
        # is read (its websocket loop starts after the event). FrameSocket adds no state.
        if event == "connect":
            sock = self.sockets.get(args[0])
            if type(sock) is async_socket.AsyncSocket:
                sock.__class__ = FrameSocket
        return await super()._trigger_event(event, *args, **kwargs)


# The header of a Socket.IO packet, read without its JSON: type, attachments, namespace, id.
_HEADER = re.compile(r"(\d)(?:\d{1,10}-)?(?:(/[^,]*),)?(\d{1,100})?")


class TextPacket(sio_packet.Packet):  # type: ignore[misc]  # socketio is untyped
    """A Socket.IO packet that is never binary. python-socketio walks every packet's data
    to look for bytes (`data_is_binary`, once per emit and per ack: ~2 % of the server's
    CPU a chat message); no Tipline event sends or takes binary data, so the walk is left
    out. A binary packet that arrives still decodes as one, and is refused (below); bytes
    handed to an emit fail in `json.dumps` instead of going out as an attachment."""

    uses_binary_events = False


class SocketServer(socketio.AsyncServer):  # type: ignore[misc]  # socketio is untyped
    """python-socketio's server on `_EngineIOServer`, answering packets it cannot decode;
    its packets `TextPacket`s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, serializer=TextPacket, **kwargs)

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return _EngineIOServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """Dispatch one Socket.IO packet (python-socketio 5's dispatch for text packets)."""
        if not isinstance(data, str):
            return  # a binary attachment: refused with its event below, dropped here
        try:
            pkt = self.packet_class(encoded_packet=data)
        except Exception:  # whatever json raises: RecursionError, ValueError
            await self._refuse(
                eio_sid, data, "the packet is not valid JSON (too deep, or a number too long)"
            )
            return
        kind = pkt.packet_type
        if kind == sio_packet.EVENT:
            if not (isinstance(pkt.data, list) and pkt.data and isinstance(pkt.data[0], str)):
                await self._refuse(eio_sid, data, "an event is a list that starts with its name")
                return
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif kind == sio_packet.CONNECT:
            await self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif kind == sio_packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, pkt.namespace, self.reason.CLIENT_DISCONNECT)
        elif kind == sio_packet.ACK:
            await self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif kind in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK):
            await self._refuse(eio_sid, data, "binary data is not accepted")
        else:
            log.info("socketio.bad_packet")

    async def _refuse(self, eio_sid: str, data: str, why: str) -> None:
        """Answer a packet that cannot be handled: `bad_request` to an event that waits for
        an ack, a CONNECT_ERROR to a connect; anything else is dropped with one log line."""
        log.info("socketio.bad_packet")
        header = _HEADER.match(data)
        if header is None:
            return
        kind, namespace, ack_id = int(header[1]), (header[2] or "/").split("?")[0], header[3]
        if kind in (sio_packet.EVENT, sio_packet.BINARY_EVENT) and ack_id is not None:
            if self.manager.sid_from_eio_sid(eio_sid, namespace) is None:
                return  # not connected to that namespace: nobody to answer
            answer = self.packet_class(
                sio_packet.ACK,
                namespace=namespace,
                data=[error("bad_request", why)],
                id=int(ack_id),
            )
            await self._send_packet(eio_sid, answer)
        elif kind == sio_packet.CONNECT:
            refusal = {"message": why, "data": {"code": "bad_request"}}
            await self._send_packet(
                eio_sid,
                self.packet_class(sio_packet.CONNECT_ERROR, namespace=namespace, data=refusal),
            )
