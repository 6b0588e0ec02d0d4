"""What a single-machine `tipline serve` holds before it touches its store: the listening
socket and an exclusive lock on its data folder.

Two servers started on one `./data` used to start a second embedded Redis over the first one's
files and write their schools into the first one's store before failing on the busy port. Both
are now taken first, in this order, and each failure is one clear line for the operator.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from pathlib import Path

LOCK_NAME = "tipline.lock"


class StartupError(RuntimeError):
    """A reason `tipline serve` cannot start, said so that an operator can act on it."""


class PortInUseError(StartupError):
    """Another process listens on the address."""


class DataDirBusyError(StartupError):
    """Another `tipline serve` works in the data folder."""


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket for aiohttp's `SockSite`; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=1024)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on {host} is already in use (another tipline serve?); "
                "choose another with --port"
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


class DataDirLock:
    """An exclusive `flock` on `<data_dir>/tipline.lock`, held while the server runs.

    The kernel drops it when the process dies, however it dies, so a crash never leaves a
    stale lock behind (unlike a pid file)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirBusyError(
                f"the data folder {self.path.parent} is in use by another tipline serve; "
                "stop it, or give this one its own folder with TIPLINE_DATA_DIR"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
