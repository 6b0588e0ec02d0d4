"""A second `tipline serve` on a taken port or a data folder in use stops before it touches
anything, with one line that says what to change (issue #15, item 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import data_dir
from tests.conftest import wait_for
from tests.procs import ServeProcess, free_port
from tests.tipline.test_serve import redis_processes

pytestmark = pytest.mark.slow


def serve_once(port: int, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `tipline serve` in demo mode on the embedded Redis until it exits by itself."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TIPLINE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "tipline.cli", "serve", "--port", str(port)],
        env=base | {"TIPLINE_CLASSIFIER": "rules", "TIPLINE_DATA_DIR": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    """A second lock on one folder is refused until the first is released."""
    first = data_dir.DataDirLock(tmp_path)
    first.acquire()
    with pytest.raises(data_dir.DataDirBusyError, match="in use by another tipline serve"):
        data_dir.DataDirLock(tmp_path).acquire()
    first.release()
    again = data_dir.DataDirLock(tmp_path)
    again.acquire()
    again.release()


def test_listen_on_a_taken_port_names_the_flag() -> None:
    """A busy port is one error that says --port, not a traceback."""
    taken = data_dir.listen("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        with pytest.raises(data_dir.PortInUseError, match="--port"):
            data_dir.listen("127.0.0.1", port)
    finally:
        taken.close()


async def test_second_server_on_the_same_data_folder_starts_no_redis(tmp_path: Path) -> None:
    """While one server runs on ./data, a second on another port exits 1 and starts no Redis."""
    folder = tmp_path / "data"
    first = ServeProcess(port=free_port(), env={"TIPLINE_DATA_DIR": str(folder)})
    try:
        await first.read_banner()
        running = redis_processes(folder)
        assert len(running) == 1
        second = serve_once(free_port(), folder)
        assert second.returncode == 1
        assert "is in use by another tipline serve" in second.stderr
        assert redis_processes(folder) == running
        await wait_for(first.healthy, what="the first server still healthy", timeout=30)
    finally:
        first.close()


async def test_second_server_on_a_taken_port_exits_before_its_store(tmp_path: Path) -> None:
    """A server whose port is taken says --port and never starts its embedded Redis."""
    holder = data_dir.listen("127.0.0.1", 0)
    try:
        port = holder.getsockname()[1]
        folder = tmp_path / "data"
        result = serve_once(port, folder)
        assert result.returncode == 1
        assert "choose another with --port" in result.stderr
        assert redis_processes(folder) == []
        assert not (folder / "redis").exists()
    finally:
        holder.close()
