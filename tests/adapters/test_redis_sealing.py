"""What people wrote is sealed in Redis (adapters/redis_codec.py): the report's text, each
message's text and each step's note, under the data key ring, bound to their incident."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import redis.asyncio as aioredis

from adapters import redis_codec, redis_reseal, sealing
from adapters.redis_store import RedisStore
from adapters.slack_outbox import RedisSlackOutbox
from bot import jobs
from tests.conftest import RING
from tipline import demo, models

REPORT = "the red locker on floor three holds a knife, zebra-quartz-11"
MESSAGE = "i saw it at lunch, kiwi-obsidian-42"
NOTE = "called the counsellor, mango-basalt-73"
REASON = 'weapon: "holds a knife"'  # the rules quote the words that fired them
PLAIN = "written by an older version, walnut-plain-55"
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def incident(incident_id: str = "inc-seal") -> models.Incident:
    return models.Incident(
        incident_id=incident_id,
        org_code=demo.ORG_CODE,
        text=REPORT,
        channel=models.Channel.WEB,
        created_at=AT,
        triage=models.Triage(
            urgency=models.Urgency.URGENT,
            category=models.Category.WEAPON,
            language="en",
            confidence=0.9,
            reasons=(REASON,),
        ),
        urgency=models.Urgency.URGENT,
        category=models.Category.WEAPON,
        status=models.Status.OPEN,
        state="new",
        claimed_by=None,
        contact_index=0,
        policy=None,
        escalation=(models.Step(at=AT, by="agent", action="note", note=NOTE),),
        version=1,
    )


async def raw_dump(client: aioredis.Redis, prefix: str) -> bytes:
    """Every key and value under `prefix` as Redis holds it, read by type (not DUMP, which
    compresses), as one byte string to search."""
    out: list[bytes] = []
    async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        kind = redis_codec.text(await client.type(key))
        value: Any
        if kind == "string":
            value = [await client.get(key)]
        elif kind == "hash":
            value = [b for kv in (await client.hgetall(key)).items() for b in kv]
        elif kind == "list":
            value = await client.lrange(key, 0, -1)
        elif kind == "set":
            value = list(await client.smembers(key))
        elif kind == "zset":
            value = await client.zrange(key, 0, -1)
        else:  # stream
            entries: Any = await client.xrange(key)
            value = [b for _, f in entries for kv in f.items() for b in kv]
        out += [key, *value]
    return b"\n".join(out)


async def filed(store: RedisStore) -> models.Incident:
    case = incident()
    await store.create(case, receipt_hash="r" * 64)
    await store.append(
        case.incident_id, sender=models.Sender.REPORTER, text=MESSAGE, at=AT, dedupe_key="c1"
    )
    stored = await store.get(case.incident_id)
    assert stored is not None
    return stored


async def test_redis_holds_no_text_and_the_store_reads_it_back(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """Report, reasons, message and note are absent from every Redis value, and read back."""
    stored = await filed(store)
    step = models.Step(at=AT, by="agent", action="note", note=NOTE + " again")
    await store.update(stored, expected_version=stored.version, steps=[step])
    dump = await raw_dump(redis_client, prefix)
    for text in (REPORT, MESSAGE, NOTE, "zebra-quartz", "kiwi-obsidian", "mango-basalt"):
        assert text.encode() not in dump, text
    assert b"holds a knife" not in dump
    assert b"sealed_text" in dump  # the search sees the values at all
    again = await store.get(stored.incident_id)
    assert again is not None
    assert again.text == REPORT
    assert again.triage.reasons == (REASON,)
    assert [s.note for s in again.escalation] == [NOTE, NOTE + " again"]
    messages = await store.since(stored.incident_id, 0)
    assert [m.text for m in messages] == [MESSAGE]


async def test_a_duplicate_message_is_answered_opened(store: RedisStore) -> None:
    """A retried message (same client id) returns the stored original, opened."""
    stored = await filed(store)
    again = await store.append(
        stored.incident_id, sender=models.Sender.REPORTER, text="other", at=AT, dedupe_key="c1"
    )
    assert again.duplicate
    assert again.message.text == MESSAGE


async def test_values_stored_plain_before_sealing_are_read(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """An incident, note and message written plain (an older version) read through the ring."""
    await filed(RedisStore(redis_client, prefix=prefix))  # no ring: written as before
    dump = await raw_dump(redis_client, prefix)
    assert REPORT.encode() in dump  # the search can fail
    assert MESSAGE.encode() in dump
    sealed = RedisStore(redis_client, prefix=prefix, ring=RING)
    stored = await sealed.get("inc-seal")
    assert stored is not None
    assert (stored.text, stored.escalation[0].note) == (REPORT, NOTE)
    assert stored.triage.reasons == (REASON,)
    assert [m.text for m in await sealed.since("inc-seal", 0)] == [MESSAGE]
    # Its next write seals the report (the doc is written whole at each change).
    await sealed.update(stored, expected_version=stored.version, steps=[])
    doc: Any = await redis_client.hget(f"{prefix}:inc:{{inc-seal}}", "doc")
    assert REPORT.encode() not in doc


async def test_a_rotated_ring_opens_the_old_key_and_seals_with_the_new(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """After a rotation (new key first, old kept) old values open and new ones use the new id."""
    old_line = sealing.new_key_line("old")
    await filed(RedisStore(redis_client, prefix=prefix, ring=sealing.parse(old_line)))
    rotated = sealing.parse(f"{sealing.new_key_line('new')},{old_line}")
    store = RedisStore(redis_client, prefix=prefix, ring=rotated)
    stored = await store.get("inc-seal")
    assert stored is not None
    assert stored.text == REPORT
    await store.append(
        "inc-seal", sender=models.Sender.RESPONDER, text="on it", at=AT, dedupe_key=None
    )
    entries: Any = await redis_client.xrange(f"{prefix}:inc:{{inc-seal}}:msgs")
    assert [fields[b"k"] for _, fields in entries] == [b"old", b"new"]
    assert [m.text for m in await store.since("inc-seal", 0)] == [MESSAGE, "on it"]


async def test_a_sealed_value_moved_to_another_incident_does_not_open(
    store: RedisStore, redis_client: aioredis.Redis, prefix: str
) -> None:
    """A report's sealed doc copied into another incident's hash is refused, not misread."""
    await filed(store)
    other = dataclasses.replace(incident("inc-other"), text="nothing to see")
    await store.create(other, receipt_hash="s" * 64)
    doc: Any = await redis_client.hget(f"{prefix}:inc:{{inc-seal}}", "doc")
    assert doc is not None
    moved = doc.replace(b"inc-seal", b"inc-other")
    await redis_client.hset(f"{prefix}:inc:{{inc-other}}", "doc", moved)
    with pytest.raises(sealing.SealedError):
        await store.get("inc-other")


async def test_slack_jobs_are_sealed_handed_out_opened_and_popped(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """A Reply job's note is sealed in the outbox, claimed opened, and `done` pops it; a job
    queued plain by an older version is claimed as it is and popped too."""
    step = models.Step(at=AT, by="agent", action="note", note=NOTE)
    old = RedisSlackOutbox(redis_client, prefix=prefix)  # no ring: as before sealing
    await old.enqueue("inc-seal", [jobs.encode(jobs.Post())], once=None, now_ms=1)
    outbox = RedisSlackOutbox(redis_client, prefix=prefix, ring=RING)
    await outbox.enqueue("inc-seal", [jobs.encode(jobs.Reply(step))], once=None, now_ms=1)
    queue = f"{prefix}:slack:{{outbox}}:q:inc-seal"
    stored: Any = await redis_client.lrange(queue, 0, -1)
    assert stored[0] == jobs.encode(jobs.Post()).encode()  # the search can fail
    assert NOTE.encode() not in stored[1]
    assert stored[1].startswith(b"sealed:test:")
    for expected in (jobs.Post(), jobs.Reply(step)):
        (claimed,) = await outbox.claim(now_ms=2, limit=1)
        assert jobs.decode(claimed.body) == expected
        await outbox.done(claimed, now_ms=2)
    assert await redis_client.llen(queue) == 0


async def test_reseal_moves_the_live_copy_to_the_first_key_and_retires_the_old(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """Plain and old-key values (doc, notes, messages, Slack jobs) are sealed again under the
    new key; a ring of the new key alone then reads all; a second run writes nothing."""
    old_line, new_line = sealing.new_key_line("old"), sealing.new_key_line("new")
    await filed(RedisStore(redis_client, prefix=prefix, ring=sealing.parse(old_line)))
    plain = RedisStore(redis_client, prefix=prefix)  # an older version's writes, plain
    await plain.append(
        "inc-seal", sender=models.Sender.RESPONDER, text=PLAIN, at=AT, dedupe_key=None
    )
    step = models.Step(at=AT, by="agent", action="note", note=NOTE)
    await RedisSlackOutbox(redis_client, prefix=prefix).enqueue(
        "inc-seal", [jobs.encode(jobs.Reply(step))], once=None, now_ms=1
    )
    rotated = sealing.parse(f"{new_line},{old_line}")
    assert await redis_reseal.reseal(redis_client, prefix, rotated) == {
        "incidents": 1,
        "slack queues": 1,
    }
    assert await redis_reseal.reseal(redis_client, prefix, rotated) == {
        "incidents": 0,
        "slack queues": 0,
    }
    new_only = sealing.parse(new_line)
    store = RedisStore(redis_client, prefix=prefix, ring=new_only)
    stored = await store.get("inc-seal")
    assert stored is not None
    assert (stored.text, stored.escalation[0].note) == (REPORT, NOTE)
    assert [(m.seq, m.text) for m in await store.since("inc-seal", 0)] == [(1, MESSAGE), (2, PLAIN)]
    (claimed,) = await RedisSlackOutbox(redis_client, prefix=prefix, ring=new_only).claim(2, 1)
    assert jobs.decode(claimed.body) == jobs.Reply(step)
    assert stored.triage.reasons == (REASON,)
    dump = await raw_dump(redis_client, prefix)
    for text in (REPORT, NOTE, PLAIN, "holds a knife"):
        assert text.encode() not in dump, text
    entries: Any = await redis_client.xrange(f"{prefix}:inc:{{inc-seal}}:msgs")
    assert [fields[b"k"] for _, fields in entries] == [b"new", b"new"]


async def test_a_start_without_a_key_that_sealed_redis_values_is_refused(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    """check_keys names a missing key and a wrong key under a known id; after a reseal the
    old key may go and a ring of the new key alone passes."""
    old_line = sealing.new_key_line("old")
    await redis_reseal.check_keys(redis_client, prefix, sealing.parse(old_line))
    new_line = sealing.new_key_line("new")
    with pytest.raises(sealing.DataKeyError, match="'old', and that key is not configured"):
        await redis_reseal.check_keys(redis_client, prefix, sealing.parse(new_line))
    impostor = sealing.parse(sealing.new_key_line("old"))
    with pytest.raises(sealing.DataKeyError, match="'old', and the key configured under"):
        await redis_reseal.check_keys(redis_client, prefix, impostor)
    rotated = sealing.parse(f"{new_line},{old_line}")
    await redis_reseal.check_keys(redis_client, prefix, rotated)
    await redis_reseal.reseal(redis_client, prefix, rotated)
    await redis_reseal.check_keys(redis_client, prefix, sealing.parse(new_line))
    assert await redis_client.hkeys(f"{prefix}:datakeys") == [b"new"]
