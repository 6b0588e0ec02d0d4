"""Reporters and responders over real Socket.IO connections to the real server and Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio

from tests.conftest import Peers, Server, file_report, responder
from tipline import credentials, models


async def test_report_reaches_agents_and_own_admins_only(
    tipline_server: Server, peers: Peers
) -> None:
    """A new report is pushed to agents and its school's admins, never to another school's."""
    agent = await responder(tipline_server, peers, tipline_server.agent_token)
    admin = await responder(tipline_server, peers, tipline_server.admin_token)
    other = await responder(tipline_server, peers, tipline_server.other_admin_token)
    _, ack = await file_report(tipline_server, peers)
    for peer in (agent, admin):
        (incident,) = await peer.received("incident:new")
        assert incident["incident_id"] == ack["incident_id"]
        assert incident["org_code"] == "DEMO"
        assert incident["urgency"] in {"emergency", "urgent", "routine"}
        assert incident["escalation"][0]["action"] == "triage"
    listed = await other.call("incident:list", {})
    assert listed == {"ok": True, "incidents": [], "next": None}
    assert "incident:new" not in other.events


async def test_messages_flow_both_ways_with_gap_free_seq(
    tipline_server: Server, peers: Peers
) -> None:
    """Reporter and responder chat; every message has the next seq and reaches the other."""
    reporter, ack = await file_report(tipline_server, peers)
    agent = await responder(tipline_server, peers, tipline_server.agent_token)
    joined = await agent.call("incident:join", {"incident_id": ack["incident_id"]})
    assert joined["ok"]
    assert joined["incident"]["incident_id"] == ack["incident_id"]
    seqs = []
    for i in range(3):
        sent = await reporter.call(
            "message:send", {"text": f"from reporter {i}", "client_id": f"r{i}"}
        )
        seqs.append(sent["seq"])
        reply = await agent.call(
            "message:send",
            {"incident_id": ack["incident_id"], "text": f"from agent {i}", "client_id": f"a{i}"},
        )
        seqs.append(reply["seq"])
    # The agent's first reply comes after the "joined" system line (seq 2), once.
    assert seqs == [1, 3, 4, 5, 6, 7]
    to_agent = await agent.received("message", 4)
    from_reporter = [m for m in to_agent if m["from"] == "reporter"]
    assert [m["text"] for m in from_reporter] == [f"from reporter {i}" for i in range(3)]
    assert all(m["incident_id"] == ack["incident_id"] for m in to_agent)
    to_reporter = await reporter.received("message", 4)
    assert [(m["seq"], m["from"]) for m in to_reporter[:1]] == [(2, "system")]
    assert [m["text"] for m in to_reporter[1:]] == [f"from agent {i}" for i in range(3)]


async def test_reporter_catches_up_after_reconnecting_with_receipt(
    tipline_server: Server, peers: Peers
) -> None:
    """A reporter who was away gets exactly the messages written meanwhile, once each."""
    reporter, ack = await file_report(tipline_server, peers)
    agent = await responder(tipline_server, peers, tipline_server.agent_token)
    await agent.call("incident:join", {"incident_id": ack["incident_id"]})
    await agent.call("incident:claim", {"incident_id": ack["incident_id"]})
    await reporter.received("message")
    last_seen = reporter.events["message"][-1]["seq"]
    await reporter.close()
    for i in range(3):
        sent = await agent.call(
            "message:send",
            {"incident_id": ack["incident_id"], "text": f"are you safe? {i}", "client_id": f"m{i}"},
        )
        assert sent["ok"]
    back = peers("/report")
    await back.connect(tipline_server.url, {"receipt": ack["receipt"]})
    missed = await back.call("messages:since", {"after_seq": last_seen})
    assert [m["text"] for m in missed["messages"]] == [f"are you safe? {i}" for i in range(3)]
    assert [m["seq"] for m in missed["messages"]] == [last_seen + 1, last_seen + 2, last_seen + 3]
    own = await back.call("report:get", {})
    assert own["ok"]
    assert own["incident_id"] == ack["incident_id"]
    assert own["text"] == "someone keeps shoving me in the hallway"
    assert own["status"] == "open"
    # The receipt works whatever its case and dashes, as a person may type it.
    typed = peers("/report")
    await typed.connect(tipline_server.url, {"receipt": ack["receipt"].lower().replace("-", " ")})
    assert (await typed.call("messages:since", {"after_seq": 0}))["ok"]


async def test_resent_client_id_is_stored_once(tipline_server: Server, peers: Peers) -> None:
    """Sending the same client_id twice acks the same seq and stores one message."""
    reporter, _ = await file_report(tipline_server, peers)
    first = await reporter.call("message:send", {"text": "hello?", "client_id": "same"})
    again = await reporter.call("message:send", {"text": "hello?", "client_id": "same"})
    assert first == again == {"ok": True, "seq": 1}
    history = await reporter.call("messages:since", {"after_seq": 0})
    assert [m["text"] for m in history["messages"]] == ["hello?"]


@pytest.mark.parametrize(
    "auth",
    [
        {"org_code": "NOPE"},
        {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"},
        {"receipt": 12},
        {},
        None,
    ],
)
async def test_wrong_code_or_receipt_is_refused(
    tipline_server: Server, peers: Peers, auth: Any
) -> None:
    """A wrong access code, unknown receipt or missing auth refuses the connection."""
    peer = peers("/report")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect(tipline_server.url, auth)


@pytest.mark.parametrize("token", ["not-a-token", "", None])
async def test_bad_responder_token_is_refused(
    tipline_server: Server, peers: Peers, token: Any
) -> None:
    """/respond refuses a connection without a known token."""
    peer = peers("/respond")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect(tipline_server.url, {"token": token})


async def test_twenty_simultaneous_claims_have_one_winner(
    tipline_server: Server, peers: Peers
) -> None:
    """Twenty responders claim at once: one ok, nineteen already_claimed."""
    store = tipline_server.running.store
    tokens = []
    for i in range(20):
        token = f"claim-agent-{i}-{tipline_server.prefix}"
        agent = models.Responder(
            responder_id=f"agent-{i}", name=f"Agent {i}", role=models.Role.AGENT
        )
        await store.put_responder(agent, credentials.token_hash(token))
        tokens.append(token)
    _, ack = await file_report(tipline_server, peers)
    agents = [await responder(tipline_server, peers, t) for t in tokens]
    results = await asyncio.gather(
        *(a.call("incident:claim", {"incident_id": ack["incident_id"]}) for a in agents)
    )
    winners = [r for r in results if r["ok"]]
    assert len(winners) == 1
    losers = [r["error"]["code"] for r in results if not r["ok"]]
    assert losers == ["already_claimed"] * 19
    holder = winners[0]["claimed_by"]
    again = await agents[int(holder.split("-")[1])].call(
        "incident:claim", {"incident_id": ack["incident_id"]}
    )
    assert again["ok"]
    assert again["claimed_by"] == holder
    stored = await store.get(ack["incident_id"])
    assert stored is not None
    assert stored.claimed_by == holder
    assert [s.action for s in stored.escalation].count("claim") == 1


async def test_admin_cannot_see_or_touch_another_schools_incident(
    tipline_server: Server, peers: Peers
) -> None:
    """Another school's admin gets not_found for everything about an incident, as if absent."""
    _, ack = await file_report(tipline_server, peers)
    other = await responder(tipline_server, peers, tipline_server.other_admin_token)
    ref = {"incident_id": ack["incident_id"]}
    attempts = [
        await other.call("incident:join", ref),
        await other.call("incident:claim", ref),
        await other.call("messages:since", {**ref, "after_seq": 0}),
        await other.call("message:send", {**ref, "text": "hi", "client_id": "x"}),
    ]
    assert [a["error"]["code"] for a in attempts] == ["not_found"] * 4
    unknown = await other.call("incident:join", {"incident_id": "TL-DOESNOTEXIST"})
    assert unknown["error"] == attempts[0]["error"]


async def test_health_reports_store_and_triage(tipline_server: Server) -> None:
    """/healthz answers 200 with redis up once the service is ready, with security headers."""
    import aiohttp  # noqa: PLC0415

    async with (
        aiohttp.ClientSession() as session,
        session.get(tipline_server.url + "/healthz") as response,
    ):
        body = await response.json()
        assert response.status == 200
        assert body["ok"] is True
        assert body["redis"] == "up"
        assert body["triage"] == "ready"
        assert body["engine"] == "rules"  # the tests run on the safety net alone, by choice
        assert body["degraded"] is False
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
