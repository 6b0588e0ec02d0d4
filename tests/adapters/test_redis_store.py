"""The Redis store against the real Redis: seq, dedupe, claims, compare-and-set, indexes."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest

from adapters.redis_store import RedisStore, StoreError
from tipline import credentials, demo, models
from tipline.ports import Budget, BudgetSpent, Claimed

T0 = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


def incident(n: int = 0, org: str = "DEMO") -> models.Incident:
    triage = models.Triage(
        urgency=models.Urgency.URGENT,
        category=models.Category.BULLYING,
        language="en",
        confidence=0.7,
        reasons=("mentions being pushed",),
    )
    return models.Incident(
        incident_id=f"TL-TEST{n:05d}",
        org_code=org,
        text=f"report number {n}",
        channel=models.Channel.WEB,
        created_at=T0 + dt.timedelta(minutes=n),
        triage=triage,
        urgency=triage.urgency,
        category=triage.category,
        policy=demo.organization().policy,
        escalation=(models.Step(at=T0, by="triage", action="triage"),),
        version=1,
    )


async def test_incident_round_trips(store: RedisStore) -> None:
    """An incident reads back equal to what was written, policy and trail included."""
    original = incident()
    await store.create(original, receipt_hash="h1")
    assert await store.get(original.incident_id) == original
    assert await store.by_receipt("h1") == original.incident_id
    assert await store.get("TL-MISSING") is None


async def test_concurrent_appends_get_gap_free_seq(store: RedisStore) -> None:
    """Fifty appends at once get seq 1..50 with no gap and no repeat."""
    await store.create(incident(), receipt_hash="h")
    results = await asyncio.gather(
        *(
            store.append("TL-TEST00000", sender=models.Sender.REPORTER, text=f"m{i}", at=T0,
                         dedupe_key=f"c{i}")
            for i in range(50)
        )
    )  # fmt: skip
    assert sorted(r.message.seq for r in results) == list(range(1, 51))
    stored = await store.since("TL-TEST00000", 0)
    assert [m.seq for m in stored] == list(range(1, 51))
    assert {m.text for m in stored} == {f"m{i}" for i in range(50)}


async def test_duplicate_client_id_returns_the_original(store: RedisStore) -> None:
    """A resent dedupe key writes nothing and returns the first message."""
    await store.create(incident(), receipt_hash="h")
    first = await store.append(
        "TL-TEST00000", sender=models.Sender.REPORTER, text="hi", at=T0, dedupe_key="k"
    )
    again = await store.append(
        "TL-TEST00000", sender=models.Sender.REPORTER, text="hi", at=T0, dedupe_key="k"
    )
    assert not first.duplicate
    assert again.duplicate
    assert again.message == first.message
    assert len(await store.since("TL-TEST00000", 0)) == 1


async def test_append_to_unknown_incident_writes_nothing(store: RedisStore) -> None:
    """Appending to an incident that does not exist fails and leaves no key behind."""
    with pytest.raises(StoreError):
        await store.append("TL-NOPE", sender=models.Sender.REPORTER, text="x", at=T0,
                           dedupe_key="k")  # fmt: skip
    assert await store.since("TL-NOPE", 0) == []


async def test_since_returns_only_later_messages(store: RedisStore) -> None:
    """`since(n)` returns the messages after seq n, in order."""
    await store.create(incident(), receipt_hash="h")
    for i in range(5):
        await store.append("TL-TEST00000", sender=models.Sender.SYSTEM, text=str(i), at=T0,
                           dedupe_key=None)  # fmt: skip
    assert [m.seq for m in await store.since("TL-TEST00000", 3)] == [4, 5]


async def test_claim_race_has_one_winner(store: RedisStore) -> None:
    """Ten claims at once: one taken, nine told who holds it; one claim step in the trail."""
    original = incident()
    await store.create(original, receipt_hash="h")

    async def claim(who: str) -> object:
        step = models.Step(at=T0, by=who, action="claim")
        claimed = dataclasses.replace(
            original, claimed_by=who, escalation=(*original.escalation, step)
        )
        return await store.claim(claimed, holder=who, expected_version=1, steps=[step])

    results = await asyncio.gather(*(claim(f"a{i}") for i in range(10)))
    taken = [r for r in results if isinstance(r, Claimed) and r.taken]
    assert len(taken) == 1
    holders = {r.holder for r in results if isinstance(r, Claimed)}
    assert holders == {taken[0].holder}
    assert all(isinstance(r, Claimed) for r in results)
    stored = await store.get("TL-TEST00000")
    assert stored is not None
    assert stored.claimed_by == taken[0].holder
    assert stored.version == 2
    assert [s.action for s in stored.escalation] == ["triage", "claim"]


async def test_claim_with_stale_version_is_retried_not_taken(store: RedisStore) -> None:
    """A claim computed from an old version is refused (None) so the caller reads again."""
    original = incident()
    await store.create(original, receipt_hash="h")
    assert await store.update(original, expected_version=1, steps=[])
    step = models.Step(at=T0, by="a", action="claim")
    claimed = dataclasses.replace(original, claimed_by="a")
    assert await store.claim(claimed, holder="a", expected_version=1, steps=[step]) is None
    stored = await store.get("TL-TEST00000")
    assert stored is not None
    assert stored.claimed_by is None


async def test_update_is_compare_and_set(store: RedisStore) -> None:
    """An update with a stale version is refused and changes nothing."""
    original = incident()
    await store.create(original, receipt_hash="h")
    step = models.Step(at=T0, by="a", action="set_urgency", urgency=models.Urgency.EMERGENCY)
    raised = dataclasses.replace(original, urgency=models.Urgency.EMERGENCY)
    updated = await store.update(raised, expected_version=1, steps=[step])
    assert updated is not None
    assert updated.version == 2
    stale = await store.update(raised, expected_version=1, steps=[step])
    assert stale is None
    stored = await store.get(original.incident_id)
    assert stored is not None
    assert stored.urgency is models.Urgency.EMERGENCY
    assert [s.action for s in stored.escalation] == ["triage", "set_urgency"]


async def test_list_is_newest_first_scoped_and_follows_status(store: RedisStore) -> None:
    """Listing filters by school and status, newest first, and follows a resolve."""
    for n, org in enumerate(["DEMO", "OTHER", "DEMO"]):
        await store.create(incident(n, org), receipt_hash=f"h{n}")
    ids = [i.incident_id for i in await store.list_incidents(org_code=None, status=None)]
    assert ids == ["TL-TEST00002", "TL-TEST00001", "TL-TEST00000"]
    demo_ids = [i.incident_id for i in await store.list_incidents(org_code="DEMO", status=None)]
    assert demo_ids == ["TL-TEST00002", "TL-TEST00000"]
    first = await store.get("TL-TEST00000")
    assert first is not None
    resolved = dataclasses.replace(first, status=models.Status.RESOLVED, state="resolved")
    assert await store.update(resolved, expected_version=first.version, steps=[])
    open_ids = [
        i.incident_id
        for i in await store.list_incidents(org_code="DEMO", status=models.Status.OPEN)
    ]
    assert open_ids == ["TL-TEST00002"]
    done = await store.list_incidents(org_code=None, status=models.Status.RESOLVED)
    assert [i.incident_id for i in done] == ["TL-TEST00000"]


async def test_responder_token_replacement(store: RedisStore) -> None:
    """A responder's new token works and the old one stops working."""
    agent = demo.agent()
    await store.put_responder(agent, credentials.token_hash("old"))
    assert await store.responder_by_token_hash(credentials.token_hash("old")) == agent
    await store.put_responder(agent, credentials.token_hash("new"))
    assert await store.responder_by_token_hash(credentials.token_hash("new")) == agent
    assert await store.responder_by_token_hash(credentials.token_hash("old")) is None


