"""Encryption at rest of what people wrote: AES-256-GCM under a ring of data keys.

Report text, messages and step notes are sealed before they are stored (in PostgreSQL and,
later, in Redis) with AES-256-GCM from the `cryptography` package: a fresh 96-bit nonce a
record, the key id stored beside the bytes, and the record's own name (`context`: e.g.
`msg:<incident>:<seq>`) as associated data, so a sealed body moved to another row no
longer opens. The first key of the ring seals; every key of the ring opens, so a new key
is rotated in first and the old one dropped once `tipline db reseal` has moved every row
(docs/operations.md). Rows written before encryption carry the key id `plain` and open
as they are; they are re-sealed by the same command.

Keys come from `TIPLINE_DATA_KEY` or a key file, one `key_id:base64` per entry (the
first current), parsed by `parse`; `new_key_line` makes one.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PLAIN = "plain"
_NONCE = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DataKeyError(ValueError):
    """The data keys are missing, malformed, or not the ones the records were sealed with."""


class SealedError(ValueError):
    """A sealed record does not open: wrong key, another record's bytes, or corruption."""


class KeyRing:
    """Data keys by id; `current` seals, all open."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise DataKeyError(f"the current data key {current!r} is not in the ring")
        for key_id, key in keys.items():
            if not _KEY_ID.match(key_id) or key_id == PLAIN:
                raise DataKeyError(f"data key id {key_id!r}: use 1-32 letters, digits, _ or -")
            if len(key) != 32:
                raise DataKeyError(f"data key {key_id!r} is {len(key)} bytes; AES-256 needs 32")
        self.current = current
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._aead)

    def seal(self, text: str, *, context: str) -> tuple[str, bytes]:
        """(key id, nonce + ciphertext + tag) of `text`, bound to `context`."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead[self.current].encrypt(nonce, text.encode(), context.encode())
        return self.current, nonce + sealed

    def unseal(self, key_id: str, data: bytes, *, context: str) -> str:
        """The text of a sealed record; SealedError when it does not open."""
        if key_id == PLAIN:  # written before encryption: re-sealed by `tipline db reseal`
            return bytes(data).decode()
        aead = self._aead.get(key_id)
        if aead is None:
            raise SealedError(f"sealed with data key {key_id!r}, which is not configured")
        raw = bytes(data)
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except InvalidTag as exc:
            raise SealedError(f"a record under data key {key_id!r} does not open") from exc


def parse(text: str) -> KeyRing:
    """A ring from `id:base64[, id:base64 ...]` (commas or lines; the first is current)."""
    entries = [e.strip() for e in re.split(r"[,\n]", text) if e.strip() and not e.startswith("#")]
    if not entries:
        raise DataKeyError("no data key given (TIPLINE_DATA_KEY or the data key file is empty)")
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        if not sep:
            raise DataKeyError("a data key is written `key_id:base64` (see `tipline datakey new`)")
        try:
            keys[key_id.strip()] = base64.urlsafe_b64decode(encoded.strip() + "==")
        except ValueError as exc:
            raise DataKeyError(f"data key {key_id.strip()!r} is not base64") from exc
    return KeyRing(keys, current=next(iter(keys)))


def new_key_line(key_id: str | None = None) -> str:
    """A new `key_id:base64` entry with 32 random bytes."""
    name = key_id or f"k{secrets.token_hex(3)}"
    return f"{name}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"
