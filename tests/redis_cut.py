"""A TCP proxy between a Redis client and the real Redis that cuts the connection at chosen
commands: the n-th RESP command to pass (counted across every connection, each command of a
pipeline or MULTI counted on its own) closes its connection, either before Redis sees it or
right after Redis answered it (the answer never reaches the client).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum


class Cut(enum.Enum):
    BEFORE = "before"  # Redis never sees the command
    AFTER = "after"  # Redis ran it; its answer is lost


def commands_in(buffer: bytes) -> list[int]:
    """The end offsets of the complete RESP commands (arrays of bulk strings, or inline
    commands) at the start of `buffer`."""
    ends: list[int] = []
    at = 0
    while at < len(buffer):
        if buffer[at : at + 1] != b"*":  # an inline command: one line
            line = buffer.find(b"\r\n", at)
            if line < 0:
                break
            at = line + 2
            ends.append(at)
            continue
        line = buffer.find(b"\r\n", at)
        if line < 0:
            break
        count, pos, whole = int(buffer[at + 1 : line]), line + 2, True
        for _ in range(count):
            head = buffer.find(b"\r\n", pos)
            if head < 0:
                whole = False
                break
            size = int(buffer[pos + 1 : head])
            pos = head + 2 + size + 2
            if pos > len(buffer):
                whole = False
                break
        if not whole:
            break
        at = pos
        ends.append(at)
    return ends


def words(command: bytes) -> list[bytes]:
    """The words of one whole RESP command (an array of bulk strings, or an inline one)."""
    if command[:1] != b"*":
        return command.split()
    head = command.find(b"\r\n")
    out, pos = [], head + 2
    for _ in range(int(command[1:head])):
        line = command.find(b"\r\n", pos)
        size = int(command[pos + 1 : line])
        out.append(command[line + 2 : line + 2 + size])
        pos = line + 2 + size + 2
    return out


class CuttingProxy:
    """Listens on a loopback port and relays to `upstream`; `arm` chooses the cuts."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._cuts: set[int] = set()
        self._mode = Cut.BEFORE
        self.seen = 0  # commands counted since `arm`
        self.cut = 0  # connections cut since `arm`
        self.sent: list[list[bytes]] = []  # each command counted since `arm`, its words
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def arm(self, cuts: set[int], mode: Cut) -> None:
        """Count commands from 1 again; cut at each of `cuts` (none: relay everything)."""
        self._cuts, self._mode, self.seen, self.cut = set(cuts), mode, 0, 0
        self.sent = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        back = asyncio.create_task(self._relay_back(up_reader, writer))
        self._tasks.add(back)
        back.add_done_callback(self._tasks.discard)
        try:
            await self._relay_commands(reader, up_writer, up_reader, writer, back)
        finally:
            back.cancel()
            for w in (writer, up_writer):
                w.close()
                with contextlib.suppress(Exception):
                    await w.wait_closed()
            self._tasks.discard(task)

    async def _relay_commands(
        self,
        reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        back: asyncio.Task[None],
    ) -> None:
        pending = b""
        while data := await reader.read(65536):
            pending += data
            ends = commands_in(pending)
            sent = 0
            for end in ends:
                self.seen += 1
                self.sent.append(words(pending[sent:end]))
                if self.seen in self._cuts:
                    self.cut += 1
                    if self._mode is Cut.AFTER:
                        # Redis gets the command and answers; the client never hears it.
                        back.cancel()
                        up_writer.write(pending[:end])
                        await up_writer.drain()
                        with contextlib.suppress(TimeoutError, ConnectionError):
                            await asyncio.wait_for(up_reader.read(65536), timeout=2.0)
                    else:
                        up_writer.write(pending[:sent])
                        await up_writer.drain()
                    return
                sent = end
            up_writer.write(pending[:sent])
            await up_writer.drain()
            pending = pending[sent:]

    async def _relay_back(
        self, up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
