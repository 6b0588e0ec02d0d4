"""`report:create`'s `client_id`: a retry returns the same incident and the same receipt,
while the store still keeps no receipt that it could show to anyone.

A reporter's page picks a random `client_id` (at least 16 characters) for each report and
sends it again with every retry of that report. For `RETRY_WINDOW_S` after the report is
filed the store keeps, under the SHA-256 of the school and the client id (never the id
itself), the incident id and the receipt **sealed** with a pad that only the client id
opens: HMAC-SHA256 keyed by another hash of the school and client id (domain-separated
from the lookup key, so the key does not give the pad away), over the incident id. Each
client id seals exactly one receipt, so the pad is never reused. Whoever holds the store
without the client id can read neither the client id nor the receipt; after the window only
the receipt's hash is left, as for every receipt (`tipline.credentials`). A retry must also
carry the same text, so a guessed client id alone opens nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from tipline import credentials

# Long enough for a page or an app to retry across a dropped connection, a reload of the
# socket or a server restart; short enough that a sealed receipt does not linger.
RETRY_WINDOW_S = 3600
_PAD = 32  # bytes of one HMAC-SHA256


@dataclasses.dataclass(frozen=True, slots=True)
class ReportClient:
    """One report's client id, within its school."""

    school: str
    client_id: str

    @property
    def key(self) -> str:
        """What the store files the retry record under (a hash: the id is never stored)."""
        return credentials.hash_secret(f"report-client:{self.school}:{self.client_id}")

    def seal(self, receipt: str, incident_id: str) -> str:
        data = receipt.encode("ascii")
        if len(data) > _PAD:
            raise ValueError("a receipt longer than one pad")
        return bytes(a ^ b for a, b in zip(data, self._pad(incident_id), strict=False)).hex()

    def unseal(self, sealed: str, incident_id: str) -> str:
        data = bytes.fromhex(sealed)
        # Another client id opens nothing readable: the caller checks it against the store.
        plain = bytes(a ^ b for a, b in zip(data, self._pad(incident_id), strict=False))
        return plain.decode("ascii", "replace")

    def _pad(self, incident_id: str) -> bytes:
        key = hashlib.sha256(f"report-seal:{self.school}:{self.client_id}".encode()).digest()
        return hmac.new(key, incident_id.encode(), hashlib.sha256).digest()
