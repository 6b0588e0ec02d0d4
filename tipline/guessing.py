"""Guessing receipts and tokens: a cost on every guess past a budget, never a lockout.

Every process together checks a budget of failed attempts a window for free (300 wrong
receipts, and apart 300 wrong tokens, a minute). Past it an attempt is checked only with a
solved proof of work (`tipline/pow.py`): without one it is refused `pow_required`, unchecked,
with a challenge to solve; a wrong credential with a proof still counts as a failure. So a
stranger's flood can no longer keep a student with a receipt or an agent with a token out
(they solve one challenge, about a second on a page), and each of the flood's further guesses
costs its sender the work, which grows with the failure rate (docs/security.md).

Only checked failures stay counted: an attempt refused unchecked gives its count back, so a
proofless flood, which costs nothing, cannot raise the difficulty honest users pay.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from typing import Literal

from tipline import pow as proof_of_work
from tipline.errors import RefusedError
from tipline.limits import Limits
from tipline.ports import Clock, ProofLedger, RateLimiter

log = logging.getLogger("tipline.guessing")

Kind = Literal["receipt", "token"]
_BUCKET = "guess:"  # + kind: the window's failed attempts
# A challenge for a connect is solved at once; a short life keeps the spent ones few.
CHALLENGE_TTL_S = 120.0


def difficulty(policy: proof_of_work.Policy, *, failures: int, budget: int) -> int:
    """`base_bits` at the budget, one bit more per doubling of the window's failures past
    it, never more than `max_bits` (what an honest page solves in about a second or two)."""
    doublings = int(math.log2(max(failures, budget, 1) / max(budget, 1)))
    return min(policy.max_bits, policy.base_bits + doublings)


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One credential attempt let through to be checked; `used` its place in the window."""

    kind: Kind
    used: int


class GuessGate:
    """Decides which credential attempts are checked, and counts the failures."""

    def __init__(
        self,
        *,
        ledger: ProofLedger,
        limiter: RateLimiter,
        limits: Limits,
        policy: proof_of_work.Policy,
        clock: Clock,
    ) -> None:
        self._ledger = ledger
        self._limiter = limiter
        self._limits = limits
        self._policy = policy
        self._clock = clock

    async def attempt(self, kind: Kind, proof: proof_of_work.Proof | None) -> Attempt:
        """Take one attempt of `kind` from the window; past the budget only with a solved,
        unspent proof of `kind`, else RefusedError (`pow_required`, or `pow_invalid` for a
        proof that does not hold) with a fresh challenge."""
        bucket = _BUCKET + kind
        used = await self._limiter.count(bucket, window_s=self._limits.guess_window_s)
        if used <= self._limits.guess_failures_per_window:
            return Attempt(kind, used)
        if proof is not None and await self._redeem(kind, proof):
            return Attempt(kind, used)
        await self._limiter.refund(bucket)  # nothing was checked: no failure to count
        challenge = await self._challenge(kind, failures=used - 1)
        if proof is not None:
            raise RefusedError(
                "pow_invalid", "the proof of work does not hold; solve this one", challenge
            )
        raise RefusedError(
            "pow_required",
            "many wrong attempts right now: solve this proof of work and connect again",
            challenge,
        )

    async def failed(self, attempt: Attempt) -> None:
        """A wrong receipt or token: it stays counted; logged on the window's first failure,
        every tenth, and once when the free budget is spent, nothing of the guess itself."""
        used = attempt.used
        if used == 1 or used % 10 == 0:
            log.warning("auth.guessing", extra={"kind": attempt.kind, "failures_in_window": used})
        if used == self._limits.guess_failures_per_window:
            log.warning("auth.guess_budget_spent", extra={"kind": attempt.kind})

    async def succeeded(self, attempt: Attempt) -> None:
        """A right one gives its attempt back: honest use never spends the budget."""
        await self._limiter.refund(_BUCKET + attempt.kind)

    async def _challenge(self, kind: Kind, *, failures: int) -> proof_of_work.Challenge:
        bits = difficulty(
            self._policy, failures=failures, budget=self._limits.guess_failures_per_window
        )
        return proof_of_work.issue(
            secret=await self._ledger.secret(),
            org_code=_scope(kind),
            difficulty=bits,
            now=self._now(),
            ttl_s=CHALLENGE_TTL_S,
        )

    async def _redeem(self, kind: Kind, proof: proof_of_work.Proof) -> bool:
        checked = proof_of_work.check(
            secret=await self._ledger.secret(), org_code=_scope(kind), proof=proof, now=self._now()
        )
        return checked is not None and await self._ledger.spend(
            checked.spend_id, ttl_s=checked.ttl_s
        )

    def _now(self) -> float:
        return self._clock.now().timestamp()


def _scope(kind: Kind) -> str:
    """What a challenge is bound to in place of a school: a receipt's proof buys no token
    attempt, and no report's proof (access codes never hold `|`) buys either."""
    return f"guess|{kind}"
