"""The embedded Redis is reachable by this process only (issue #19, item 5): no TCP port, a
socket in a 0700 folder, a password, no CONFIG, and files no other local user can read."""

from __future__ import annotations

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from adapters.embedded_redis import EmbeddedRedis


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    # An older version's data folder: 0755, with a world-readable AOF in it.
    folder = tmp_path / "data" / "redis"
    folder.mkdir(parents=True)
    folder.chmod(0o755)
    (folder / "appendonly.aof").write_bytes(b"")
    (folder / "appendonly.aof").chmod(0o644)
    server = EmbeddedRedis(folder)
    server.start()
    yield server
    server.stop()


def test_files_and_folder_are_private(embedded: EmbeddedRedis) -> None:
    """The data folder is 0700 and the AOF, log and config in it are 0600, also when an
    older version left them 0755 and 0644."""
    client = redis.Redis.from_url(embedded.url)
    client.set("k", "v")
    client.close()
    assert mode(embedded.data_dir) == 0o700
    for name in ("appendonly.aof", "redis.log", "redis.conf"):
        assert mode(embedded.data_dir / name) == 0o600, name


def test_no_tcp_port_and_a_password(embedded: EmbeddedRedis) -> None:
    """It listens on a Unix socket only, which refuses every command without the password
    (the password is not on the command line), and CONFIG does not exist."""
    assert embedded.url.startswith("unix://")
    assert embedded.pid is not None
    cmdline = Path(f"/proc/{embedded.pid}/cmdline").read_bytes()
    assert embedded.password.encode() not in cmdline
    assert mode(embedded.socket_path) & 0o077 == 0
    listening = Path("/proc/net/tcp").read_text() + Path("/proc/net/tcp6").read_text()
    inodes = {
        link.readlink().name[len("socket:[") : -1]
        for link in Path(f"/proc/{embedded.pid}/fd").iterdir()
        if link.readlink().name.startswith("socket:")
    }
    assert not [row for row in listening.splitlines()[1:] if row.split()[9] in inodes]
    anonymous = redis.Redis(unix_socket_path=str(embedded.socket_path))
    with pytest.raises(redis.AuthenticationError):
        anonymous.set("forged", "agent")
    anonymous.close()
    client = redis.Redis.from_url(embedded.url)
    with pytest.raises(redis.ResponseError, match="unknown command"):
        client.config_set("dir", str(embedded.data_dir.parent))
    client.close()


def test_restart_keeps_socket_password_and_data(embedded: EmbeddedRedis) -> None:
    """Stopped and started again, the same object answers at the same URL with its data."""
    client = redis.Redis.from_url(embedded.url)
    client.set("kept", "1")
    embedded.stop()
    embedded.start()
    assert client.get("kept") == b"1"
    client.close()
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(str(embedded.socket_path))
