"""`tipline serve` as a user runs it: demo mode on the embedded Redis, stopped by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import Peer, wait_for

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_processes(data_dir: Path) -> list[int]:
    """Pids of live redis-server processes working in `data_dir`. Redis rewrites its command
    line (its process title) but chdirs to `--dir`, so its working directory tells."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(") ", 1)[-1][:1]
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if state != "Z" and b"redis-server" in title and cwd.is_relative_to(data_dir):
            found.append(int(entry.name))
    return found


class Serve:
    """A `tipline serve` child process and what it printed."""

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "SLACK_"))}
        env |= {
            "TIPLINE_DATA_DIR": str(data_dir),
            "TIPLINE_CLASSIFIER": "rules",
            "TIPLINE_DEMO_AGENT_TOKEN": "serve-test-agent",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []

    async def read_banner(self) -> None:
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

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    async def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(asyncio.to_thread(self.process.wait), 30)


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    server = Serve(tmp_path / "data", free_port())
    yield server
    server.close()


async def test_demo_serve_files_a_report_on_embedded_redis_and_stops_clean(
    serve: Serve, tmp_path: Path
) -> None:
    """With no Redis configured, serve works end to end and SIGTERM leaves no redis-server."""
    await serve.read_banner()
    assert "demo agent token: serve-test-agent" in serve.lines
    assert any(line.startswith("demo admin token: ") for line in serve.lines)
    assert f"reporter page: {serve.url}/" in serve.lines
    await wait_for(serve.healthy, what="healthz 200", timeout=30)
    data_dir = tmp_path / "data"
    assert redis_processes(data_dir), "the embedded redis-server should be running"

    agent = Peer("/respond")
    reporter = Peer("/report")
    await agent.connect(serve.url, {"token": "serve-test-agent"})
    await reporter.connect(serve.url, {"org_code": "DEMO"})
    filed = await reporter.call(
        "report:create", {"text": "my friend said she wants to die tonight"}
    )
    assert filed["ok"], filed
    (incident,) = await agent.received("incident:new")
    assert incident["incident_id"] == filed["incident_id"]
    assert incident["urgency"] == "emergency"
    await reporter.close()
    await agent.close()

    assert await serve.terminate() == 0
    assert redis_processes(data_dir) == []

    # Demo mode never resets: after a restart the receipt still opens the report.
    again = Serve(data_dir, free_port())
    try:
        await again.read_banner()
        back = Peer("/report")
        await back.connect(again.url, {"receipt": filed["receipt"]})
        assert (await back.call("messages:since", {"after_seq": 0}))["ok"]
        await back.close()
        assert await again.terminate() == 0
    finally:
        again.close()
    assert redis_processes(data_dir) == []
