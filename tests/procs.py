"""`tipline serve` as a child process, the way an operator runs it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REDIS_URL, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServeProcess:
    """A `tipline serve` child process and what it printed."""

    def __init__(
        self,
        *,
        port: int,
        env: dict[str, str],
        config: Path | None = None,
    ) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "SLACK_"))}
        args = [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port)]
        if config:
            args += ["--config", str(config)]
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=base | {"TIPLINE_CLASSIFIER": "rules"} | env,
            text=True,
        )
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []

    async def read_banner(self) -> None:
        """Read stdout until the console URL is printed (the service is listening)."""
        assert self.process.stdout is not None
        while not any(line.startswith("console:") for line in self.lines):
            line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), 60)
            if not line:
                pytest.fail(f"tipline serve exited early: {self.lines}")
            self.lines.append(line.strip())

    async def healthy(self) -> bool:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(self.url + "/healthz") as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(asyncio.to_thread(self.process.wait), 30)

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash."""
        self.process.kill()
        self.process.wait()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@contextlib.asynccontextmanager
async def serving(
    prefix: str,
    data_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    config: Path | None = None,
    what: str = "healthz 200",
    timeout: float = 30.0,
) -> AsyncIterator[ServeProcess]:
    """`tipline serve` on the test Redis under `prefix` (the `redis_client` fixture deletes
    its keys), yielded once /healthz answers 200 (`what` names the wait); killed after."""
    server = ServeProcess(
        port=free_port(),
        config=config,
        env={
            "TIPLINE_REDIS_URL": REDIS_URL,
            "TIPLINE_KEY_PREFIX": prefix,
            "TIPLINE_DATA_DIR": str(data_dir),
            **(env or {}),
        },
    )
    try:
        await server.read_banner()
        await wait_for(server.healthy, what=what, timeout=timeout)
        yield server
    finally:
        server.close()
