"""Proof of work for anonymous reports: a cost that falls on whoever sends, never a lockout.

Access codes are public, so any budget per school is a switch that a stranger can flip to
shut that school's tip line. Instead each report pays: the server hands out a challenge, and
the client must find a nonce such that SHA-256 of `"<challenge>:<nonce>"` (UTF-8) begins
with `difficulty` zero bits, about 2**difficulty hashes. An honest student pays that once (a
fraction of a second on a phone at the base difficulty); a flood pays it for every report,
and the difficulty rises with the school's load (docs/security.md has the figures).

Challenges are stateless: `<expires>.<difficulty>.<nonce>.<mac>`, signed with a secret the
server keeps, for one school. Handing one out writes nothing, so a flood of challenge requests
fills no memory; only a redeemed challenge is recorded (single use, until it expires), and
that costs the sender the work first. Pure: no I/O, time comes in as a value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import re
import secrets

ALGORITHM = "sha256-leading-zero-bits"
_MAC_BYTES = 16
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """How hard a school's challenges are. Bits double the work each."""

    # What an honest report costs when the school is calm (2**16 hashes: docs/security.md).
    base_bits: int = 16
    # The most a report ever costs; an honest student under a flood pays this too (about
    # 1.2-2.4 s in desktop Chromium here, several times that on an old phone).
    max_bits: int = 20
    # Reports a school may take in a window before the difficulty rises, one bit per
    # doubling above it.
    calm_reports: int = 30
    window_s: float = 60.0
    # How long a challenge may be used: long enough to write a report after asking for it.
    ttl_s: float = 900.0

    def difficulty(self, load: int) -> int:
        """The difficulty for a school that took `load` reports in the current window."""
        if load < self.calm_reports:
            return self.base_bits
        doublings = int(math.log2(load / self.calm_reports)) + 1
        return min(self.max_bits, self.base_bits + doublings)


@dataclasses.dataclass(frozen=True, slots=True)
class Challenge:
    """What the client must solve: `token`, `difficulty` bits, usable for `expires_in_s`."""

    token: str
    difficulty: int
    expires_in_s: int

    def to_wire(self) -> dict[str, object]:
        return {
            "challenge": self.token,
            "difficulty": self.difficulty,
            "algorithm": ALGORITHM,
            "expires_in": self.expires_in_s,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Proof:
    """A client's answer to a challenge."""

    challenge: str
    nonce: str


@dataclasses.dataclass(frozen=True, slots=True)
class Checked:
    """A proof that holds: `spend_id` is recorded once, for `ttl_s` seconds."""

    spend_id: str
    ttl_s: float


def issue(*, secret: bytes, org_code: str, difficulty: int, now: float, ttl_s: float) -> Challenge:
    """A fresh challenge for `org_code`, signed with `secret`; `now` in Unix seconds."""
    expires = int(now + ttl_s)
    nonce = secrets.token_hex(16)
    body = f"{expires}.{difficulty}.{nonce}"
    return Challenge(
        token=f"{body}.{_mac(secret, org_code, body)}",
        difficulty=difficulty,
        expires_in_s=int(ttl_s),
    )


def check(*, secret: bytes, org_code: str, proof: Proof, now: float) -> Checked | None:
    """The proof's spend record if it answers a live challenge of `org_code`, else None.

    Single use is the caller's part: record `spend_id` and refuse it when already there."""
    parts = proof.challenge.split(".")
    if len(parts) != 4 or not all(_DIGITS.fullmatch(p) for p in parts[:2]):
        return None
    expires, difficulty, nonce, mac = int(parts[0]), int(parts[1]), parts[2], parts[3]
    body = ".".join(parts[:3])
    if not hmac.compare_digest(mac, _mac(secret, org_code, body)):
        return None
    if expires <= now or leading_zero_bits(digest(proof.challenge, proof.nonce)) < difficulty:
        return None
    return Checked(spend_id=nonce, ttl_s=expires - now)


def digest(challenge: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()


def leading_zero_bits(value: bytes) -> int:
    """How many zero bits `value` starts with."""
    as_int = int.from_bytes(value, "big")
    return len(value) * 8 - as_int.bit_length()


def solve(challenge: str, difficulty: int) -> str:
    """The first nonce (decimal, from 0) that solves `challenge`: what the page's worker does,
    for Python clients, tests and the bench."""
    prefix = f"{challenge}:".encode()
    limit = 1 << (256 - difficulty)
    n = 0
    while int.from_bytes(hashlib.sha256(prefix + str(n).encode()).digest(), "big") >= limit:
        n += 1
    return str(n)


def new_secret() -> bytes:
    return secrets.token_bytes(32)


def _mac(secret: bytes, org_code: str, body: str) -> str:
    signed = hmac.new(secret, f"{org_code}|{body}".encode(), hashlib.sha256).digest()
    return signed[:_MAC_BYTES].hex()
