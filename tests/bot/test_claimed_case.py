"""Issue #15 through Slack and the real server: only the holder acts on a claimed case (others
take it over first), and a reporter's emergency on a resolved case reaches Slack."""

from __future__ import annotations

from tests.bot.conftest import EMERGENCY, ROUTINE, action, send
from tests.bot.fake_slack import FakeSlack
from tests.conftest import Peer, Server, wait_for

NOW = "he has the gun with him NOW at school"


async def steps_of(server: Server, incident_id: str) -> list[tuple[str, str]]:
    incident = await server.running.store.get(incident_id)
    assert incident is not None
    return [(s.action, s.by) for s in incident.escalation]


async def agent(server: Server) -> Peer:
    peer = Peer("/respond")
    await peer.connect(server.url, {"token": server.agent_token})
    return peer


async def test_a_slack_click_on_a_case_claimed_in_the_console_needs_a_take_over(
    server: Server, fake: FakeSlack
) -> None:
    """A console agent holds it: a Slack outcome click is refused (told why, nothing stored);
    Take over moves it to the Slack user (on the trail), whose outcome then counts."""
    reporter = Peer("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": EMERGENCY})
    await reporter.close()
    incident_id = filed["incident_id"]
    console = await agent(server)
    holder = (await console.call("incident:claim", {"incident_id": incident_id}))["claimed_by"]
    before = await steps_of(server, incident_id)

    await send(server.url, action("U0OTHER", "outcome_reached", incident_id))

    async def told() -> bool:
        return bool(fake.ok_calls("chat.postEphemeral"))

    await wait_for(told, what="the refusal")
    (refusal,) = fake.ok_calls("chat.postEphemeral")
    assert refusal.args["user"] == "U0OTHER"
    assert holder in refusal.args["text"]
    assert "take it over" in refusal.args["text"]
    assert await steps_of(server, incident_id) == before

    await send(server.url, action("U0OTHER", "take_over", incident_id))

    async def taken() -> bool:
        return ("take_over", "U0OTHER") in await steps_of(server, incident_id)

    await wait_for(taken, what="the take-over")
    await send(server.url, action("U0OTHER", "outcome_reached", incident_id))

    async def reached() -> bool:
        return ("contact_outcome", "U0OTHER") in await steps_of(server, incident_id)

    await wait_for(reached, what="the outcome")
    late = await console.call(
        "incident:step", {"incident_id": incident_id, "action": "next_contact"}
    )
    assert late["error"]["code"] == "claimed_by_other"
    await console.close()


async def test_an_emergency_message_on_a_resolved_routine_case_is_posted_to_slack(
    server: Server, fake: FakeSlack
) -> None:
    """A routine case (never in Slack) is resolved; the reporter writes an emergency: posted."""
    reporter = Peer("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": ROUTINE})
    await reporter.close()
    incident_id = filed["incident_id"]
    console = await agent(server)
    await console.call("incident:claim", {"incident_id": incident_id})
    done = await console.call(
        "incident:step",
        {"incident_id": incident_id, "action": "resolve", "resolution": "no_action"},
    )
    assert done["incident"]["status"] == "resolved"
    assert fake.posts() == []
    back = Peer("/report")
    await back.connect(server.url, {"receipt": filed["receipt"]})
    assert (await back.call("message:send", {"text": NOW, "client_id": "n1"}))["ok"]
    await back.close()

    async def posted() -> bool:
        return len(fake.posts(thread=False)) >= 1

    await wait_for(posted, what="the emergency's post")
    (post,) = fake.posts(thread=False)
    assert incident_id in post.args["text"]
    assert "emergency" in post.args["text"]
    await console.close()
