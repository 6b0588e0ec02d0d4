"""`tipline serve` as a user runs it: demo mode on the embedded Redis, stopped by SIGTERM."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Peer, wait_for
from tests.procs import ServeProcess, free_port

pytestmark = pytest.mark.slow


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


def demo_serve(data_dir: Path) -> ServeProcess:
    return ServeProcess(
        port=free_port(),
        env={
            "TIPLINE_DATA_DIR": str(data_dir),
            "TIPLINE_DEMO_AGENT_TOKEN": "serve-test-agent-token-0001",
        },
    )


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[ServeProcess]:
    server = demo_serve(tmp_path / "data")
    yield server
    server.close()


async def test_demo_serve_files_a_report_on_embedded_redis_and_stops_clean(
    serve: ServeProcess, tmp_path: Path
) -> None:
    """With no Redis configured, serve works end to end and SIGTERM leaves no redis-server."""
    await serve.read_banner()
    assert "demo agent token: serve-test-agent-token-0001" in serve.lines
    assert any(line.startswith("demo admin token: ") for line in serve.lines)
    assert f"reporter page: {serve.url}/" in serve.lines
    await wait_for(serve.healthy, what="healthz 200", timeout=30)
    data_dir = tmp_path / "data"
    assert redis_processes(data_dir), "the embedded redis-server should be running"

    agent = Peer("/respond")
    reporter = Peer("/report")
    await agent.connect(serve.url, {"token": "serve-test-agent-token-0001"})
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
    again = demo_serve(data_dir)
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
