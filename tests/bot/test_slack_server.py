"""The Slack bot through the real server: posts, signed clicks, races, modals, `/tipline`."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import redis.asyncio as aioredis

from tests.bot.conftest import (
    CHANNEL,
    EMERGENCY,
    ROUTINE,
    action,
    command,
    send,
    signed,
    slack_server,
    submission,
)
from tests.bot.fake_slack import FakeSlack, blocks_text
from tests.conftest import Peer, Server, wait_for
from tipline import credentials, models


async def report(server: Server, text: str) -> str:
    reporter = Peer("/report")
    await reporter.connect(server.url, {"org_code": "DEMO"})
    filed = await reporter.call("report:create", {"text": text})
    await reporter.close()
    assert filed["ok"], filed
    incident_id: str = filed["incident_id"]
    return incident_id


async def posted(fake: FakeSlack, count: int = 1) -> None:
    async def enough() -> bool:
        return len(fake.posts(thread=False)) >= count

    await wait_for(enough, what=f"{count} chat.postMessage")


async def steps_of(server: Server, incident_id: str) -> list[str]:
    incident = await server.running.store.get(incident_id)
    assert incident is not None
    return [s.action for s in incident.escalation]


async def replies(fake: FakeSlack, count: int) -> list[str]:
    async def enough() -> bool:
        return len(fake.posts(thread=True)) >= count

    await wait_for(enough, what=f"{count} thread replies")
    return [str(c.args["text"]) for c in fake.posts(thread=True)]


def action_of(line: str) -> str:
    found = re.search(r"\*([a-z ]+)\*", line)
    assert found, line
    return found.group(1).replace(" ", "_")


async def test_emergency_is_posted_within_two_seconds_and_others_never(
    server: Server, fake: FakeSlack, redis_client: aioredis.Redis, prefix: str
) -> None:
    """One chat.postMessage naming id, school, urgency, category with a claim button; a
    report that is not an emergency is never posted (urgent_offhours is off by default)."""
    started = time.monotonic()
    incident_id = await report(server, EMERGENCY)
    await wait_for(lambda: _has_post(fake), what="the post", timeout=2.0)
    (post,) = fake.posts()
    assert post.at - started < 2.0
    assert post.args["channel"] == CHANNEL
    for needle in (incident_id, "Demo High School", "emergency", "weapon"):
        assert needle in post.args["text"]
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"action_id": "claim", "value": incident_id}.items() <= buttons[0].items()

    routine_id = await report(server, ROUTINE)
    # Effects run before report:create is acknowledged: nothing queued now, nothing ever.
    assert not await redis_client.exists(f"{prefix}:slack:{{outbox}}:q:{routine_id}")
    assert not await redis_client.hexists(f"{prefix}:slack:{{outbox}}:once:{routine_id}", "post")
    assert all(routine_id not in str(c.args) for c in fake.calls)


async def _has_post(fake: FakeSlack) -> bool:
    return len(fake.posts()) >= 1


async def test_claim_updates_the_message_the_thread_and_the_console(
    server: Server, fake: FakeSlack
) -> None:
    """A signed claim click: chat.update shows the holder, a thread line, incident:updated."""
    agent = Peer("/respond")
    await agent.connect(server.url, {"token": server.agent_token})
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    status, _ = await send(server.url, action("U0CLAIMER", "claim", incident_id))
    assert status == 200
    (line,) = await replies(fake, 1)
    assert action_of(line) == "claim"
    assert "U0CLAIMER" in line
    (update,) = fake.ok_calls("chat.update")
    assert update.args["ts"] == fake.posts()[0].answer["ts"]
    assert "U0CLAIMER" in blocks_text(update)
    assert "outcome_reached" in blocks_text(update)
    updates = await agent.received("incident:updated")
    assert updates[-1]["claimed_by"] == "U0CLAIMER"
    await agent.close()


async def test_twenty_simultaneous_claims_give_one_owner_and_nineteen_refusals(
    server: Server, fake: FakeSlack
) -> None:
    """Twenty agents click Claim at once: one holds it, nineteen get an ephemeral refusal."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    users = [f"U{n:02d}" for n in range(20)]
    answers = await asyncio.gather(
        *(send(server.url, action(u, "claim", incident_id)) for u in users)
    )
    assert [status for status, _ in answers] == [200] * 20

    async def refused() -> bool:
        return len(fake.ok_calls("chat.postEphemeral")) >= 19

    await wait_for(refused, what="19 refusals")
    incident = await server.running.store.get(incident_id)
    assert incident is not None
    assert incident.claimed_by in users
    assert [s.action for s in incident.escalation].count("claim") == 1
    told = sorted(c.args["user"] for c in fake.ok_calls("chat.postEphemeral"))
    assert told == sorted(u for u in users if u != incident.claimed_by)
    assert all("Already claimed by" in c.args["text"] for c in fake.ok_calls("chat.postEphemeral"))
    await replies(fake, 1)
    assert len(fake.ok_calls("chat.update")) == 1


