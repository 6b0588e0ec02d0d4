"""Slack's payloads typed at the edge: what Slack sends parses, anything else is refused with a
log line naming the bad fields, and a refused body changes nothing."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot import blocks, payloads
from tests.bot.conftest import EMERGENCY, action, command, send, submission
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_slack_server import posted, replies, report, steps_of
from tests.conftest import Server, wait_for
from tests.realtime.test_bad_payloads import snapshot
from tests.realtime.test_fuzz import assert_only_counters_changed

VALUES = {
    "resolution": {"resolution": {"type": "static_select", "selected_option": {"value": "x"}}},
    "note": {"note": {"type": "plain_text_input", "value": "a note"}},
}


def body_of(form: str) -> dict[str, Any]:
    """The dict bolt hands a listener for a form body (the `payload` JSON, or the form)."""
    fields = dict(urllib.parse.parse_qsl(form))
    parsed: dict[str, Any] = json.loads(fields["payload"]) if "payload" in fields else fields
    return parsed


def test_what_slack_sends_parses_to_what_the_listeners_read() -> None:
    """A click, a modal submission and `/tipline` parse, with user, channel and fields."""
    click = payloads.parse(payloads.BlockActions, body_of(action("U1", "claim", "TL-1")))
    assert click is not None
    assert (click.action.action_id, click.action.value) == ("claim", "TL-1")
    assert click.where == payloads.Where("U1", "C0AGENTS")
    meta = json.dumps({"incident_id": "TL-1", "channel": "C0AGENTS"})
    form = submission("U1", blocks.RESOLVE_VIEW, meta, VALUES)
    saved = payloads.parse(payloads.ViewSubmission, body_of(form))
    assert saved is not None
    assert (saved.selected("resolution"), saved.text("note")) == ("x", "a note")
    assert (saved.selected("urgency"), saved.text("other")) == (None, None)
    assert payloads.meta(saved.view) == payloads.ModalMeta(incident_id="TL-1", channel="C0AGENTS")
    asked = payloads.parse(payloads.SlashCommand, body_of(command("U1", "open")))
    assert asked is not None
    assert (asked.text, asked.where) == ("open", payloads.Where("U1", "C0AGENTS"))


USER = {"user": {"id": "U1"}, "trigger_id": "t"}
BAD = [
    (payloads.BlockActions, {**USER, "actions": []}, "actions"),
    (payloads.BlockActions, {**USER, "actions": [{"action_id": "a", "value": 7}]},
     "actions.0.value"),
    (payloads.BlockActions, {**USER, "user": "U1", "actions": [{"action_id": "a", "value": "v"}]},
     "user"),
    (payloads.SlashCommand, {"user_id": "U1", "text": "open"}, "channel_id"),
    (payloads.ViewSubmission, {"user": {"id": "U1"}, "view": {"state": {}}}, "view.callback_id"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "body", "field"), BAD)
def test_what_slack_does_not_send_is_refused_by_field(
    kind: type[payloads.BlockActions | payloads.SlashCommand | payloads.ViewSubmission],
    body: dict[str, Any],
    field: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A body without a field the listener reads, or with the wrong type, is None and logged."""
    with caplog.at_level(logging.WARNING, logger="tipline.slack"):
        assert payloads.parse(kind, body) is None
    (record,) = caplog.records
    assert record.getMessage() == "slack.bad_payload"
    assert field in record.__dict__["fields"]


async def test_a_signed_click_or_modal_that_is_not_ours_is_refused_and_changes_nothing(
    server: Server,
    fake: FakeSlack,
    redis_client: aioredis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A validly signed click without its incident, or a modal whose metadata is not ours, is
    logged as a bad payload (never a failed listener) and no state changes."""
    incident_id = await report(server, EMERGENCY)
    await posted(fake)
    assert (await send(server.url, action("U0AGENT", "claim", incident_id)))[0] == 200
    await replies(fake, 1)
    before = await snapshot(redis_client, server.prefix)
    no_value = body_of(action("U0AGENT", "outcome_no_answer", incident_id))
    del no_value["actions"][0]["value"]
    tampered = submission("U0AGENT", blocks.RESOLVE_VIEW, "not json", VALUES)
    with caplog.at_level(logging.WARNING, logger="tipline.slack"):
        for form in (urllib.parse.urlencode({"payload": json.dumps(no_value)}), tampered):
            status, _ = await send(server.url, form)
            assert status == 200

        async def both_refused() -> bool:
            refused = [r for r in caplog.records if r.getMessage() == "slack.bad_payload"]
            return len(refused) == 2

        await wait_for(both_refused, what="two refusals")
    assert not [r for r in caplog.records if r.getMessage() == "slack.listener_failed"]
    assert await steps_of(server, incident_id) == ["triage", "claim"]
    await assert_only_counters_changed(redis_client, server.prefix, before)
