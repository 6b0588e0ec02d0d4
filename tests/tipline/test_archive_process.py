"""The archive worker in a process of its own (TIPLINE_ARCHIVE_WORKER=process)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from adapters.record import pool
from adapters.record.store import PostgresRecord
from adapters.redis_store import RedisStore
from tests import postgres
from tests.conftest import (
    REDIS_URL,
    RING,
    RING_LINE,
    Peers,
    file_report,
    healthz,
    responder,
    start_server,
    wait_for,
)
from tests.escalation import factories
from tests.procs import ServeProcess, free_port
from tipline import archive_process, credentials, models

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` and that run `tipline archive`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"archive" in cmdline and b"tipline.cli" in cmdline:
            found.append(int(entry.name))
    return found


def _nice(pid: int) -> int:
    """The process's niceness (field 19 of /proc/PID/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _ended(pid: int) -> bool:
    """`pid` is gone, or dead and waiting for its parent to reap it (a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_a_case_reaches_the_record_through_the_worker_process(
    prefix: str, tmp_path: Path, peers: Peers
) -> None:
    """With the worker in its own process, a report and its messages reach the record
    (written by that process: this one runs no worker), the worker runs 10 nicer than the
    server (the default), and leaving the server stops it."""
    async with start_server(prefix, tmp_path, archive_worker="process") as server:

        async def spawned() -> bool:
            return len(_children(os.getpid())) == 1

        await wait_for(spawned, what="one `tipline archive` process", timeout=20)
        (worker,) = _children(os.getpid())
        nicer = min(19, os.nice(0) + 10)

        async def niced() -> bool:
            return _nice(worker) == nicer

        await wait_for(niced, what=f"the worker at niceness {nicer}", timeout=20)
        reporter, ack = await file_report(server, peers, "someone wrote a threat on the wall")
        agent = await responder(server, peers, server.agent_token)
        incident_id = ack["incident_id"]
        sent = {}
        for i in range(5):
            mine = await reporter.call("message:send", {"text": f"r {i}", "client_id": f"r{i}"})
            sent[mine["seq"]] = f"r {i}"
            reply = {"incident_id": incident_id, "text": f"a {i}", "client_id": f"a{i}"}
            theirs = await agent.call("message:send", reply)
            sent[theirs["seq"]] = f"a {i}"
        database = server.running.database
        assert database is not None

        async def archived() -> bool:
            got = {m.seq: m.text for m in await database.record.messages(incident_id)}
            return all(got.get(seq) == text for seq, text in sent.items())

        await wait_for(archived, what="the messages in the record", timeout=15)
        assert (await database.record.incident(incident_id)) is not None
    with pytest.raises(ProcessLookupError):  # reaped: stopped with the server
        os.kill(worker, 0)


async def test_a_killed_worker_is_started_again_and_healthz_counts_it(
    prefix: str, tmp_path: Path
) -> None:
    """`/healthz`'s `archive` says where the worker runs and that it is up; a worker killed
    with SIGKILL is started again (a new process, after the first wait of 1 s) and counted
    in `worker_restarts`; inline servers say `inline` and nothing of a process."""
    async with start_server(prefix, tmp_path, archive_worker="process") as server:

        async def spawned() -> bool:
            return len(_children(os.getpid())) == 1

        await wait_for(spawned, what="one `tipline archive` process", timeout=20)
        (first,) = _children(os.getpid())
        archive = (await healthz(server))[1]["archive"]
        assert (archive["worker"], archive["worker_up"], archive["worker_restarts"]) == (
            "process",
            True,
            0,
        )
        os.kill(first, signal.SIGKILL)

        async def replaced() -> bool:
            now = (await healthz(server))[1]["archive"]
            return bool(
                now["worker_restarts"] == 1
                and now["worker_up"]
                and _children(os.getpid()) not in ([], [first])
            )

        await wait_for(replaced, what="the worker started again and counted", timeout=20)
    async with start_server(prefix + "-inline", tmp_path / "inline") as inline:
        archive = (await healthz(inline))[1]["archive"]
        assert archive["worker"] == "inline"
        assert "worker_up" not in archive


async def test_a_worker_that_dies_is_started_again() -> None:
    """A worker process that ends on its own is started again after the wait, and the
    stop ends the one running."""
    process = archive_process.ArchiveProcess(
        b"", argv=("sleep", "0.2"), restart_s=(0.1, 0.1), stop_timeout_s=1.0
    )
    stop = asyncio.Event()
    running = asyncio.create_task(process.run(stop))

    async def restarted() -> bool:
        return process.starts >= 3

    await wait_for(restarted, what="the worker started three times", timeout=10)
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert process.pid is None


async def test_serve_killed_outright_leaves_no_worker(tmp_path: Path) -> None:
    """`tipline serve` with the worker in a process, killed with SIGKILL: the kernel's
    parent-death signal stops the worker too (and demo mode's Redis and PostgreSQL)."""
    serve = ServeProcess(
        port=free_port(),
        env={"TIPLINE_DATA_DIR": str(tmp_path / "data"), "TIPLINE_ARCHIVE_WORKER": "process"},
    )
    try:
        await serve.read_banner()

        async def spawned() -> bool:
            return len(_children(serve.process.pid)) == 1

        await wait_for(spawned, what="serve's `tipline archive` process", timeout=30)
        (worker,) = _children(serve.process.pid)
        serve.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(serve.process.wait)

        async def gone() -> bool:
            return _ended(worker)

        await wait_for(gone, what="the worker gone after serve's SIGKILL", timeout=15)
    finally:
        serve.close()


async def test_tipline_archive_run_by_hand_archives_and_stops_on_sigterm(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """`tipline archive` started by an operator (the stores by URL, the keys as for serve)
    writes what the live path acknowledged into the record and ends with 0 on SIGTERM;
    without a database URL it refuses to start, saying which setting is missing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")} | {
        "TIPLINE_REDIS_URL": REDIS_URL,
        "TIPLINE_KEY_PREFIX": prefix,
        "TIPLINE_DATA_DIR": str(tmp_path / "data"),
        "TIPLINE_SECRET_KEY": "test-server-key-for-" + prefix,
        "TIPLINE_DATA_KEY": RING_LINE,
    }
    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tipline.cli", "archive"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "TIPLINE_DATABASE_URL" in refused.stderr
    async with postgres.schema() as database_url:
        connections = await pool.open_migrated(database_url)
        record = PostgresRecord(connections, RING)
        await record.upsert_organization(factories.org())
        live = RedisStore(
            redis_client,
            prefix=prefix,
            key=credentials.key_from_text(env["TIPLINE_SECRET_KEY"], where="test"),
            ring=RING,
        )
        incident = factories.incident()
        await live.create(incident, receipt_hash="sealed-receipt")
        await live.append(
            incident.incident_id,
            sender=models.Sender.REPORTER,
            text="written before the worker started",
            at=factories.SCHOOL_HOURS,
            dedupe_key=None,
        )
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tipline.cli",
            "archive",
            env=env | {"TIPLINE_DATABASE_URL": database_url},
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:

            async def archived() -> bool:
                got = await record.messages(incident.incident_id)
                return [m.text for m in got] == ["written before the worker started"]

            await wait_for(archived, what="the message in the record", timeout=30)
            worker.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(worker.wait(), 15) == 0
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
            await connections.close()