async def test_each_contact_outcome_reaches_the_thread_and_the_trail_in_order(
    server: Server, fake: FakeSlack
) -> None:
    """Claim, no answer, next, voicemail, next, reached, police: same order everywhere."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    clicks = [
        "claim", "outcome_no_answer", "next_contact", "outcome_voicemail",
        "next_contact", "outcome_reached", "law_enforcement",
    ]  # fmt: skip
    for n, click in enumerate(clicks):
        status, _ = await send(server.url, action("U0AGENT", click, incident_id))
        assert status == 200

        async def stored(n: int = n) -> bool:
            # This click's own step is on the trail (a no answer adds the engine's offer).
            done = [s for s in await steps_of(server, incident_id) if s != "suggest_next_contact"]
            return len(done) >= n + 2  # triage + this step

        await wait_for(stored, what=f"step {click}")
    trail = (await steps_of(server, incident_id))[1:]
    lines = await replies(fake, len(trail))
    assert [action_of(line) for line in lines] == trail
    # A call that reached nobody is followed by the engine's offer of the next contact.
    assert trail == [
        "claim", "contact_outcome", "suggest_next_contact", "next_contact", "contact_outcome",
        "suggest_next_contact", "next_contact", "contact_outcome", "law_enforcement",
    ]  # fmt: skip
    assert "Dana Principal" in lines[1]
    assert "no answer" in lines[1]
    assert "Sam Counselor" in lines[2]
    assert "Sam Counselor" in lines[4]
    assert "voicemail" in lines[4]
    assert "Demo City Police" in lines[-1]
    assert len(fake.ok_calls("chat.update")) == len(trail)
    assert not fake.ok_calls("chat.postEphemeral")


async def test_unsigned_forged_and_stale_requests_get_401_and_change_nothing(
    server: Server, fake: FakeSlack
) -> None:
    """No signature, a wrong one, and a timestamp over five minutes old: 401, no claim."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    body = action("U0EVE", "claim", incident_id)
    forged = signed(body, secret="not-the-secret")
    stale = signed(body, timestamp=int(time.time()) - 301)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    for headers in (unsigned, forged, stale):
        status, _ = await send(server.url, body, headers)
        assert status == 401
    assert await steps_of(server, incident_id) == ["triage"]
    assert [c.method for c in fake.calls] == ["chat.postMessage"]


async def test_unknown_user_outside_demo_is_told_and_a_mapped_one_acts(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """Outside demo mode an unmapped user's click does nothing but explain; a mapped one claims."""
    async with slack_server(prefix, tmp_path, fake, demo=False) as server:
        incident_id = await report(server, EMERGENCY)
        await posted(fake)
        await send(server.url, action("U0STRANGER", "claim", incident_id))

        async def told() -> bool:
            return len(fake.ok_calls("chat.postEphemeral")) >= 1

        await wait_for(told, what="the explanation")
        (note,) = fake.ok_calls("chat.postEphemeral")
        assert note.args["user"] == "U0STRANGER"
        assert "U0STRANGER" in note.args["text"]
        assert await steps_of(server, incident_id) == ["triage"]

        ana = models.Responder("ana", "Ana", models.Role.AGENT, slack_user_id="U0ANA")
        await server.running.store.put_responder(ana, credentials.token_hash("ana-token"))
        await send(server.url, action("U0ANA", "claim", incident_id))
        await replies(fake, 1)
        incident = await server.running.store.get(incident_id)
        assert incident is not None
        assert incident.claimed_by == "ana"


async def test_other_workspace_or_channel_is_refused(
    prefix: str, tmp_path: Path, fake: FakeSlack, redis_client: aioredis.Redis
) -> None:
    """With a team id set, a click from another workspace or another channel gets 403."""
    async with slack_server(prefix, tmp_path, fake, slack_team_id="T0TIPLINE") as server:
        incident_id = await report(server, EMERGENCY)
        await posted(fake)
        other_team = action("U0X", "claim", incident_id, team="T0ELSEWHERE")
        other_channel = action("U0X", "claim", incident_id, channel="C0RANDOM")
        for body in (other_team, other_channel):
            status, _ = await send(server.url, body)
            assert status == 403
        assert await steps_of(server, incident_id) == ["triage"]


async def test_resolve_opens_a_modal_whose_submission_resolves(
    server: Server, fake: FakeSlack
) -> None:
    """Resolve opens views.open; the submitted outcome and note resolve the incident."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    await send(server.url, action("U0AGENT", "claim", incident_id))
    await replies(fake, 1)
    await send(server.url, action("U0AGENT", "resolve", incident_id))

    async def opened() -> bool:
        return len(fake.ok_calls("views.open")) >= 1

    await wait_for(opened, what="views.open")
    view = fake.ok_calls("views.open")[0].args["view"]
    values = {
        "resolution": {
            "resolution": {"type": "static_select", "selected_option": {"value": "false_report"}}
        },
        "note": {"note": {"type": "plain_text_input", "value": "prank, confirmed"}},
    }
    body = submission("U0AGENT", view["callback_id"], view["private_metadata"], values)
    status, _ = await send(server.url, body)
    assert status == 200
    lines = await replies(fake, 2)
    assert action_of(lines[-1]) == "resolve"
    assert "prank, confirmed" in lines[-1]
    incident = await server.running.store.get(incident_id)
    assert incident is not None
    assert incident.status is models.Status.RESOLVED
    assert incident.escalation[-1].outcome == "false_report"
    assert '"action_id"' not in blocks_text(fake.ok_calls("chat.update")[-1])


async def test_slash_command_answers_open_status_and_help_ephemerally(
    server: Server, fake: FakeSlack
) -> None:
    """`/tipline open`, `status <id>` and `help` answer the one user, ephemerally."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    for text in ("open", f"status {incident_id}", "help"):
        status, _ = await send(server.url, command("U0AGENT", text))
        assert status == 200

    async def answered() -> bool:
        return len(fake.ok_calls("chat.postEphemeral")) >= 3

    await wait_for(answered, what="three answers")
    answers = {}
    for call in fake.ok_calls("chat.postEphemeral"):
        assert call.args["user"] == "U0AGENT"
        text = str(call.args["text"])
        key = "help" if "/tipline open" in text else ("status" if "triage" in text else "open")
        answers[key] = text
    assert incident_id in answers["open"]
    assert "paging" in answers["open"]
    assert incident_id in answers["status"]
    assert "/tipline status" in answers["help"]
