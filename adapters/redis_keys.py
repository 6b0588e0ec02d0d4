"""Where the Redis stores keep what (adapters/redis_incidents.py, redis_messages.py,
redis_directory.py): the key layout, written once. Pure: names, no I/O.

Keys (prefix `P`, default `tl`; `{id}` is a hash tag so one incident's keys share a cluster slot):

- `P:org:<code>`: JSON of an organisation; `P:orgs`: set of codes.
- `P:resp:<id>`: JSON of a responder with its sealed token hash; `P:responders`: set of ids;
  `P:tokh:<sealed>`: responder id.
- `P:slack:<Slack user id>`: responder id, for responders mapped to a Slack user.
- `P:keycheck`: the fingerprint of the server key that sealed the hashes (`credentials`).
- `P:datakeys`: data key id -> a known text sealed under it, for every key that sealed
  values here (adapters/redis_reseal.py: the start's check).
- `P:inc:{<id>}`: hash with `doc` (JSON; its text and triage reasons sealed,
  adapters/redis_codec.py), `status`, `claimed_by`, `version`, `last_seq`, and the last
  write tokens `ops`, `mops` (adapters/redis_once.py).
- `P:inc:{<id>}:steps`: list of JSON steps, the append-only audit trail.
- `P:inc:{<id>}:msgs`: stream of messages whose entry id is `<seq>-0`; `...:cids`: hash
  dedupe key -> `<seq>:<token>` (`<seq>` from older versions); `...:rl:<sender>`: the
  sender's message budget.
- `P:idx:<scope>:<status>`: sorted sets of incident ids by creation time, scope `all` or
  `org:<code>`; `P:idx:<scope>:pinned`: a superset of the open emergencies and unclaimed
  urgent ones (`Incident.pinned`), added before each write, pruned when read.
- `P:rcpt:<sealed>`: incident id.
- `P:rclient:<sha256>`: hash `incident_id`, `sealed` (the receipt sealed for a retry,
  `tipline.report_client`), for one retry window after `report:create` with a `client_id`.

"Sealed" is `credentials.keyed_hash(server key, the SHA-256 the caller passes)`: without the
key, nobody who can read or write Redis can test a receipt or token, or plant one. Stores of
older versions kept the plain digests (`P:receipt:<sha256>`, `P:tok:<sha256>`);
`RedisDirectory.seal_legacy` moves them under the key once.
"""

from __future__ import annotations

import dataclasses

from tipline import credentials, models


@dataclasses.dataclass(frozen=True, slots=True)
class Keys:
    """The names of one store's keys. `seal_key` seals receipt and token hashes; None (hashes
    filed as given) is for tests that never meet a credential."""

    prefix: str
    seal_key: bytes | None = None

    def seal(self, digest: str) -> str:
        if self.seal_key is None:
            return digest
        return credentials.keyed_hash(self.seal_key, digest)

    def archive(self) -> str:
        """The archive stream (adapters/archive.py): one entry a live write, in its script.
        Not hash-tagged: every incident's writes name it, so the store needs one Redis (a
        primary with replicas, Sentinel), not a cluster."""
        return f"{self.prefix}:archive"

    # -- incidents -------------------------------------------------------------------------
    def incident(self, incident_id: str) -> str:
        return f"{self.prefix}:inc:{{{incident_id}}}"

    def steps(self, incident_id: str) -> str:
        return self.incident(incident_id) + ":steps"

    def index(self, status: models.Status, org_code: str | None) -> str:
        return f"{self.prefix}:idx:{_scope(org_code)}:{status.value}"

    def pinned(self, org_code: str | None) -> str:
        return f"{self.prefix}:idx:{_scope(org_code)}:pinned"

    def receipt(self, receipt_hash: str) -> str:
        return f"{self.prefix}:rcpt:{self.seal(receipt_hash)}"

    def retry(self, client_key: str) -> str:
        return f"{self.prefix}:rclient:{client_key}"

    # -- messages --------------------------------------------------------------------------
    def messages(self, incident_id: str) -> str:
        return self.incident(incident_id) + ":msgs"

    def dedupe(self, incident_id: str) -> str:
        return self.incident(incident_id) + ":cids"

    def budget(self, incident_id: str, sender: models.Sender) -> str:
        return f"{self.incident(incident_id)}:rl:{sender.value}"

    # -- directory -------------------------------------------------------------------------
    def organization(self, code: str) -> str:
        return f"{self.prefix}:org:{code}"

    def organizations(self) -> str:
        return f"{self.prefix}:orgs"

    def responder(self, responder_id: str) -> str:
        return f"{self.prefix}:resp:{responder_id}"

    def responders(self) -> str:
        return f"{self.prefix}:responders"

    def token(self, sealed: str) -> str:
        """The index of a responder's token by its hash, sealed already (`seal`)."""
        return f"{self.prefix}:tokh:{sealed}"

    def slack_user(self, slack_user_id: str) -> str:
        return f"{self.prefix}:slack:{slack_user_id}"

    def key_check(self) -> str:
        return f"{self.prefix}:keycheck"

    def pattern(self, kind: str) -> str:
        """A SCAN MATCH pattern of every `P:<kind>:...` key, the prefix taken literally."""
        literal = "".join(f"\\{c}" if c in "*?[]\\" else c for c in self.prefix)
        return f"{literal}:{kind}:*"


def _scope(org_code: str | None) -> str:
    return f"org:{org_code}" if org_code else "all"
