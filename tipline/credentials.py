"""Receipts, tokens, ids and the server key: made with `secrets`, never stored in clear.

A receipt carries 120 bits of randomness and a token 192 (far above the 80 the threat model
needs), so a slow password hash (argon2, scrypt) would protect nothing: there is no small
space to brute-force. What the store needs is that its keys cannot be *made* without a secret:
`receipt_hash` and `token_hash` are plain SHA-256 digests (the config file lists tokens by
theirs), and the store files them under `keyed_hash(server_key, digest)`, an HMAC-SHA256 under
a key that lives outside Redis. Whoever can read or write Redis, but not the key, can neither
test a guess offline nor plant a receipt or token of their own (docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

# A token of 22 URL-safe base64 characters carries 132 bits; shorter ones are refused where
# Tipline is handed a token in clear (the demo tokens of the environment).
MIN_TOKEN_CHARS = 22
# The server key: at least 32 characters (`secrets.token_urlsafe(32)` gives 43).
MIN_KEY_CHARS = 32
KEY_FILE = "secret.key"

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


def keyed_hash(key: bytes, value: str) -> str:
    """The hex HMAC-SHA256 of `value` under `key`: what the store files hashes under, and a
    clean way to derive any other value that must not be computable without the key."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """A fingerprint of `key` that the store keeps, to refuse a start with another key
    (every receipt filed under the old one would silently stop working)."""
    return keyed_hash(key, "tipline:key-check")[:32]


class ServerKeyError(ValueError):
    """The server key is missing, unreadable or too short; the message says which."""


def new_server_key() -> str:
    """A new server key: 256 random bits, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


def key_from_text(text: str, *, where: str) -> bytes:
    """A key given as text (environment or file): at least MIN_KEY_CHARS once stripped."""
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise ServerKeyError(
            f"{where}: the server key must be at least {MIN_KEY_CHARS} characters "
            "(make one with: tipline key new FILE)"
        )
    return key.encode("utf-8")


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ServerKeyError(
            f"{path}: cannot read the server key: {exc.strerror} (make one with: tipline key "
            f"new {path})"
        ) from None
    return key_from_text(text, where=str(path))


def demo_key(data_dir: Path) -> bytes:
    """Demo mode's key: `<data_dir>/secret.key`, made at the first start (mode 0600, in a
    folder of mode 0700) and read at every later one, so a restart keeps every receipt.
    Written aside and linked into place, so that two processes starting at once on one
    folder never read a half-written key: both end up with the one that was linked first."""
    return read_key_file(made_once(data_dir, KEY_FILE, new_server_key))


def made_once(data_dir: Path, name: str, make: Callable[[], str]) -> Path:
    """`<data_dir>/<name>` (mode 0600, in a folder of mode 0700), written with `make()` at
    the first start and kept after. Written aside and linked into place, so that two
    processes starting at once never read a half-written file: both end up with the one
    that was linked first."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    path = data_dir / name
    if not path.exists():
        aside = data_dir / f".{name}.{secrets.token_hex(8)}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(make() + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process linked its file first; that one is kept
        finally:
            aside.unlink()
    path.chmod(0o600)
    return path


def new_incident_id() -> str:
    """`TL-` and 10 characters (50 bits): short enough for a phone call, unguessable enough."""
    return "TL-" + _code(10)
