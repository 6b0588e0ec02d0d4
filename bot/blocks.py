"""Block Kit builders: pure functions of an Incident (and its school) to Slack payloads.

No I/O and no clock: what a message shows depends only on its arguments, so the tests check
them as data. Everything a reporter or a classifier wrote goes through `escape` before it
reaches a `mrkdwn` field.
"""

from __future__ import annotations

import dataclasses
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any

from escalation import engine
from escalation.commands import ContactResult, Resolution
from escalation.machine import Action
from tipline.models import Contact, Incident, Organization, Step, Urgency
from tipline.ports import SlackCopy

Block = dict[str, Any]

CLAIM = "claim"
OUTCOME = "outcome_"  # + a ContactResult value
NEXT_CONTACT = "next_contact"
LAW_ENFORCEMENT = "law_enforcement"
TAKE_OVER = "take_over"  # only the holder steps a claimed incident; others take it over first
TRANSLATOR = "translator"
SET_URGENCY = "set_urgency"
RESOLVE = "resolve"
RESOLVE_VIEW = "resolve_modal"
URGENCY_VIEW = "urgency_modal"

OUTCOME_LABELS = {
    ContactResult.REACHED: "Reached",
    ContactResult.NO_ANSWER: "No answer",
    ContactResult.VOICEMAIL: "Voicemail",
    ContactResult.WRONG_NUMBER: "Wrong number",
}
_ICON = {Urgency.EMERGENCY: ":rotating_light:", Urgency.URGENT: ":warning:", Urgency.ROUTINE: ""}
# A closed case is reopened from the console: its Slack message is a record, with no buttons.
SLACK_ACTIONS = frozenset(Action) - {Action.REOPEN}
_RTL = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku"})
# Slack has no escape for mrkdwn's emphasis characters; look-alikes keep a reporter's `*` or
# `_` from turning the rest of the excerpt bold or italic, or `~` from striking it out.
_MRKDWN = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "*": "∗", "_": "＿", "~": "∼", "`": "ˋ"}
)
TIMELINE_STEPS = 12
# Where a reason starts quoting the report: the safety net writes `label: "the words"`.
_QUOTE = re.compile(r'\s*:?\s*["“”„«»].*$', re.DOTALL)


@dataclasses.dataclass(frozen=True, slots=True)
class Look:
    """How messages look in this deployment (from Settings)."""

    console_url: str  # the console page, e.g. "https://tipline.example.org/console"
    excerpt_chars: int = 200
    translators: bool = False  # a translators' channel is configured


def escape(text: str) -> str:
    """Text a person wrote, safe inside `mrkdwn`: no mentions, links or formatting."""
    return text.translate(_MRKDWN)


def excerpt(text: str, limit: int, language: str) -> str | None:
    """The first `limit` characters of the report, escaped; None when excerpts are off."""
    if limit <= 0:
        return None
    flat = " ".join(text.split())
    short = flat if len(flat) <= limit else flat[:limit].rstrip() + "…"
    body = escape(short)
    # Isolate right-to-left text so it cannot reorder the labels and punctuation around it.
    return f"\u2067{body}\u2069" if language in _RTL else body


def shown_reasons(reasons: Sequence[str], *, excerpt_chars: int) -> list[str]:
    """The triage reasons as Slack may show them. The safety net's reasons quote the words
    that fired a pattern; with excerpts off (`excerpt_chars` 0) everything from a reason's
    first quotation mark on is cut, so no word of the report reaches Slack."""
    if excerpt_chars > 0:
        return list(reasons)
    cut = (_QUOTE.sub("", reason).strip() for reason in reasons)
    return [reason for reason in cut if reason]


def local_time(incident: Incident, org: Organization) -> str:
    """When the report came in, on the school's wall clock."""
    moment = incident.created_at.astimezone(zoneinfo.ZoneInfo(org.timezone))
    return moment.strftime("%a %d %b %Y %H:%M %Z")


def console_link(look: Look, incident_id: str) -> str:
    return f"{look.console_url}#{incident_id}"