async def test_organization_round_trip_and_no_overwrite(store: RedisStore) -> None:
    """Organisations read back equal; overwrite=False keeps what is there."""
    org = demo.organization()
    assert await store.put_organization(org, overwrite=False)
    renamed = dataclasses.replace(org, name="Renamed")
    assert not await store.put_organization(renamed, overwrite=False)
    assert await store.organization("DEMO") == org
    assert await store.put_organization(renamed, overwrite=True)
    assert [o.name for o in await store.organizations()] == ["Renamed"]


async def test_budget_is_counted_in_the_append_and_duplicates_are_free(
    store: RedisStore,
) -> None:
    """Past its budget a side's append is refused and writes nothing; a resend costs nothing."""
    await store.create(incident(), receipt_hash="h")
    budget = Budget(limit=2, window_s=60)
    for key in ("a", "b"):
        await store.append("TL-TEST00000", sender=models.Sender.REPORTER, text=key, at=T0,
                           dedupe_key=key, budget=budget)  # fmt: skip
    again = await store.append("TL-TEST00000", sender=models.Sender.REPORTER, text="a", at=T0,
                               dedupe_key="a", budget=budget)  # fmt: skip
    assert again.duplicate
    with pytest.raises(BudgetSpent):
        await store.append("TL-TEST00000", sender=models.Sender.REPORTER, text="c", at=T0,
                           dedupe_key="c", budget=budget)  # fmt: skip
    other_side = await store.append("TL-TEST00000", sender=models.Sender.RESPONDER, text="d",
                                    at=T0, dedupe_key="d", budget=budget)  # fmt: skip
    assert other_side.message.seq == 3
    assert [m.text for m in await store.since("TL-TEST00000", 0)] == ["a", "b", "d"]
