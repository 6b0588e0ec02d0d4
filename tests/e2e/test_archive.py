"""The record follows the live path: a whole case over the real server lands in PostgreSQL."""

from __future__ import annotations

import time

from tests.conftest import Peers, Server, file_report, responder, wait_for

REPORT = "a boy in my class says he will bring his dad's gun on friday"


async def test_a_whole_case_is_in_the_record_in_order_within_5_s(
    tipline_server: Server, peers: Peers
) -> None:
    """Report, 50 messages both ways, claim, outcomes and resolution: every message with its
    seq and every step in order in PostgreSQL, read back as written, within 5 s of the last."""
    reporter, ack = await file_report(tipline_server, peers, REPORT)
    incident_id = ack["incident_id"]
    agent = await responder(tipline_server, peers, tipline_server.agent_token)
    assert (await agent.call("incident:claim", {"incident_id": incident_id}))["ok"]
    sent: dict[int, str] = {}
    for i in range(25):
        mine = await reporter.call("message:send", {"text": f"reporter {i}", "client_id": f"r{i}"})
        sent[mine["seq"]] = f"reporter {i}"
        reply = {"incident_id": incident_id, "text": f"agent {i}", "client_id": f"a{i}"}
        theirs = await agent.call("message:send", reply)
        sent[theirs["seq"]] = f"agent {i}"
    for step in (
        {"action": "contact_outcome", "outcome": "no_answer", "note": "rang twice"},
        {"action": "next_contact"},
        {"action": "contact_outcome", "outcome": "reached"},
        {"action": "resolve", "resolution": "handled_by_school", "note": "school has it"},
    ):
        done = await agent.call("incident:step", {"incident_id": incident_id, **step})
        assert done["ok"], done
    trail = [s["action"] for s in done["incident"]["escalation"]]
    last_write = time.monotonic()
    database = tipline_server.running.database
    assert database is not None
    record = database.record

    async def archived() -> bool:
        stored = await record.incident(incident_id)
        messages = await record.messages(incident_id)
        return (
            stored is not None
            and [s.action for s in stored.escalation] == trail
            and {m.seq for m in messages} >= set(sent)
        )

    await wait_for(archived, what="the case in the record", timeout=5)
    took = time.monotonic() - last_write
    stored = await record.incident(incident_id)
    assert stored is not None
    assert stored.status.value == "resolved"
    assert stored.text == REPORT
    messages = await record.messages(incident_id)
    seqs = [m.seq for m in messages]
    assert seqs == list(range(1, len(seqs) + 1))  # in order, no gap (system lines included)
    assert {m.seq: m.text for m in messages if m.seq in sent} == sent
    notes = [s.note for s in stored.escalation if s.note]
    assert notes == ["rang twice", "school has it"]
    assert took < 5
