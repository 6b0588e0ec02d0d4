"""`tipline serve` and the record: the embedded PostgreSQL of demo mode, and its stop."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters import sealing
from tests.conftest import wait_for
from tests.postgres import postgres_processes
from tests.procs import ServeProcess, free_port

pytestmark = pytest.mark.slow


def demo_serve(data_dir: Path) -> ServeProcess:
    """Demo mode as a user runs it: no Redis URL, no database URL."""
    return ServeProcess(port=free_port(), env={"TIPLINE_DATA_DIR": str(data_dir)})


async def health(serve: ServeProcess) -> dict[str, object]:
    async with aiohttp.ClientSession() as session, session.get(serve.url + "/healthz") as got:
        body: dict[str, object] = await got.json()
        return body


async def stopped(serve: ServeProcess, sig: signal.Signals) -> int | None:
    """Send `sig`; the exit code (None for SIGKILL, which leaves none of our own)."""
    serve.process.send_signal(sig)
    code = await asyncio.wait_for(asyncio.to_thread(serve.process.wait), 30)
    return None if sig is signal.SIGKILL else code


async def test_demo_serve_runs_embedded_postgres_and_no_exit_leaves_it_running(
    tmp_path: Path,
) -> None:
    """Demo mode starts PostgreSQL in data_dir/postgres and migrates it; after SIGTERM,
    SIGINT or even SIGKILL of serve no postgres process of it is left."""
    data_dir = tmp_path / "data"
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        serve = demo_serve(data_dir)
        try:
            await serve.read_banner()
            await wait_for(serve.healthy, what="healthz 200", timeout=30)
            assert (await health(serve))["database"] == "up"
            assert postgres_processes(data_dir), "the embedded postgres should be running"
            assert (data_dir / "postgres").stat().st_mode & 0o777 == 0o700
            code = await stopped(serve, sig)
        finally:
            serve.close()
        assert code in (None, 0), f"serve exited {code} after {sig.name}"

        async def gone() -> bool:
            return postgres_processes(data_dir) == []

        # After SIGKILL the server is told by the kernel (parent-death signal) and shuts down.
        await wait_for(gone, what=f"no postgres left after {sig.name}", timeout=30)

    # serve applied the migrations at start: the record is up to date.
    status = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tipline.cli", "db", "status"],
        env={"TIPLINE_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    assert "applied  0001_initial.sql" in status.stdout
    assert status.stdout.rstrip().endswith("0 pending")
    assert postgres_processes(data_dir) == []


async def test_a_wrong_data_key_stops_serve_with_a_clear_message(tmp_path: Path) -> None:
    """Demo mode makes data_dir/data.key; with that file replaced by another key, the next
    start refuses (the record holds rows sealed with the first) and says why."""
    data_dir = tmp_path / "data"
    serve = demo_serve(data_dir)
    try:
        await serve.read_banner()
        await wait_for(serve.healthy, what="healthz 200", timeout=30)
        assert await stopped(serve, signal.SIGTERM) == 0
    finally:
        serve.close()
    key_file = data_dir / "data.key"
    first_id = key_file.read_text().split(":")[0]
    key_file.write_text(sealing.new_key_line(first_id) + "\n")  # same id, another key
    again = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tipline.cli", "serve", "--port", str(free_port())],
        env={
            "TIPLINE_DATA_DIR": str(data_dir),
            "TIPLINE_CLASSIFIER": "rules",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode != 0
    assert f"data key {first_id!r}" in again.stderr
    assert "docs/operations.md" in again.stderr
    assert postgres_processes(data_dir) == []
