"""Which anonymous reports get in: a cost on the flooder, never a school shut by a stranger.

Three lanes (docs/security.md, docs/protocol-extensions.md):

- **proof**: a report with a solved, unspent challenge of its school is always taken,
  however busy the school is; the work is what a flood pays per report.
- **open**: a report without a proof (an older client) or with a failed one is taken
  within a small budget per school and window: old clients keep working while the school
  is calm, and a flood of them can fill only this lane.
- **emergency**: whatever the lane, a report whose safety-net rules verdict is `emergency`
  is always taken, even past every limit: a real emergency is never turned away, and a
  flood of fake ones is stored and seen by a person rather than a real one lost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable

from tipline import pow as proof_of_work
from tipline.errors import RefusedError
from tipline.limits import Limits
from tipline.ports import Classifier, Clock, ProofLedger, RateLimiter

log = logging.getLogger("tipline.admission")

EMERGENCY = "emergency"


class SafetyNet:
    """The rules' verdict on one text, on a thread of its own: an 8,000-character report
    takes the rules about 27 ms, so the loop never runs them, and a flood of proofless
    reports can only queue here, never slow chat or the proven reports' triage."""

    def __init__(self, rules: Callable[[], Classifier]) -> None:
        self._rules = rules
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="safety-net")

    async def is_emergency(self, text: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._check, text)

    def _check(self, text: str) -> bool:
        return bool(self._rules().classify([text])[0].urgency == EMERGENCY)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class ReportGate:
    """Hands out challenges and decides the lane of each anonymous report."""

    def __init__(
        self,
        *,
        ledger: ProofLedger,
        limiter: RateLimiter,
        limits: Limits,
        policy: proof_of_work.Policy,
        clock: Clock,
        is_emergency: Callable[[str], Awaitable[bool]],
    ) -> None:
        self._ledger = ledger
        self._limiter = limiter
        self._limits = limits
        self._policy = policy
        self._clock = clock
        self._is_emergency = is_emergency

    async def challenge(self, org_code: str) -> proof_of_work.Challenge:
        """A challenge for the school, as hard as its load now asks."""
        difficulty = self._policy.difficulty(await self._ledger.load(org_code))
        return proof_of_work.issue(
            secret=await self._ledger.secret(),
            org_code=org_code,
            difficulty=difficulty,
            now=self._now(),
            ttl_s=self._policy.ttl_s,
        )

    async def admit(
        self,
        org_code: str,
        text: str,
        *,
        proof: proof_of_work.Proof | None,
        connection_spent: bool,
    ) -> str:
        """The lane that takes the report (`proof`, `open`, `emergency`), or RefusedError."""
        lane = await self._lane(org_code, proof=proof, connection_spent=connection_spent)
        if lane is None:
            if not await self._is_emergency(text):
                raise await self._refusal(org_code, proof=proof, spent=connection_spent)
            lane = EMERGENCY
            log.warning("report.emergency_lane", extra={"org": org_code})
        await self._ledger.add_load(org_code, window_s=self._policy.window_s)
        return lane

    async def _lane(
        self, org_code: str, *, proof: proof_of_work.Proof | None, connection_spent: bool
    ) -> str | None:
        if connection_spent:
            return None
        if proof is not None and await self._redeem(org_code, proof):
            return "proof"
        limits = self._limits
        if await self._limiter.allow(
            f"unproven:{org_code}",
            limit=limits.unproven_reports_per_school,
            window_s=limits.report_window_s,
        ):
            return "open"
        return None

    async def _redeem(self, org_code: str, proof: proof_of_work.Proof) -> bool:
        checked = proof_of_work.check(
            secret=await self._ledger.secret(), org_code=org_code, proof=proof, now=self._now()
        )
        return checked is not None and await self._ledger.spend(
            checked.spend_id, ttl_s=checked.ttl_s
        )

    async def _refusal(
        self, org_code: str, *, proof: proof_of_work.Proof | None, spent: bool
    ) -> RefusedError:
        fresh = await self.challenge(org_code)
        if spent:
            return RefusedError(
                "rate_limited", "too many at once from this connection; wait a minute", fresh
            )
        if proof is not None:
            return RefusedError(
                "pow_invalid", "the proof of work does not hold; solve this one", fresh
            )
        return RefusedError(
            "rate_limited",
            "too many reports without a proof of work right now; solve this one",
            fresh,
        )

    def _now(self) -> float:
        return self._clock.now().timestamp()
