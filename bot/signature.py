"""Slack's request signature, checked before anything parses the body.

slack_sdk's `SignatureVerifier` raises on a timestamp that is not an integer (`abc`, empty,
`1e9`: a 500 for an unsigned request) and accepts a request dated up to five minutes in the
future, which then stays valid for ten minutes, longer than any replay record kept for it.
Here a timestamp is a plain number of seconds, may be at most `MAX_SKEW_S` ahead of our
clock (Slack's and ours drift by seconds, not minutes) and at most `MAX_AGE_S` old, so a
request is accepted during at most `MAX_SKEW_S + MAX_AGE_S` seconds: `REPLAY_S` covers it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

MAX_AGE_S = 300  # Slack's own rule: refuse requests older than five minutes
MAX_SKEW_S = 60  # how far ahead of our clock a request may be dated
# How long a seen signature is remembered: a request first seen at the earliest moment it is
# accepted (timestamp - MAX_SKEW_S) is accepted until timestamp + MAX_AGE_S.
REPLAY_S = MAX_SKEW_S + MAX_AGE_S + 10
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


def timestamp_of(headers: Mapping[str, str], *, now: float) -> int | None:
    """The request's timestamp when it is well formed and within the accepted window."""
    raw = headers.get("X-Slack-Request-Timestamp", "")
    if not _TIMESTAMP.match(raw):
        return None
    timestamp = int(raw)
    if timestamp > now + MAX_SKEW_S or timestamp < now - MAX_AGE_S:
        return None
    return timestamp


def is_valid(secret: str, body: str, headers: Mapping[str, str], *, now: float) -> bool:
    """Whether `body` carries Slack's HMAC-SHA256 under `secret` and a timestamp we accept."""
    timestamp = timestamp_of(headers, now=now)
    signature = headers.get("X-Slack-Signature", "")
    if timestamp is None or not _SIGNATURE.match(signature):
        return False
    base = f"v0:{timestamp}:{body}".encode()
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
