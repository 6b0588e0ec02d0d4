"""What sealing what people wrote costs in Redis (adapters/redis_codec.py), per message.

Three figures, each the median of `--rounds` rounds of `--n` calls, in µs a call:

- `KeyRing.seal` and `unseal` of one message's text (AES-256-GCM, a fresh nonce each);
- the codec's message path with and without the ring (`message_text` then `message_from`:
  what `RedisMessages.append` and a read add), and an incident's doc with 10 steps with notes
  (`incident_doc`, `step_json`, `incident_from`: each claim or step writes and reads it);
- with `--redis URL`, one `RedisMessages.append` round trip to that Redis, sealed and plain,
  to set the sealing beside what the call costs anyway (its keys are deleted afterwards).

    .venv/bin/python -m benchmarks.seal_bench [--n 20000] [--rounds 5] [--redis redis://...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable

import redis.asyncio as aioredis

from adapters import redis_codec, sealing
from adapters.redis_messages import RedisMessages
from tipline import models

TEXT = "he said it again at lunch today and i am scared to go to the gym after school " * 2
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def per_call_us(call: Callable[[], object], n: int, rounds: int) -> float:
    """The median over `rounds` of the mean µs of `n` calls."""
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            call()
        means.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(means)


def incident(notes: int) -> models.Incident:
    steps = tuple(
        models.Step(at=AT, by="agent", action="note", note=f"{TEXT[:60]} {i}") for i in range(notes)
    )
    return models.Incident(
        incident_id="TL-BENCH",
        org_code="DEMO",
        text=TEXT,
        channel=models.Channel.WEB,
        created_at=AT,
        triage=models.Triage(
            urgency=models.Urgency.URGENT,
            category=models.Category.BULLYING,
            language="en",
            confidence=0.9,
            reasons=("rules",),
        ),
        urgency=models.Urgency.URGENT,
        category=models.Category.BULLYING,
        escalation=steps,
        version=1,
    )


def codec_figures(ring: sealing.KeyRing, n: int, rounds: int) -> None:
    context = redis_codec.message_context("TL-BENCH")
    key_id, sealed = ring.seal(TEXT, context=context)
    print(f"text of {len(TEXT)} characters; {n} calls x {rounds} rounds, median, µs a call")
    seal_us = per_call_us(lambda: ring.seal(TEXT, context=context), n, rounds)
    open_us = per_call_us(lambda: ring.unseal(key_id, sealed, context=context), n, rounds)
    print(f"  KeyRing.seal                     {seal_us:7.2f}")
    print(f"  KeyRing.unseal                   {open_us:7.2f}")
    for name, which in (("plain", None), ("sealed", ring)):
        stored, k = redis_codec.message_text("TL-BENCH", TEXT, which)
        fields = {b"from": b"reporter", b"text": _bytes(stored), b"at": b"2026-03-02T10:00:00Z"}
        if k:
            fields[b"k"] = k.encode()

        def message(
            which: sealing.KeyRing | None = which, fields: dict[bytes, bytes] = fields
        ) -> None:
            redis_codec.message_text("TL-BENCH", TEXT, which)
            redis_codec.message_from("TL-BENCH", b"7-0", fields, which)

        print(f"  message write+read, {name:6}       {per_call_us(message, n, rounds):7.2f}")
    case = incident(notes=10)
    for name, which in (("plain", None), ("sealed", ring)):
        doc = redis_codec.incident_doc(case, which).encode()
        steps = [
            redis_codec.step_json(s, case.incident_id, which).encode() for s in case.escalation
        ]
        hash_fields = {b"doc": doc, b"status": b"open", b"version": b"1"}

        def whole(
            which: sealing.KeyRing | None = which,
            hash_fields: dict[bytes, bytes] = hash_fields,
            steps: list[bytes] = steps,
        ) -> None:
            redis_codec.incident_doc(case, which)
            redis_codec.incident_from(hash_fields, steps, which)

        print(f"  incident doc + 10 notes, {name:6}  {per_call_us(whole, n // 10, rounds):7.2f}")


async def redis_figures(url: str, ring: sealing.KeyRing, n: int, rounds: int) -> None:
    client = aioredis.Redis.from_url(url)
    prefix = f"bench-seal-{uuid.uuid4().hex[:8]}"
    try:
        print(f"RedisMessages.append, one at a time, to {url}: median µs a call")
        for name, which in (("plain", None), ("sealed", ring)):
            store = RedisMessages(client, prefix=f"{prefix}-{name}", ring=which)
            await client.hset(f"{prefix}-{name}:inc:{{TL-BENCH}}", mapping={"last_seq": 0})
            means = []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(n):
                    await store.append(
                        "TL-BENCH", sender=models.Sender.REPORTER, text=TEXT, at=AT, dedupe_key=None
                    )
                means.append((time.perf_counter() - start) / n * 1e6)
            print(f"  append, {name:6}                   {statistics.median(means):7.1f}")
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}-*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default=None, help="also time appends to this Redis")
    args = parser.parse_args()
    ring = sealing.parse(sealing.new_key_line("bench"))
    codec_figures(ring, args.n, args.rounds)
    if args.redis:
        asyncio.run(redis_figures(args.redis, ring, max(args.n // 10, 1), args.rounds))


if __name__ == "__main__":
    main()
