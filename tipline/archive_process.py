"""The archive worker in a process of its own (`TIPLINE_ARCHIVE_WORKER=process`).

`tipline serve` starts `tipline archive` beside it, with its own settings and the Redis and
PostgreSQL it resolved (the embedded ones in demo mode), sent on the worker's stdin, so
the chat's event loop never decodes, seals or writes a batch of the record; the worker's
CPU comes from another core (docs/record.md, docs/performance.md). The lag in /healthz is
still probed by the server, from the stream.

`ArchiveProcess.run` keeps one such process up until its stop: a process that ends on its
own (PostgreSQL refused it at start, a crash) is logged and started again after a wait
that doubles from 1 s to 30 s. On the stop it is asked to end (SIGTERM: it finishes its
batch, within a read's block of 1 s) and killed after `STOP_TIMEOUT_S`. It sets itself a
parent-death signal (PR_SET_PDEATHSIG, SIGTERM; `read_settings`), so a `serve` that is killed
outright leaves no worker behind either; entries it had read and not acknowledged are taken over
by the next worker (adapters/archive.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import logging
import os
import pickle
import signal
import sys
from collections.abc import Sequence

from tipline.settings import Settings

log = logging.getLogger("tipline.archive")

STOP_TIMEOUT_S = 5.0
RESTART_S = (1.0, 30.0)  # the first wait before a restart, and the longest
_PR_SET_PDEATHSIG = 1


COMMAND = (sys.executable, "-m", "tipline.cli", "archive", "--settings-on-stdin")


def settings_blob(settings: Settings, *, redis_url: str, database_url: str) -> bytes:
    """`serve`'s own settings for the worker, with the stores it resolved (the embedded
    ones in demo mode), and `serve`'s pid: read on the worker's stdin, a pipe only the two
    processes hold, so the keys never go through its command line or environment."""
    resolved = dataclasses.replace(settings, redis_url=redis_url, database_url=database_url)
    return pickle.dumps((os.getpid(), resolved))


def read_settings(blob: bytes) -> Settings:
    """The settings `serve` sent (it is the worker's parent: the pipe is trusted). The
    worker is first made to end with `serve` (PR_SET_PDEATHSIG, SIGTERM, set here rather
    than between fork and exec, where `serve`'s threads could hold a lock the call needs),
    ends at once if `serve` is already gone, and goes `archive_worker_nice` (10 unless set)
    below `serve`'s priority."""
    parent, settings = pickle.loads(blob)  # noqa: S301  (from the parent, over its own pipe)
    if not isinstance(settings, Settings):
        raise TypeError("tipline archive: stdin did not hold serve's settings")
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise RuntimeError("tipline archive: the serve that started it is gone")
    if settings.archive_worker_nice:
        # Below the chat: its batches run when the chat leaves a core idle (docs/record.md).
        try:
            os.nice(settings.archive_worker_nice)  # relative to serve's own: never above it
        except OSError as exc:  # a sandbox that refuses it: archive at serve's priority
            log.warning("archive.nice_refused", extra={"error": str(exc)})
    return settings


class ArchiveProcess:
    """One `tipline archive` process, kept up until `run`'s stop is set."""

    def __init__(
        self,
        blob: bytes,
        *,
        argv: Sequence[str] = COMMAND,
        restart_s: tuple[float, float] = RESTART_S,
        stop_timeout_s: float = STOP_TIMEOUT_S,
    ) -> None:
        self._blob = blob
        self._argv = list(argv)
        self._restart_s = restart_s
        self._stop_timeout_s = stop_timeout_s
        self.pid: int | None = None  # the worker's, while one runs (tests, logs)
        self.starts = 0

    async def run(self, stop: asyncio.Event) -> None:
        first, longest = self._restart_s
        wait = first
        while not stop.is_set():
            process = await asyncio.create_subprocess_exec(
                *self._argv,
                stdin=asyncio.subprocess.PIPE,
            )
            assert process.stdin is not None
            process.stdin.write(self._blob)
            with contextlib.suppress(ConnectionError):  # it died at once: seen below
                await process.stdin.drain()
            process.stdin.close()
            self.pid, self.starts = process.pid, self.starts + 1
            log.info("archive.process_started", extra={"pid": process.pid})
            try:
                ended = asyncio.ensure_future(process.wait())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not ended.done():  # our stop: ask it to end, then make it
                    await self._end(process)
                    return
                log.warning(
                    "archive.process_exited",
                    extra={"pid": process.pid, "returncode": process.returncode, "restart_s": wait},
                )
            finally:
                if process.returncode is None:  # cancelled: never leave it running
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                self.pid = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
            wait = min(wait * 2, longest)

    async def _end(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM (it finishes its batch), then SIGKILL after the stop timeout."""
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self._stop_timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        log.info(
            "archive.process_stopped", extra={"pid": process.pid, "returncode": process.returncode}
        )
