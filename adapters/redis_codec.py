"""What the Redis stores write, and how it reads back: incidents, steps, messages,
organisations and responders to and from Redis hashes, stream entries and JSON.

Pure functions of values (no client, no I/O), so the format of what is stored can be read
and tested in one place. The key layout is in adapters/redis_keys.py.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tipline import models


def text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


# -- incidents -----------------------------------------------------------------------------
def step_json(step: models.Step) -> str:
    return json.dumps(step.to_wire(), ensure_ascii=False)


def incident_doc(incident: models.Incident) -> str:
    """Everything but the trail, the claim and the version, which have their own fields."""
    doc = {
        "incident_id": incident.incident_id,
        "org_code": incident.org_code,
        "text": incident.text,
        "channel": incident.channel.value,
        "created_at": models.iso(incident.created_at),
        "triage": incident.triage.to_wire(),
        "urgency": incident.urgency.value,
        "category": incident.category.value,
        "state": incident.state,
        "contact_index": incident.contact_index,
        "policy": incident.policy.to_wire() if incident.policy else None,
        "org_name": incident.org_name,
        "org_timezone": incident.org_timezone,
    }
    return json.dumps(doc, ensure_ascii=False)


def incident_from(fields: dict[bytes, bytes], steps: list[bytes]) -> models.Incident:
    """The incident of its hash's `fields` and its trail's `steps`."""
    doc = json.loads(fields[b"doc"])
    triage = doc["triage"]
    return models.Incident(
        incident_id=doc["incident_id"],
        org_code=doc["org_code"],
        text=doc["text"],
        channel=models.Channel(doc["channel"]),
        created_at=models.parse_iso(doc["created_at"]),
        triage=models.Triage(
            urgency=models.Urgency(triage["urgency"]),
            category=models.Category(triage["category"]),
            language=triage["language"],
            confidence=float(triage["confidence"]),
            reasons=tuple(triage["reasons"]),
        ),
        urgency=models.Urgency(doc["urgency"]),
        category=models.Category(doc["category"]),
        status=models.Status(fields[b"status"].decode()),
        state=doc["state"],
        claimed_by=fields.get(b"claimed_by", b"").decode() or None,
        contact_index=int(doc["contact_index"]),
        policy=models.Policy.from_wire(doc["policy"]) if doc.get("policy") else None,
        escalation=tuple(models.Step.from_wire(json.loads(s)) for s in steps),
        version=int(fields[b"version"]),
        org_name=doc.get("org_name", ""),
        org_timezone=doc.get("org_timezone", ""),
    )


# -- messages ------------------------------------------------------------------------------
def message_from(incident_id: str, entry_id: bytes, fields: dict[bytes, bytes]) -> models.Message:
    """The message of one stream entry (its id is `<seq>-0`)."""
    by = fields.get(b"by")
    author = models.Author(by.decode(), fields.get(b"by_name", b"").decode()) if by else None
    return models.Message(
        incident_id=incident_id,
        seq=int(entry_id.split(b"-")[0]),
        sender=models.Sender(fields[b"from"].decode()),
        text=fields[b"text"].decode(),
        at=models.parse_iso(fields[b"at"].decode()),
        author=author,
    )


# -- directory -----------------------------------------------------------------------------
def org_to_json(org: models.Organization) -> str:
    return json.dumps(
        {
            "code": org.code,
            "name": org.name,
            "timezone": org.timezone,
            "hours": {
                str(day): [h.opens.isoformat("minutes"), h.closes.isoformat("minutes")]
                for day, h in sorted(org.hours.items())
            },
            "holidays": [d.isoformat() for d in org.holidays],
            "policy": org.policy.to_wire(),
            "languages": list(org.languages),
        }
    )


def org_from_json(raw: str) -> models.Organization:
    data = json.loads(raw)
    return models.Organization(
        code=data["code"],
        name=data["name"],
        timezone=data["timezone"],
        hours={
            int(day): models.Hours(opens=dt.time.fromisoformat(o), closes=dt.time.fromisoformat(c))
            for day, (o, c) in data["hours"].items()
        },
        holidays=tuple(dt.date.fromisoformat(d) for d in data["holidays"]),
        policy=models.Policy.from_wire(data["policy"]),
        languages=tuple(data["languages"]),
    )


def responder_to_dict(responder: models.Responder) -> dict[str, Any]:
    return {
        "responder_id": responder.responder_id,
        "name": responder.name,
        "role": responder.role.value,
        "org_code": responder.org_code,
        "slack_user_id": responder.slack_user_id,
    }


def responder_from_dict(data: dict[str, Any]) -> models.Responder:
    return models.Responder(
        responder_id=data["responder_id"],
        name=data["name"],
        role=models.Role(data["role"]),
        org_code=data.get("org_code"),
        slack_user_id=data.get("slack_user_id"),
    )
