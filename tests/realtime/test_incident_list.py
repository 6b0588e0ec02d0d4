"""`incident:list` on the wire: paged with `before` and `limit`, `next` in the ack (issue #19)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tests.adapters.test_redis_store import incident
from tests.conftest import Peer, Server
from tipline import models

Peers = Callable[[str], Peer]


async def test_console_pages_through_the_list_with_next(
    tipline_server: Server, peers: Peers
) -> None:
    """limit 2 over five reports: three pages that hold each once, then `next` is null; an
    old call without paging gets them all and `next` null; a bad cursor is bad_request."""
    store = tipline_server.running.store
    for n in range(5):
        routine = dataclasses.replace(incident(n), urgency=models.Urgency.ROUTINE)
        await store.create(routine, receipt_hash=f"h{n}")
    agent = peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    pages = []
    ack = await agent.call("incident:list", {"status": "open", "limit": 2})
    while True:
        assert ack["ok"], ack
        pages.append([i["incident_id"] for i in ack["incidents"]])
        if ack["next"] is None:
            break
        ack = await agent.call(
            "incident:list", {"status": "open", "limit": 2, "before": ack["next"]}
        )
    assert pages == [
        ["TL-TEST00004", "TL-TEST00003"],
        ["TL-TEST00002", "TL-TEST00001"],
        ["TL-TEST00000"],
    ]
    old = await agent.call("incident:list", {})
    assert len(old["incidents"]) == 5
    assert old["next"] is None
    for bad in ({"before": "nope"}, {"limit": 0}, {"limit": 501}, {"before": 3}):
        refused = await agent.call("incident:list", bad)
        assert refused["error"]["code"] == "bad_request", bad
