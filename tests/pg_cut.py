"""A TCP proxy to the test PostgreSQL that can be cut: the record away without stopping the
shared server (tests/e2e/test_archive_faults.py, tests/adapters/test_archive.py)."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from tests import postgres
from tests.procs import free_port


class Proxy:
    """A TCP proxy to the test PostgreSQL that can be cut: every connection through it is
    closed and new ones are refused (nothing listens) until it is restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, RuntimeError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._links -= {writer, up_writer}


async def started(url: str) -> tuple[Proxy, str]:
    """A proxy to the test PostgreSQL, up, and `url` (a database URL of it) through it."""
    target = urlsplit(postgres.DATABASE_URL)
    assert target.hostname, "the test PostgreSQL over TCP"
    assert target.port, "the test PostgreSQL over TCP"
    proxy = Proxy((target.hostname, target.port))
    await proxy.restore()
    through = url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{proxy.port}", 1)
    assert through != url
    return proxy, through
