"""With `redis_min_replicas` 1 the server acknowledges a report or a message only once the
replica has it: a hung replica turns acks into `unavailable` (nothing half-acknowledged),
and the client's retry with the same client id, once the replica is back, files it once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.conftest import Peer, start_server, wait_for
from tests.redis_sentinels import Group, replicated, replication_health

Peers = Callable[[str], Peer]


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Group]:
    async with replicated(tmp_path / "redis") as group:
        yield group


async def test_hung_replica_turns_acks_into_unavailable_and_retries_file_once(
    prefix: str, tmp_path: Path, peers: Peers, pair: Group
) -> None:
    """Replica paused: report:create and message:send answer `unavailable`; resumed: the
    same client ids are acknowledged, the report once, the message once under the next seq,
    and the replica holds everything acknowledged."""
    async with start_server(
        prefix, tmp_path, redis_url=pair.primary.url, redis_min_replicas=1,
        redis_replica_timeout_ms=200,
    ) as server:  # fmt: skip
        reporter = peers("/report")
        await reporter.connect(server.url, {"org_code": "DEMO"})
        first = {"text": "he said he will bring a gun", "client_id": "report-one-0000001"}
        filed = await reporter.call("report:create", first)
        assert filed["ok"], filed
        ack = await reporter.call("message:send", {"text": "one", "client_id": "m-1"})
        assert ack["ok"], ack

        pair.replica.pause()
        try:
            other = peers("/report")
            await other.connect(server.url, {"org_code": "DEMO"})
            second = {
                "text": "someone wrote a threat on the wall",
                "client_id": "report-two-0000002",
            }
            refused = await other.call("report:create", second)
            assert refused["ok"] is False
            assert refused["error"]["code"] == "unavailable", refused
            refused = await reporter.call("message:send", {"text": "two", "client_id": "m-2"})
            assert refused["ok"] is False
            assert refused["error"]["code"] == "unavailable", refused
        finally:
            pair.replica.resume()

        again = await other.call("report:create", second)
        assert again["ok"], again
        twice = await other.call("report:create", second)
        assert (twice["incident_id"], twice["receipt"]) == (again["incident_id"], again["receipt"])
        ack = await reporter.call("message:send", {"text": "two", "client_id": "m-2"})
        assert ack["ok"], ack
        history = await reporter.call("messages:since", {"after_seq": 0})
        mine = [(m["seq"], m["text"]) for m in history["messages"] if m["from"] == "reporter"]
        assert [text for _, text in mine] == ["one", "two"]
        seqs = [m["seq"] for m in history["messages"]]
        assert seqs == list(range(1, len(seqs) + 1))
        replica = pair.replica.client()
        try:
            keys = {k.decode() async for k in replica.scan_iter(match=f"{prefix}:*")}
        finally:
            await replica.aclose()
        assert any(again["incident_id"] in key for key in keys), sorted(keys)[:20]


async def test_healthz_names_the_primary_and_says_when_a_replica_falls_behind(
    prefix: str, tmp_path: Path, pair: Group
) -> None:
    """/healthz's `redis_replication`: the primary's address and its replica, `ok` while the
    replica keeps up, `behind` once it stops acknowledging, `ok` again when it is back."""
    async with start_server(
        prefix, tmp_path, redis_url=pair.primary.url, redis_min_replicas=1
    ) as server:

        async def state_is(wanted: str) -> bool:
            return bool((await replication_health(server))["state"] == wanted)

        await wait_for(lambda: state_is("ok"), what="replication ok", timeout=10)
        health = await replication_health(server)
        assert health["via"] == "direct"
        assert health["primary"] == pair.primary.address
        assert health["role"] == "primary"
        assert health["min_replicas"] == 1
        (replica,) = health["replicas"]
        assert replica["address"] == pair.replica.address
        assert replica["state"] == "online"
        assert replica["keeps_up"] is True

        pair.replica.pause()
        try:
            await wait_for(lambda: state_is("behind"), what="replication behind", timeout=20)
            (replica,) = (await replication_health(server))["replicas"]
            assert replica["keeps_up"] is False
            assert replica["lag_s"] > 2
        finally:
            pair.replica.resume()
        await wait_for(lambda: state_is("ok"), what="replication ok again", timeout=20)
