"""Receipts, tokens and ids: made with `secrets`, stored only as SHA-256 hashes.

A receipt carries 120 bits of randomness (far above the 80 the threat model needs), so a plain
SHA-256 is enough to store it: there is nothing to brute-force that a slow hash would protect.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

# Crockford-style alphabet without I, L, O, U: easy to read aloud and to type on a phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


_LOOKALIKES = str.maketrans("OIL", "011")


def _code(n_chars: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n_chars))


def new_receipt() -> str:
    """24 characters of a 32-letter alphabet (120 bits), grouped by four: `ABCD-EFGH-...`."""
    raw = _code(24)
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def normalize_receipt(receipt: str) -> str:
    """What the user typed, the way it was issued: upper case, no spaces or dashes, O->0, I/L->1."""
    cleaned = "".join(ch for ch in receipt.upper() if ch.isalnum())
    return cleaned.translate(_LOOKALIKES)


def receipt_hash(receipt: str) -> str:
    return hash_secret("receipt:" + normalize_receipt(receipt))


def new_token() -> str:
    """A responder token: 192 bits, URL-safe."""
    return base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")


def token_hash(token: str) -> str:
    """The hex SHA-256 of a responder token, as the config file and the store keep it."""
    return hash_secret(token)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_incident_id() -> str:
    """`TL-` and 10 characters (50 bits): short enough for a phone call, unguessable enough."""
    return "TL-" + _code(10)
