"""Redis lost after a case, `tipline db rebuild-live` refills it from the record: the reporter
comes back with the receipt, the chat goes on at the next seq, the pending re-page fires once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from tests import postgres
from tests.clock import FakeClock
from tests.conftest import REDIS_URL, RING_LINE, Peer, Server, server_settings, wait_for
from tests.e2e.test_escalation import EMERGENCY, TWO_AM
from tipline import app


@contextlib.asynccontextmanager
async def serve(
    prefix: str, tmp_path: Path, database_url: str, clock: FakeClock
) -> AsyncIterator[Server]:
    """The service in this process on the test's prefix and record (kept across restarts)."""
    config = server_settings(prefix, tmp_path, database_url=database_url, sweep_interval_s=0.05)
    async with app.running(config, clock=clock) as running:

        async def ready() -> bool:
            return running.triage.ready

        await wait_for(ready, what="triage ready")
        yield Server(
            url=running.url,
            agent_token="agent-token-" + prefix,
            admin_token="admin-token-" + prefix,
            other_admin_token="other-admin-token-" + prefix,
            prefix=prefix,
            running=running,
        )


async def rebuild_live(
    prefix: str, tmp_path: Path, database_url: str, *options: str
) -> tuple[int, str, str]:
    """`tipline db rebuild-live` as an operator runs it: (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")} | {
        "TIPLINE_DATABASE_URL": database_url,
        "TIPLINE_REDIS_URL": REDIS_URL,
        "TIPLINE_KEY_PREFIX": prefix,
        "TIPLINE_DATA_DIR": str(tmp_path / "data"),
        "TIPLINE_DATA_KEY": RING_LINE,  # the test servers' data key
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tipline.cli", "db", "rebuild-live", *options,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def lose_redis(client: aioredis.Redis, prefix: str) -> None:
    """FLUSHALL of a shared Redis: every key of this deployment (its prefix) goes."""
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    await client.delete(*keys)


async def _case(server: Server) -> tuple[str, str, dict[int, str]]:
    """An unclaimed emergency, messages both ways; (incident id, receipt, seq -> text)."""
    reporter = Peer("/report")
    agent = Peer("/respond")
    try:
        await reporter.connect(server.url, {"org_code": "DEMO"})
        filed = await reporter.call("report:create", {"text": EMERGENCY})
        assert filed["ok"], filed
        incident_id = filed["incident_id"]
        await agent.connect(server.url, {"token": server.agent_token})
        sent: dict[int, str] = {}
        for i in range(3):
            mine = await reporter.call("message:send", {"text": f"r{i}", "client_id": f"r{i}"})
            sent[mine["seq"]] = f"r{i}"
            reply = {"incident_id": incident_id, "text": f"a{i}", "client_id": f"a{i}"}
            theirs = await agent.call("message:send", reply)
            assert theirs["ok"], theirs
            sent[theirs["seq"]] = f"a{i}"
    finally:
        await reporter.close()
        await agent.close()
    return incident_id, filed["receipt"], sent


async def test_after_redis_is_lost_rebuild_live_resumes_the_case(
    prefix: str, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    """Refused while Redis holds the case, a dry run writes nothing; after the loss and a
    rebuild the receipt opens the case, its history is whole, the next message is seq n + 1,
    and the pending re-page fires once."""
    clock = FakeClock(TWO_AM)
    async with postgres.schema() as database_url:
        async with serve(prefix, tmp_path, database_url, clock) as first:
            incident_id, receipt, sent = await _case(first)
            live = await first.running.store.since(incident_id, 0)
            assert {m.seq for m in live} >= set(sent)
            database = first.running.database
            assert database is not None

            async def archived() -> bool:
                stored = await database.record.messages(incident_id)
                return [m.seq for m in stored] == [m.seq for m in live]

            await wait_for(archived, what="the case in the record")
        n = live[-1].seq

        code, _, err = await rebuild_live(prefix, tmp_path, database_url)
        assert code == 1
        assert "already holds 1 incidents" in err
        await lose_redis(redis_client, prefix)

        code, out, _ = await rebuild_live(prefix, tmp_path, database_url, "--dry-run")
        assert code == 0
        assert f"would write: 1 incidents, {n} messages" in out
        assert [k async for k in redis_client.scan_iter(match=f"{prefix}:*")] == []

        code, out, err = await rebuild_live(prefix, tmp_path, database_url)
        assert code == 0, err
        assert f"written: 1 incidents, {n} messages, 1 receipts, 1 deadlines" in out
        assert "written so far: 1 incidents" in err

        async with serve(prefix, tmp_path, database_url, clock) as second:
            reporter = Peer("/report")
            agent = Peer("/respond")
            try:
                await reporter.connect(second.url, {"receipt": receipt})
                history = await reporter.call("messages:since", {"after_seq": 0})
                assert [m["seq"] for m in history["messages"]] == list(range(1, n + 1))
                assert {m["seq"]: m["text"] for m in history["messages"] if m["seq"] in sent} == (
                    sent
                )
                again = await reporter.call("message:send", {"text": "hello?", "client_id": "x"})
                assert again == {"ok": True, "seq": n + 1}

                await agent.connect(second.url, {"token": second.agent_token})
                joined: dict[str, Any] = await agent.call(
                    "incident:join", {"incident_id": incident_id}
                )
                assert joined["ok"], joined
                assert joined["incident"]["status"] == "open"
                assert [m["seq"] for m in joined["messages"]] == list(range(1, n + 2))

                clock.advance(181)  # past the demo school's 180 s claim timeout
                await agent.received("incident:alert")
                sweeps = second.running.deadlines

                async def repaged_and_swept() -> bool:  # the sweeper ran on after the fire
                    incident = await second.running.store.get(incident_id)
                    due = await sweeps.next_due()
                    return incident is not None and due is not None and due > clock.now()

                await wait_for(repaged_and_swept, what="the next re-page scheduled")
                incident = await second.running.store.get(incident_id)
                assert incident is not None
                assert [s.action for s in incident.escalation].count("repage") == 1
            finally:
                await reporter.close()
                await agent.close()