def headline(incident: Incident, org: Organization) -> str:
    """The message's plain text (notifications, screen readers): id, school, urgency, category."""
    return (
        f"{incident.urgency.value} incident {incident.incident_id} at {escape(org.name)}, "
        f"category {incident.category.value}"
    )


def contact_line(contact: Contact) -> str:
    return f"{escape(contact.name)} ({escape(contact.role)}) {escape(contact.phone)}"


def step_line(step: Step) -> str:
    """One line of the timeline and of the thread."""
    parts = [f"`{step.at.strftime('%H:%M:%S')}Z` *{step.action.replace('_', ' ')}*"]
    parts.append(f"by {escape(step.by)}")
    if step.contact is not None:
        parts.append(f"- {contact_line(step.contact)}")
    if step.outcome is not None:
        parts.append(f"- {step.outcome.replace('_', ' ')}")
    if step.urgency is not None:
        parts.append(f"- urgency {step.urgency.value}")
    if step.note:
        parts.append(f'- "{escape(step.note)}"')
    return " ".join(parts)


def message(incident: Incident, org: Organization, look: Look) -> dict[str, Any]:
    """`text` and `blocks` of the incident's channel message, for postMessage and update."""
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"{_ICON[incident.urgency]} {incident.urgency.value.title()} at {org.name}"[
                    :150
                ],
                "emoji": True,
            },
        },
        _facts(incident, org),
    ]
    reasons = shown_reasons(incident.triage.reasons, excerpt_chars=look.excerpt_chars)
    if reasons:
        why = "; ".join(escape(r) for r in reasons)
        blocks.append(_section(f"*Why:* {why}"))
    quote = excerpt(incident.text, look.excerpt_chars, incident.triage.language)
    if quote is not None:
        blocks.append(_section(f"> {quote}"))
    link = console_link(look, incident.incident_id)
    blocks.append(_context(f"<{link}|Open incident {incident.incident_id} in the console>"))
    blocks += _timeline(incident.escalation)
    blocks += actions(incident, look)
    return {"text": headline(incident, org), "blocks": blocks}


def _facts(incident: Incident, org: Organization) -> Block:
    holder = escape(incident.claimed_by) if incident.claimed_by else "_unclaimed_"
    fields = [
        ("Incident", f"`{incident.incident_id}`"),
        ("School", escape(org.name)),
        ("Reported", local_time(incident, org)),
        ("Urgency", incident.urgency.value),
        ("Category", incident.category.value),
        ("Language", escape(incident.triage.language)),
        ("Confidence", f"{incident.triage.confidence:.0%}"),
        ("State", f"{incident.state} - {holder}"),
    ]
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
    }


def _timeline(steps: Sequence[Step]) -> list[Block]:
    if not steps:
        return []
    shown = steps[-TIMELINE_STEPS:]
    lines = [step_line(s) for s in shown]
    if len(steps) > len(shown):
        lines.insert(0, f"_{len(steps) - len(shown)} earlier steps in the thread_")
    return [{"type": "divider"}, _section("\n".join(lines)[:3000])]


def offered(incident: Incident) -> frozenset[Action]:
    """The actions the message has buttons for: what the state allows its holder or anyone
    else (one message serves every agent; the engine refuses a button to the wrong one)."""
    holder = engine.allowed_actions(incident, incident.claimed_by)
    others = engine.allowed_actions(incident, None)
    return frozenset((*holder, *others)) & SLACK_ACTIONS


