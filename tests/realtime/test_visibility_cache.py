"""The remembered school of an incident (tipline/service.py `check_visible`) decides exactly
as a fresh read of the incident would: another school's admin is refused either way."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Peer, Server

Peers = Callable[[str], Peer]


async def test_other_school_is_refused_after_the_school_is_remembered(
    tipline_server: Server, peers: Peers
) -> None:
    """Once an agent's message made the process remember the incident's school, another
    school's admin still gets `not_found`, and the school's own admin still gets through."""
    reporter = peers("/report")
    await reporter.connect(tipline_server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": "someone took my phone"})
    incident_id = filed["incident_id"]
    agent, own, other = peers("/respond"), peers("/respond"), peers("/respond")
    await agent.connect(tipline_server.url, {"token": tipline_server.agent_token})
    await own.connect(tipline_server.url, {"token": tipline_server.admin_token})
    await other.connect(tipline_server.url, {"token": tipline_server.other_admin_token})
    message = {"incident_id": incident_id, "text": "are you safe?"}
    for n in range(2):  # the second round is answered from what the first remembered
        ack = await agent.call("message:send", message | {"client_id": f"agent-{n}"})
        assert ack["ok"], ack
        refused = await other.call("message:send", message | {"client_id": f"other-{n}"})
        assert refused["error"]["code"] == "not_found"
        since = await other.call("messages:since", {"incident_id": incident_id, "after_seq": 0})
        assert since["error"]["code"] == "not_found"
        ack = await own.call("message:send", message | {"client_id": f"own-{n}"})
        assert ack["ok"], ack
    unknown = await agent.call(
        "message:send", {**message, "incident_id": "TL-NOSUCH", "client_id": "x"}
    )
    assert unknown["error"]["code"] == "not_found"
    history = await agent.call("messages:since", {"incident_id": incident_id, "after_seq": 0})
    # The first reply on an unclaimed incident says a responder joined (once), then the four.
    assert [m["from"] for m in history["messages"]] == ["system"] + ["responder"] * 4
