"""The authorization matrix: every responder event and HTTP route for every kind of caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
import socketio

from tests.conftest import Peer, Server

Peers = Callable[[str], Peer]
# What each caller gets for each responder event on a DEMO incident: "ok" or an error code.
MATRIX: dict[str, dict[str, str]] = {
    "agent": {
        "incident:join": "ok", "incident:claim": "ok", "message:send": "ok",
        "messages:since": "ok", "incident:step": "ok", "report:phone": "ok",
    },
    "admin": {
        "incident:join": "ok", "incident:claim": "ok", "message:send": "ok",
        "messages:since": "ok", "incident:step": "ok", "report:phone": "ok",
    },
    "other_admin": {
        "incident:join": "not_found", "incident:claim": "not_found",
        "message:send": "not_found", "messages:since": "not_found",
        "incident:step": "not_found", "report:phone": "unknown_org",
    },
    "reporter": {
        "incident:join": "unknown_event", "incident:claim": "unknown_event",
        "message:send": "ok", "messages:since": "ok",
        "incident:step": "unknown_event", "report:phone": "unknown_event",
    },
}  # fmt: skip


def payload(event: str, incident_id: str) -> dict[str, Any]:
    payloads: dict[str, dict[str, Any]] = {
        "incident:join": {"incident_id": incident_id},
        "incident:claim": {"incident_id": incident_id},
        "message:send": {"incident_id": incident_id, "text": "are you safe?", "client_id": "c"},
        "messages:since": {"incident_id": incident_id, "after_seq": 0},
        "incident:step": {"incident_id": incident_id, "action": "law_enforcement"},
        "report:phone": {"org_code": "DEMO", "text": "caller reports a fight"},
    }
    return payloads[event]


async def caller(server: Server, peers: Peers, who: str, incident_id: str) -> Peer:
    if who == "reporter":
        # A reporter of another incident of the same school.
        peer = peers("/report")
        await peer.connect(server.url, {"org_code": "DEMO"})
        assert (await peer.call("report:create", {"text": "unrelated report"}))["ok"]
        return peer
    token = {
        "agent": server.agent_token,
        "admin": server.admin_token,
        "other_admin": server.other_admin_token,
    }[who]
    peer = peers("/respond")
    await peer.connect(server.url, {"token": token})
    return peer


@pytest.mark.parametrize("who", list(MATRIX))
async def test_responder_events_allow_and_refuse_per_role(
    tipline_server: Server, peers: Peers, who: str
) -> None:
    """Each caller gets exactly the matrix's answer for each event on a DEMO incident."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": "a boy brought a knife to school"})
    peer = await caller(tipline_server, peers, who, filed["incident_id"])
    got = {}
    for event in MATRIX[who]:
        ack = await peer.call(event, payload(event, filed["incident_id"]))
        got[event] = "ok" if ack["ok"] else ack["error"]["code"]
        if who == "reporter" and event == "messages:since":
            # The reporter's own conversation only, never the incident named in the payload.
            assert all(m["incident_id"] != filed["incident_id"] for m in ack["messages"])
    assert got == MATRIX[who]
    if who in {"reporter", "other_admin"}:
        # Whatever they sent went to their own conversation, never into this incident.
        assert await tipline_server.running.store.since(filed["incident_id"], 0) == []


@pytest.mark.parametrize("who", ["agent", "admin", "other_admin"])
async def test_incident_list_shows_only_what_each_may_see(
    tipline_server: Server, peers: Peers, who: str
) -> None:
    """Agents list both schools; each admin lists only their own school's incidents."""
    for org in ("DEMO", "OTHER"):
        reporter = peers("/report")
        await reporter.connect(tipline_server.url, {"org_code": org})
        assert (await reporter.call("report:create", {"text": f"report at {org}"}))["ok"]
    peer = await caller(tipline_server, peers, who, "")
    listed = await peer.call("incident:list", {"status": "all"})
    expected = {"agent": {"DEMO", "OTHER"}, "admin": {"DEMO"}, "other_admin": {"OTHER"}}[who]
    assert {i["org_code"] for i in listed["incidents"]} == expected


@pytest.mark.parametrize("auth", [{"token": "forged"}, {}, None, {"org_code": "DEMO"}])
async def test_respond_namespace_refuses_without_a_valid_token(
    tipline_server: Server, peers: Peers, auth: Any
) -> None:
    """A bad token, no token or a reporter's access code cannot open /respond at all."""
    peer = peers("/respond")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect(tipline_server.url, auth)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/", 200),
        ("GET", "/console", 200),
        ("GET", "/nope", 404),
        ("GET", "/static/../tipline/app.py", 404),
        ("POST", "/healthz", 405),
        ("GET", "/socket.io/?EIO=4&transport=polling&t=x", 200),
    ],
)
async def test_http_routes_are_public_pages_only_and_hardened(
    tipline_server: Server, method: str, path: str, status: int
) -> None:
    """HTTP serves pages and health only (no incident data), each with the security headers."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, tipline_server.url + path) as response,
    ):
        body = await response.text()
        assert response.status == status
        assert "TL-" not in body
        headers = response.headers
        if path.startswith("/socket.io"):
            return
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
