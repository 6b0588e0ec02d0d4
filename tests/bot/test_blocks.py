"""Block Kit builders as data: what the channel message says and which buttons it has."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from bot import blocks
from escalation import machine
from escalation.machine import Action, State
from tipline import demo, models

LOOK = blocks.Look(console_url="https://tipline.example.org/console", excerpt_chars=40)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)  # 02:00 in Chicago


def incident(text: str = "a gun in his backpack", **changes: Any) -> models.Incident:
    triage = models.Triage(
        urgency=models.Urgency.EMERGENCY,
        category=models.Category.WEAPON,
        language=changes.pop("language", "en"),
        confidence=0.93,
        reasons=("mentions a gun at school",),
    )
    base = models.Incident(
        incident_id="TL-ABC123",
        org_code="DEMO",
        text=text,
        channel=models.Channel.WEB,
        created_at=AT,
        triage=triage,
        urgency=models.Urgency.EMERGENCY,
        category=models.Category.WEAPON,
        state="paging",
        policy=demo.organization().policy,
    )
    return dataclasses.replace(base, **changes)


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def test_post_text_names_id_school_urgency_and_category() -> None:
    """The plain text of the post names the incident id, school, urgency and category."""
    text = blocks.message(incident(), demo.organization(), LOOK)["text"]
    for needle in ("TL-ABC123", "Demo High School", "emergency", "weapon"):
        assert needle in text


def test_unclaimed_message_has_a_claim_button_valued_with_the_incident_id() -> None:
    """An unclaimed emergency offers Claim (value = incident id) and Change urgency only."""
    message = blocks.message(incident(), demo.organization(), LOOK)
    assert action_ids(message) == ["claim", "set_urgency"]
    claim = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert claim["value"] == "TL-ABC123"


def test_message_shows_local_time_confidence_reasons_and_console_link() -> None:
    """Facts: the school's local time, confidence, reasons and the console link."""
    dumped = json.dumps(blocks.message(incident(), demo.organization(), LOOK))
    assert "Tue 01 Dec 2026 02:00 CST" in dumped
    assert "93%" in dumped
    assert "mentions a gun at school" in dumped
    assert "https://tipline.example.org/console#TL-ABC123" in dumped


def test_claimed_message_offers_the_current_contacts_outcomes_and_steps() -> None:
    """Claimed: the current contact's name, role and phone, the four outcomes, the steps."""
    claimed = incident(state="contacting", claimed_by="agent-7", contact_index=1)
    message = blocks.message(claimed, demo.organization(), LOOK)
    dumped = json.dumps(message)
    assert "Sam Counselor (Counselor) +1 555 0101" in dumped
    assert "Notify Demo City Police +1 555 0911" in dumped
    assert action_ids(message) == [
        "outcome_reached", "outcome_no_answer", "outcome_voicemail", "outcome_wrong_number",
        "next_contact", "law_enforcement", "set_urgency", "resolve", "take_over",
    ]  # fmt: skip
    # Only the holder steps it; anyone else takes it over first (docs/escalation.md).
    assert "Take over from agent-7" in dumped


def test_translator_button_only_for_other_languages_with_a_channel() -> None:
    """Request translator shows for a Spanish report when a translators' channel is set."""
    look = dataclasses.replace(LOOK, translators=True)
    spanish = incident(state="contacting", claimed_by="a", language="es")
    assert "translator" in action_ids(blocks.message(spanish, demo.organization(), look))
    english = incident(state="contacting", claimed_by="a")
    assert "translator" not in action_ids(blocks.message(english, demo.organization(), look))
    assert "translator" not in action_ids(blocks.message(spanish, demo.organization(), LOOK))


def test_resolved_message_has_no_buttons() -> None:
    """Once resolved, the message is a record: no buttons at all."""
    done = incident(state="resolved", status=models.Status.RESOLVED, claimed_by="a")
    assert action_ids(blocks.message(done, demo.organization(), LOOK)) == []


# The action of each button (Request translator is not a step of the escalation).
BUTTON_ACTIONS = {
    blocks.CLAIM: Action.CLAIM,
    **{blocks.OUTCOME + r.value: Action.CONTACT_OUTCOME for r in blocks.OUTCOME_LABELS},
    blocks.NEXT_CONTACT: Action.NEXT_CONTACT,
    blocks.LAW_ENFORCEMENT: Action.LAW_ENFORCEMENT,
    blocks.SET_URGENCY: Action.SET_URGENCY,
    blocks.RESOLVE: Action.RESOLVE,
    blocks.TAKE_OVER: Action.TAKE_OVER,
}


