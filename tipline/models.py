"""Domain models every part of Tipline shares.

Frozen dataclasses and enums: values, no I/O. The wire shapes of PROTOCOL.md are built from
these by `to_wire()`; pydantic models live at the edges (realtime, bot), not here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any


class Urgency(enum.StrEnum):
    """Initial or current urgency of an incident (PROTOCOL.md): the classifier's urgencies
    (`classifiers.verdict.URGENCIES`, held equal by tests/tipline/test_vocabulary.py)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Higher is more urgent: routine 0, urgent 1, emergency 2."""
        return _URGENCY_RANK[self]

    @classmethod
    def at_least(cls, urgency: Urgency, floor: Urgency) -> Urgency:
        """The more urgent of `urgency` and `floor`."""
        return urgency if urgency.rank >= floor.rank else floor


_URGENCY_RANK = {Urgency.ROUTINE: 0, Urgency.URGENT: 1, Urgency.EMERGENCY: 2}


class Category(enum.StrEnum):
    """What a report is about (PROTOCOL.md): `classifiers.verdict.CATEGORIES`, in its order."""

    BULLYING = "bullying"
    HARASSMENT = "harassment"
    THREAT = "threat"
    WEAPON = "weapon"
    SELF_HARM = "self_harm"
    ABUSE = "abuse"
    SUBSTANCE = "substance"
    MISCONDUCT = "misconduct"
    OTHER = "other"


class Status(enum.StrEnum):
    """Coarse status of an incident, the filter of `incident:list`."""

    OPEN = "open"
    RESOLVED = "resolved"


class Role(enum.StrEnum):
    """A responder is an agent of the incident management center or a school admin."""

    AGENT = "agent"
    ADMIN = "admin"


class Sender(enum.StrEnum):
    """Who wrote a chat message."""

    REPORTER = "reporter"
    RESPONDER = "responder"
    SYSTEM = "system"


class Channel(enum.StrEnum):
    """How a report came in."""

    WEB = "web"
    PHONE = "phone"


@dataclasses.dataclass(frozen=True, slots=True)
class Triage:
    """The classifier's verdict on a report's text."""

    urgency: Urgency
    category: Category
    language: str
    confidence: float
    reasons: tuple[str, ...]

    def to_wire(self) -> dict[str, Any]:
        """The JSON shape of `tipline classify` (PROTOCOL.md)."""
        return {
            "urgency": self.urgency.value,
            "category": self.category.value,
            "language": self.language,
            "confidence": round(self.confidence, 4),
            "reasons": list(self.reasons),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Contact:
    """A person or agency the center calls during an escalation."""

    name: str
    role: str
    phone: str

    def to_wire(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "phone": self.phone}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Contact:
        return cls(name=str(data["name"]), role=str(data["role"]), phone=str(data["phone"]))


@dataclasses.dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours of one weekday, in the school's local time."""

    opens: dt.time
    closes: dt.time


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """How an escalation runs; copied onto an incident when it starts."""

    contacts: tuple[Contact, ...]
    law_enforcement: Contact
    claim_timeout_s: int = 180
    contact_timeout_s: int = 600
    repage_interval_s: int = 180
    # An incident's snapshot only: its urgent reports go to Slack too (escalation.routing).
    slack_urgent: bool = False

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "contacts": [c.to_wire() for c in self.contacts],
            "law_enforcement": self.law_enforcement.to_wire(),
            "claim_timeout_s": self.claim_timeout_s,
            "contact_timeout_s": self.contact_timeout_s,
            "repage_interval_s": self.repage_interval_s,
        }
        if self.slack_urgent:  # only when set: every other policy is stored as before
            wire["slack_urgent"] = True
        return wire

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            contacts=tuple(Contact.from_wire(c) for c in data["contacts"]),
            law_enforcement=Contact.from_wire(data["law_enforcement"]),
            claim_timeout_s=int(data["claim_timeout_s"]),
            contact_timeout_s=int(data["contact_timeout_s"]),
            repage_interval_s=int(data["repage_interval_s"]),
            slack_urgent=bool(data.get("slack_urgent", False)),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Organization:
    """A school (or district) that subscribes to Tipline."""

    code: str
    name: str
    timezone: str
    # Weekday (0 = Monday) -> opening hours; a missing weekday is closed.
    hours: Mapping[int, Hours]
    holidays: tuple[dt.date, ...]
    policy: Policy
    languages: tuple[str, ...] = ("en",)
    # Days the record keeps what people wrote after resolution, instead of the deployment's
    # period (None: that one; 0: for ever); see adapters/retention.py.
    retention_days: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Responder:
    """An agent (sees every school) or a school admin (sees only `org_code`)."""

    responder_id: str
    name: str
    role: Role
    org_code: str | None = None
    slack_user_id: str | None = None

    def may_see(self, org_code: str) -> bool:
        """Whether this responder may see and act on incidents of `org_code`."""
        return self.role is Role.AGENT or self.org_code == org_code


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One entry of an incident's append-only audit trail."""

    at: dt.datetime
    by: str
    action: str
    contact: Contact | None = None
    outcome: str | None = None
    note: str | None = None
    urgency: Urgency | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"at": iso(self.at), "by": self.by, "action": self.action}
        if self.contact is not None:
            wire["contact"] = self.contact.to_wire()
        if self.outcome is not None:
            wire["outcome"] = self.outcome
        if self.note is not None:
            wire["note"] = self.note
        if self.urgency is not None:
            wire["urgency"] = self.urgency.value
        return wire

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Step:
        contact = data.get("contact")
        urgency = data.get("urgency")
        return cls(
            at=parse_iso(str(data["at"])),
            by=str(data["by"]),
            action=str(data["action"]),
            contact=Contact.from_wire(contact) if contact else None,
            outcome=data.get("outcome"),
            note=data.get("note"),
            urgency=Urgency(urgency) if urgency else None,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Incident:
    """A report and everything that happened to it since."""

    incident_id: str
    org_code: str
    text: str
    channel: Channel
    created_at: dt.datetime
    triage: Triage
    urgency: Urgency
    category: Category
    status: Status = Status.OPEN
    # Fine-grained escalation state (escalation.machine); `status` is derived for the wire.
    state: str = "new"
    claimed_by: str | None = None
    contact_index: int = 0
    policy: Policy | None = None
    escalation: tuple[Step, ...] = ()
    # Bumped on every stored change; the store's compare-and-set uses it.
    version: int = 0
    # The school's name and IANA zone when the report came in, for local times in consoles.
    org_name: str = ""
    org_timezone: str = ""
    # When the record purged what people wrote (retention): `text` is empty then, and the
    # trail has no notes; the anonymous figures are all there.
    purged_at: dt.datetime | None = None
    # Read from the record, not from Redis: it left the live window (adapters/live_window.py),
    # so it can be read and not changed. Never stored; not on the shared wire (responders get
    # `read_only`, realtime/incident_wire.py).
    from_record: bool = False

    @property
    def pinned(self) -> bool:
        """Always on the first page of `incident:list` (issue #19): an open emergency, or an
        open urgent incident that nobody has claimed. A flood cannot push these out of sight."""
        if self.status is not Status.OPEN:
            return False
        return self.urgency is Urgency.EMERGENCY or (
            self.urgency is Urgency.URGENT and not self.claimed_by
        )

    def to_wire(self) -> dict[str, Any]:
        """The `Incident` of PROTOCOL.md, plus additive fields (`text`, `state`, ...)."""
        return {
            "incident_id": self.incident_id,
            "org_code": self.org_code,
            "status": self.status.value,
            "state": self.state,
            "urgency": self.urgency.value,
            "category": self.category.value,
            "language": self.triage.language,
            "confidence": round(self.triage.confidence, 4),
            "reasons": list(self.triage.reasons),
            "created_at": iso(self.created_at),
            "claimed_by": self.claimed_by,
            "escalation": [s.to_wire() for s in self.escalation],
            "text": self.text,
            "channel": self.channel.value,
            "contact_index": self.contact_index,
            "triage": self.triage.to_wire(),
            # The escalation policy snapshot, so a console can show whom to call next.
            "contacts": [c.to_wire() for c in self.policy.contacts] if self.policy else [],
            "law_enforcement": self.policy.law_enforcement.to_wire() if self.policy else None,
            "org_name": self.org_name or self.org_code,
            "org_timezone": self.org_timezone or None,
        } | ({"purged_at": iso(self.purged_at)} if self.purged_at is not None else {})


class DeadlineKind(enum.StrEnum):
    """What a durable deadline does when it comes due (escalation.engine.deadline_fired)."""

    # An emergency still unclaimed: page the agents again.
    REPAGE = "repage"
    # No outcome for the current contact in time: suggest the next one.
    CONTACT = "contact"
    # The school opened: tell its admins about a report that came in while it was closed.
    ADMINS = "admins"


@dataclasses.dataclass(frozen=True, slots=True)
class Deadline:
    """A timer kept in the store (adapters.deadlines), never an in-process sleep.

    `key` is unique per pending timer (scheduling the same key again replaces it);
    `generation` is the length of the incident's audit trail when it was scheduled, so
    the engine can tell whether the incident moved on since.
    """

    key: str
    incident_id: str
    kind: DeadlineKind
    due: dt.datetime
    generation: int = 0

    def to_wire(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "incident_id": self.incident_id,
            "kind": self.kind.value,
            "due": iso(self.due),
            "generation": self.generation,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Deadline:
        return cls(
            key=str(data["key"]),
            incident_id=str(data["incident_id"]),
            kind=DeadlineKind(data["kind"]),
            due=parse_iso(str(data["due"])),
            generation=int(data.get("generation", 0)),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Author:
    """Which responder wrote a responder message (shown to responders, never to reporters)."""

    responder_id: str
    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    """One chat message of an incident's conversation."""

    incident_id: str
    seq: int
    sender: Sender
    text: str
    at: dt.datetime
    author: Author | None = None

    def to_wire(self) -> dict[str, Any]:
        """PROTOCOL.md's Message, as the reporter sees it: "responder", never who."""
        return {
            "incident_id": self.incident_id,
            "seq": self.seq,
            "from": self.sender.value,
            "text": self.text,
            "at": iso(self.at),
        }

    def to_responder_wire(self) -> dict[str, Any]:
        """The Message for responders: plus `by` and `by_name` when a responder wrote it."""
        wire = self.to_wire()
        if self.author is not None:
            wire["by"] = self.author.responder_id
            wire["by_name"] = self.author.name
        return wire


def iso(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with a `Z`, millisecond precision.

    On the chat path one message's time is written several times (the store's entry, the
    reporter's and the responders' wire): the last one written is kept, so the same moment
    again costs an identity check (0.1 us against 1.5 us formatted; `isoformat` with a
    `timespec` takes 2.3 us). One tuple, swapped whole: safe from the classifier's threads."""
    global _LAST_ISO  # noqa: PLW0603  (a one-entry cache)
    last = _LAST_ISO
    if moment is last[0]:
        return last[1]
    utc = moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)
    text = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031  (the fastest here)
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond // 1000,
    )
    _LAST_ISO = (moment, text)
    return text


_LAST_ISO: tuple[dt.datetime | None, str] = (None, "")


def parse_iso(text: str) -> dt.datetime:
    """Inverse of `iso`; naive inputs are taken as UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
