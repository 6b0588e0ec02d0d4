"""What the Redis stores write, and how it reads back: incidents, steps, messages,
organisations and responders to and from Redis hashes, stream entries and JSON.

Pure functions of values (no client, no I/O), so the format of what is stored can be read
and tested in one place. The key layout is in adapters/redis_keys.py.

What people wrote (the report's text, each message's text, each step's note) is sealed
here with the data key ring (adapters/sealing.py, docs/record.md "Encryption at rest"), so
the rest of the code sees plain models and Redis, its RDB dumps and its AOF hold no text:

- the incident's `doc`: `"sealed_text": [key id, base64]` in place of `"text"`, and in its
  `triage` `"sealed_reasons"` (a JSON list, sealed) in place of `"reasons"`, which quote the
  words of the report that fired a rule;
- a step's JSON: `"sealed_note": [key id, base64]` in place of `"note"`;
- a message's stream entry: `text` holds the sealed bytes and `k` their key id.

Each is bound to its incident (associated data `redis:<kind>:<incident id>`), so a sealed
value copied into another incident does not open. A value stored plain (by a version before
this one, or with no ring) has no key id and is read as it is: an upgrade keeps the open
incidents. With `ring=None` values are written plain (tests that never meet a data key).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from adapters.sealing import KeyRing
from tipline import models


def text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def report_context(incident_id: str) -> str:
    return f"redis:report:{incident_id}"


def note_context(incident_id: str) -> str:
    return f"redis:note:{incident_id}"


def message_context(incident_id: str) -> str:
    return f"redis:msg:{incident_id}"


def seal_field(ring: KeyRing, value: str, *, context: str) -> list[str]:
    """`[key id, base64 of nonce + ciphertext + tag]`, as JSON documents hold it."""
    key_id, data = ring.seal(value, context=context)
    return [key_id, base64.b64encode(data).decode()]


def open_field(ring: KeyRing | None, sealed: Any, *, context: str) -> str:
    """The text of a `seal_field` value; SealedError when it does not open."""
    key_id, encoded = sealed
    if ring is None:
        raise ValueError("a sealed value and no data key ring to open it (RedisPart ring=)")
    return ring.unseal(str(key_id), base64.b64decode(encoded), context=context)


# -- incidents -----------------------------------------------------------------------------
def step_json(step: models.Step, incident_id: str, ring: KeyRing | None = None) -> str:
    wire = step.to_wire()
    if ring is not None and step.note is not None:
        del wire["note"]
        wire["sealed_note"] = seal_field(ring, step.note, context=note_context(incident_id))
    return json.dumps(wire, ensure_ascii=False)


def step_from(raw: bytes | str, incident_id: str, ring: KeyRing | None = None) -> models.Step:
    wire = json.loads(raw)
    sealed = wire.pop("sealed_note", None)
    if sealed is not None:
        wire["note"] = open_field(ring, sealed, context=note_context(incident_id))
    return models.Step.from_wire(wire)


def reasons_context(incident_id: str) -> str:
    return f"redis:reasons:{incident_id}"


def incident_doc(incident: models.Incident, ring: KeyRing | None = None) -> str:
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
    if ring is not None:
        doc = _sealed_doc(doc, incident.text, list(incident.triage.reasons), ring)
    return json.dumps(doc, ensure_ascii=False)


def _doc_texts(doc: dict[str, Any], ring: KeyRing | None) -> tuple[str, list[str]]:
    """The report's text and the triage's reasons (they quote the words that fired a rule)
    of a doc, sealed or plain."""
    incident_id, triage = doc["incident_id"], doc["triage"]
    sealed = doc.get("sealed_text")
    text = (
        doc["text"]
        if sealed is None
        else open_field(ring, sealed, context=report_context(incident_id))
    )
    sealed = triage.get("sealed_reasons")
    reasons = (
        list(triage["reasons"])
        if sealed is None
        else json.loads(open_field(ring, sealed, context=reasons_context(incident_id)))
    )
    return text, reasons


def _sealed_doc(
    doc: dict[str, Any], text: str, reasons: list[str], ring: KeyRing
) -> dict[str, Any]:
    incident_id = doc["incident_id"]
    out = {k: v for k, v in doc.items() if k not in ("text", "sealed_text")}
    out["sealed_text"] = seal_field(ring, text, context=report_context(incident_id))
    triage = {k: v for k, v in doc["triage"].items() if k not in ("reasons", "sealed_reasons")}
    triage["sealed_reasons"] = seal_field(
        ring, json.dumps(reasons, ensure_ascii=False), context=reasons_context(incident_id)
    )
    out["triage"] = triage
    return out


def incident_from(
    fields: dict[bytes, bytes], steps: list[bytes], ring: KeyRing | None = None
) -> models.Incident:
    """The incident of its hash's `fields` and its trail's `steps`."""
    doc = json.loads(fields[b"doc"])
    triage = doc["triage"]
    incident_id = doc["incident_id"]
    report, reasons = _doc_texts(doc, ring)
    return models.Incident(
        incident_id=incident_id,
        org_code=doc["org_code"],
        text=report,
        channel=models.Channel(doc["channel"]),
        created_at=models.parse_iso(doc["created_at"]),
        triage=models.Triage(
            urgency=models.Urgency(triage["urgency"]),
            category=models.Category(triage["category"]),
            language=triage["language"],
            confidence=float(triage["confidence"]),
            reasons=tuple(reasons),
        ),
        urgency=models.Urgency(doc["urgency"]),
        category=models.Category(doc["category"]),
        status=models.Status(fields[b"status"].decode()),
        state=doc["state"],
        claimed_by=fields.get(b"claimed_by", b"").decode() or None,
        contact_index=int(doc["contact_index"]),
        policy=models.Policy.from_wire(doc["policy"]) if doc.get("policy") else None,
        escalation=tuple(step_from(s, incident_id, ring) for s in steps),
        version=int(fields[b"version"]),
        org_name=doc.get("org_name", ""),
        org_timezone=doc.get("org_timezone", ""),
    )


# -- messages ------------------------------------------------------------------------------
def message_text(incident_id: str, value: str, ring: KeyRing | None) -> tuple[bytes | str, str]:
    """(what the entry's `text` holds, its key id `k`; "" = plain) of a message's text."""
    if ring is None:
        return value, ""
    key_id, data = ring.seal(value, context=message_context(incident_id))
    return data, key_id


def message_from(
    incident_id: str, entry_id: bytes, fields: dict[bytes, bytes], ring: KeyRing | None = None
) -> models.Message:
    """The message of one stream entry (its id is `<seq>-0`)."""
    by = fields.get(b"by")
    author = models.Author(by.decode(), fields.get(b"by_name", b"").decode()) if by else None
    key_id = fields.get(b"k")
    if key_id is None:
        body = fields[b"text"].decode()
    elif ring is None:
        raise ValueError("a sealed message and no data key ring to open it (RedisPart ring=)")
    else:
        body = ring.unseal(key_id.decode(), fields[b"text"], context=message_context(incident_id))
    return models.Message(
        incident_id=incident_id,
        seq=int(entry_id.split(b"-")[0]),
        sender=models.Sender(fields[b"from"].decode()),
        text=body,
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


# -- re-sealing (a key rotation, or values stored plain before sealing) ----------------------
def resealed_doc(raw: bytes, ring: KeyRing) -> str | None:
    """The incident doc with its text and reasons sealed under `ring.current`; None when
    they are already."""
    doc = json.loads(raw)
    kept = (doc.get("sealed_text"), doc["triage"].get("sealed_reasons"))
    if all(sealed is not None and sealed[0] == ring.current for sealed in kept):
        return None
    text, reasons = _doc_texts(doc, ring)
    return json.dumps(_sealed_doc(doc, text, reasons, ring), ensure_ascii=False)


def resealed_step(raw: bytes, incident_id: str, ring: KeyRing) -> str | None:
    """The step JSON with its note sealed under `ring.current`; None when it is already (or
    has no note)."""
    wire = json.loads(raw)
    sealed = wire.get("sealed_note")
    if (sealed is None and wire.get("note") is None) or (sealed and sealed[0] == ring.current):
        return None
    return step_json(step_from(raw, incident_id, ring), incident_id, ring)


def resealed_message(
    incident_id: str, fields: dict[bytes, bytes], ring: KeyRing
) -> dict[bytes, bytes] | None:
    """The stream entry's fields with the text sealed under `ring.current`; None when it is."""
    if fields.get(b"k") == ring.current.encode():
        return None
    opened = message_from(incident_id, b"0-0", fields, ring).text
    stored, key_id = message_text(incident_id, opened, ring)
    return {
        **fields,
        b"text": bytes(stored) if isinstance(stored, bytes) else stored.encode(),
        b"k": key_id.encode(),
    }