def in_state(state: State) -> models.Incident:
    """The test incident sitting in `state`, held by agent-7 once it was claimed."""
    claimed = state in machine.HELD or state is State.RESOLVED
    resolved = state is State.RESOLVED
    return incident(
        state=state.value,
        status=models.Status.RESOLVED if resolved else models.Status.OPEN,
        claimed_by="agent-7" if claimed else None,
    )


@pytest.mark.parametrize("state", list(State))
def test_buttons_are_exactly_the_actions_the_table_allows(state: State) -> None:
    """In every state the message's buttons are the actions the table allows its holder or
    anyone else, but reopen (a closed case is reopened from the console)."""
    look = dataclasses.replace(LOOK, translators=True)
    shown = blocks.message(in_state(state), demo.organization(), look)
    buttons = {BUTTON_ACTIONS[i] for i in action_ids(shown) if i != blocks.TRANSLATOR}
    allowed = {a for holder in (True, False) for a in machine.allowed(state, holder=holder)}
    assert buttons == allowed - {Action.REOPEN}


def test_mrkdwn_characters_of_the_report_come_out_escaped() -> None:
    """<, >, & and * in a report cannot make links, mentions or bold text."""
    text = "<!channel> *he said* <http://x|y> & more"
    quote = blocks.excerpt(text, 200, "en")
    assert quote == "&lt;!channel&gt; ∗he said∗ &lt;http://x|y&gt; &amp; more"
    dumped = json.dumps(blocks.message(incident(text), demo.organization(), LOOK))
    assert "<!channel>" not in dumped
    assert "*he said*" not in dumped


def test_excerpt_is_cut_to_its_length_and_off_at_zero() -> None:
    """The excerpt is the first N characters with an ellipsis; 0 turns it off entirely."""
    long_text = "word " * 50
    cut = blocks.excerpt(long_text, 12, "en")
    assert cut == "word word wo…"
    off = dataclasses.replace(LOOK, excerpt_chars=0)
    dumped = json.dumps(blocks.message(incident(long_text), demo.organization(), off))
    assert "word word" not in dumped


def test_right_to_left_excerpt_is_isolated_and_intact() -> None:
    """An Arabic report keeps its text, wrapped in a right-to-left isolate."""
    arabic = "لديه مسدس في حقيبته"
    quote = blocks.excerpt(arabic, 200, "ar")
    assert quote == f"\u2067{arabic}\u2069"
    assert blocks.excerpt(arabic, 200, "en") == arabic


def test_step_line_names_contact_outcome_and_escaped_note() -> None:
    """A thread line says who did what, to which contact, with what outcome and note."""
    step = models.Step(
        at=AT,
        by="agent-7",
        action="contact_outcome",
        contact=models.Contact(name="Dana Principal", role="Principal", phone="+1 555 0100"),
        outcome="no_answer",
        note="rang <out> & *twice*",
    )
    line = blocks.step_line(step)
    assert line.startswith("`08:00:00Z` *contact outcome* by agent-7")
    assert "Dana Principal (Principal) +1 555 0100 - no answer" in line
    assert "rang &lt;out&gt; &amp; ∗twice∗" in line


def test_alert_mentions_users_and_groups() -> None:
    """A re-page mentions on-duty users as <@U..> and user groups as <!subteam^S..>."""
    text = blocks.alert_text(incident(), "repage", ("U1", "S2"))
    assert text.startswith("<@U1> <!subteam^S2>")
    assert "TL-ABC123" in text


def test_modals_carry_metadata_and_choices() -> None:
    """The resolve modal offers the four resolutions and keeps the metadata."""
    view = blocks.resolve_view("TL-ABC123", '{"incident_id": "TL-ABC123"}')
    assert view["callback_id"] == "resolve_modal"
    assert view["private_metadata"] == '{"incident_id": "TL-ABC123"}'
    options = view["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == [
        "handled_by_school", "referred_to_police", "false_report", "no_action",
    ]  # fmt: skip
    urgency = blocks.urgency_view("TL-ABC123", "{}")
    assert [o["value"] for o in urgency["blocks"][0]["element"]["options"]] == [
        "emergency", "urgent", "routine",
    ]  # fmt: skip