def actions(incident: Incident, look: Look) -> list[Block]:
    """The buttons of the actions that the incident's state allows (`offered`); none once
    it is resolved."""
    value = incident.incident_id
    allowed = offered(incident)
    if not allowed:
        return []
    if Action.CLAIM in allowed:
        first = [_button("Claim", CLAIM, value, style="primary")]
        if Action.SET_URGENCY in allowed:
            first.append(_button("Change urgency", SET_URGENCY, value))
        return [_buttons("claim_actions", first)]
    blocks: list[Block] = []
    contact = engine.current_contact(incident)
    if contact is not None and Action.CONTACT_OUTCOME in allowed:
        blocks.append(_section(f"*Now calling:* {contact_line(contact)}"))
        outcomes = [_button(label, OUTCOME + r.value, value) for r, label in OUTCOME_LABELS.items()]
        blocks.append(_buttons("outcome_actions", outcomes))
    more: list[Block] = []
    if Action.NEXT_CONTACT in allowed:
        more.append(_button("Next contact", NEXT_CONTACT, value))
    if Action.LAW_ENFORCEMENT in allowed:
        police = incident.policy.law_enforcement if incident.policy else None
        label = f"Notify {police.name} {police.phone}" if police else "Notify law enforcement"
        more.append(_button(label[:75], LAW_ENFORCEMENT, value, style="danger"))
    if look.translators and incident.triage.language != "en":
        more.append(_button("Request translator", TRANSLATOR, value))
    if Action.SET_URGENCY in allowed:
        more.append(_button("Change urgency", SET_URGENCY, value))
    if Action.RESOLVE in allowed:
        more.append(_button("Resolve", RESOLVE, value, style="primary"))
    if Action.TAKE_OVER in allowed:
        more.append(_button(f"Take over from {incident.claimed_by}"[:75], TAKE_OVER, value))
    blocks.append(_buttons("step_actions", more))
    return blocks


def alert_text(incident: Incident, reason: str, mentions: Sequence[str]) -> str:
    """A thread reply that pages the on-duty agents again (user ids or user groups)."""
    who = " ".join(f"<!subteam^{m}>" if m.startswith("S") else f"<@{m}>" for m in mentions)
    what = {
        "repage": f"still unclaimed: {incident.urgency.value} incident `{incident.incident_id}`"
        " needs an agent now",
        "suggest_next": "no outcome from the current contact in time: try the next contact",
        "reopened": f"the reporter wrote again on resolved incident `{incident.incident_id}`:"
        " it is open and unclaimed, claim it now",
    }.get(reason, escape(reason))
    return f"{who} :bell: {what}".strip()


def translator_text(incident: Incident, org: Organization, look: Look, by: str) -> str:
    link = console_link(look, incident.incident_id)
    return (
        f":speech_balloon: A translator for *{escape(incident.triage.language)}* is needed on "
        f"{incident.urgency.value} incident `{incident.incident_id}` ({escape(org.name)}), "
        f"asked by {escape(by)}: <{link}|open it in the console>"
    )


def purged_message(copy: SlackCopy) -> dict[str, Any]:
    """What a purged incident's message becomes (docs/slack.md, "Retention"): the anonymous
    figures only, with no block left that quoted the report, its reasons or a note."""
    text = (
        f":wastebasket: Report purged under the retention policy on "
        f"{copy.purged_on.isoformat()}: {escape(copy.urgency)}, {escape(copy.category)}, "
        f"{escape(copy.school)} (incident `{escape(copy.incident_id)}`, reported "
        f"{copy.reported_on.isoformat()})"
    )
    return {"text": text, "blocks": [_section(text)]}


def status_text(incident: Incident, org: Organization) -> str:
    """One incident in a line, for `/tipline open` and `/tipline status`."""
    holder = escape(incident.claimed_by) if incident.claimed_by else "unclaimed"
    return (
        f"`{incident.incident_id}` {incident.urgency.value} {incident.category.value} at "
        f"{escape(org.name)}: {incident.state}, {holder}"
    )


def resolve_view(incident_id: str, metadata: str) -> dict[str, Any]:
    """The modal of Resolve: the outcome (required) and a note."""
    options = [_option(r.value.replace("_", " "), r.value) for r in Resolution]
    return _modal(RESOLVE_VIEW, f"Resolve {incident_id}"[:24], metadata, "resolution", options)


def urgency_view(incident_id: str, metadata: str) -> dict[str, Any]:
    """The modal of Change urgency: the new urgency (required) and a note."""
    options = [_option(u.value, u.value) for u in Urgency]
    return _modal(URGENCY_VIEW, f"Urgency {incident_id}"[:24], metadata, "urgency", options)


def _modal(
    callback: str, title: str, metadata: str, field: str, options: list[Block]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": field,
                "label": {"type": "plain_text", "text": field.title()},
                "element": {"type": "static_select", "action_id": field, "options": options},
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }


def _option(label: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _buttons(block_id: str, elements: list[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": elements}


def _button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
