"""The proof of work's pure core: challenges are signed, bound, timed and as hard as said."""

from __future__ import annotations

import dataclasses

from tipline import pow as proof_of_work

SECRET = b"s" * 32


def challenge(difficulty: int = 8, *, org: str = "DEMO", now: float = 1000.0) -> str:
    return proof_of_work.issue(
        secret=SECRET, org_code=org, difficulty=difficulty, now=now, ttl_s=60
    ).token


def test_a_solved_challenge_checks_once_per_spend_id() -> None:
    """A solved challenge holds for its school until it expires, with a stable spend id."""
    token = challenge()
    proof = proof_of_work.Proof(token, proof_of_work.solve(token, 8))
    checked = proof_of_work.check(secret=SECRET, org_code="DEMO", proof=proof, now=1001.0)
    assert checked is not None
    assert checked.ttl_s == 59.0
    again = proof_of_work.check(secret=SECRET, org_code="DEMO", proof=proof, now=1002.0)
    assert again is not None
    assert again.spend_id == checked.spend_id


def test_other_school_expiry_forgery_and_wrong_nonce_do_not_hold() -> None:
    """Another school's, an expired, a re-signed easier or an unsolved challenge fails."""
    token = challenge(12)
    proof = proof_of_work.Proof(token, proof_of_work.solve(token, 12))
    check = proof_of_work.check
    assert check(secret=SECRET, org_code="OTHER", proof=proof, now=1001.0) is None
    assert check(secret=SECRET, org_code="DEMO", proof=proof, now=1060.0) is None
    assert check(secret=b"x" * 32, org_code="DEMO", proof=proof, now=1001.0) is None
    expires, _, nonce, mac = token.split(".")
    easier = proof_of_work.Proof(f"{expires}.0.{nonce}.{mac}", "0")
    assert check(secret=SECRET, org_code="DEMO", proof=easier, now=1001.0) is None
    n = 0
    while proof_of_work.leading_zero_bits(proof_of_work.digest(token, str(n))) >= 12:
        n += 1
    unsolved = dataclasses.replace(proof, nonce=str(n))
    assert check(secret=SECRET, org_code="DEMO", proof=unsolved, now=1001.0) is None
    for junk in ("", "a.b.c.d", "1.2.3", "....", "\u00b2.1.a.b", "1." + "9" * 40 + ".a.b"):
        junk_proof = proof_of_work.Proof(junk, "0")
        assert check(secret=SECRET, org_code="DEMO", proof=junk_proof, now=0.0) is None


def test_leading_zero_bits_counts_bits_not_bytes() -> None:
    """0x00 0x0f ... starts with 12 zero bits; all zeros with all of them."""
    assert proof_of_work.leading_zero_bits(bytes([0, 0x0F]) + b"\xff" * 30) == 12
    assert proof_of_work.leading_zero_bits(bytes(32)) == 256
    assert proof_of_work.leading_zero_bits(b"\x80" + bytes(31)) == 0


def test_difficulty_rises_one_bit_per_doubling_and_stops_at_the_cap() -> None:
    """Calm: the base; then one more bit per doubling of the load; never past max_bits."""
    policy = proof_of_work.Policy(base_bits=16, max_bits=20, calm_reports=30)
    assert [policy.difficulty(n) for n in (0, 29, 30, 59, 60, 120, 240, 10**6)] == [
        16,
        16,
        17,
        17,
        18,
        19,
        20,
        20,
    ]
