"""The Slack outbox's jobs: what the notifier queues and the delivery worker sends.

A job is a frozen dataclass; `encode` and `decode` are the one place that knows how a job is
stored in the outbox (compact JSON with sorted keys, `{"kind": ..., ...}`, so that two equal
jobs are equal strings). The shape is the one every version has written: jobs queued before
a restart or an upgrade still decode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from tipline.models import Step
from tipline.ports import SlackCopy

# The once key of the post: the outbox takes one post per incident, across every process.
POST_ONCE = "post"
# The once key of a purged incident's scrub (released once the record has it queued).
SCRUB_ONCE = "scrub"


@dataclasses.dataclass(frozen=True, slots=True)
class Post:
    """chat.postMessage of the incident's message in the agents' channel."""


@dataclasses.dataclass(frozen=True, slots=True)
class Update:
    """chat.update of that message, from the incident as it is then."""


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """A step as a line in the message's thread."""

    step: Step


@dataclasses.dataclass(frozen=True, slots=True)
class Alert:
    """A re-page, a suggestion or a reopening in the thread, mentioning the on-duty agents."""

    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Translator:
    """A request in the translators' channel, by the agent `by`."""

    by: str


@dataclasses.dataclass(frozen=True, slots=True)
class Scrub:
    """A purged incident's Slack copy: its message rewritten to `copy`'s anonymous figures,
    its noted thread replies deleted (docs/slack.md, "Retention"). It carries all it needs:
    the incident is no longer in Redis."""

    copy: SlackCopy


Job = Post | Update | Reply | Alert | Translator | Scrub
# The jobs that go to the incident's message or its thread (they need the post first).
InThread = Update | Reply | Alert


def encode(job: Job) -> str:
    """The job as the outbox stores it."""
    fields: dict[str, Any]
    match job:
        case Post():
            fields = {"kind": "post"}
        case Update():
            fields = {"kind": "update"}
        case Reply(step=step):
            fields = {"kind": "reply", "step": step.to_wire()}
        case Alert(reason=reason):
            fields = {"kind": "alert", "reason": reason}
        case Translator(by=by):
            fields = {"kind": "translator", "by": by}
        case Scrub(copy=copy):
            fields = {"kind": "scrub", "copy": _copy_fields(copy)}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def decode(body: str) -> Job | None:
    """The job stored as `body`; None for one this version cannot read."""
    try:
        return _job(json.loads(body))
    except (KeyError, TypeError, ValueError):
        return None


def _job(data: object) -> Job:
    match data:
        case {"kind": "post"}:
            return Post()
        case {"kind": "update"}:
            return Update()
        case {"kind": "reply", "step": dict() as step}:
            return Reply(Step.from_wire(step))
        case {"kind": "alert", "reason": str() as reason}:
            return Alert(reason)
        case {"kind": "translator", "by": str() as by}:
            return Translator(by)
        case {"kind": "scrub", "copy": dict() as copy}:
            return Scrub(_copy(copy))
    raise ValueError("not a Slack job")


def _copy_fields(copy: SlackCopy) -> dict[str, Any]:
    fields = dataclasses.asdict(copy)
    fields["replies"] = list(copy.replies)
    fields["reported_on"] = copy.reported_on.isoformat()
    fields["purged_on"] = copy.purged_on.isoformat()
    return fields


def _copy(data: dict[str, Any]) -> SlackCopy:
    replies = data["replies"]
    texts = {k: data[k] for k in ("incident_id", "channel", "ts", "urgency", "category", "school")}
    if not isinstance(replies, list) or not all(
        isinstance(t, str) for t in [*replies, *texts.values()]
    ):
        raise TypeError("not a Slack copy")
    return SlackCopy(
        **texts,
        replies=tuple(replies),
        reported_on=dt.date.fromisoformat(data["reported_on"]),
        purged_on=dt.date.fromisoformat(data["purged_on"]),
    )
