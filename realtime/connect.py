"""What a namespace connect with a credential shares on both sides: the proof of work in
`auth` and the refusal that carries a challenge (tipline/guessing.py)."""

from __future__ import annotations

from typing import Any

import pydantic
import socketio

from realtime import payloads
from tipline import pow as proof_of_work
from tipline.errors import AppError, RefusedError

# What a malformed `pow` is taken as: a proof that does not hold (`pow_invalid`, with a
# fresh challenge), so a client with a bug is told what to solve rather than turned away.
_UNSOLVED = proof_of_work.Proof(challenge="", nonce="")


def proof_in(auth: dict[str, Any]) -> proof_of_work.Proof | None:
    """The solved challenge of `auth={..., "pow": {"challenge", "nonce"}}`, if any."""
    answer = auth.get("pow")
    if answer is None:
        return None
    try:
        solved = payloads.PowAnswer.model_validate(answer)
    except pydantic.ValidationError:
        return _UNSOLVED
    return proof_of_work.Proof(solved.challenge, solved.nonce)


def refused(exc: AppError) -> socketio.exceptions.ConnectionRefusedError:
    """The CONNECT_ERROR of `exc`: `{"code"}`, plus `"challenge"` when a solved proof of
    work would let the next try be checked (`pow_required`, `pow_invalid`)."""
    data: dict[str, object] = {"code": exc.code}
    if isinstance(exc, RefusedError):
        data["challenge"] = exc.challenge.to_wire()
    return socketio.exceptions.ConnectionRefusedError(exc.message, data)
